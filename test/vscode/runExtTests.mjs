#!/usr/bin/env node
// Runs extension tests (mocha inside the extension host) in the VS Code bundled with code-server.
// Understands VS Code's command line, so @vscode/test-electron's runTests() can use this file as
// its `vscodeExecutablePath`:
//   runExtTests.mjs [folder] --extensionDevelopmentPath=DIR --extensionTestsPath=PATH [other flags ignored]
// With no arguments it runs this project's suite on test/vscode/workspace. The folder is copied
// into the run's sandbox, so tests may edit and save files freely. Exits with the host's code.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, log, startVsCode } from './harness.mjs';

function parseArgs(argv) {
  const options = { folder: undefined, extensionDevelopmentPath: undefined, extensionTestsPath: undefined };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    const match = /^--(extensionDevelopmentPath|extensionTestsPath)(?:=(.*))?$/.exec(arg);
    if (match) options[match[1]] = match[2] ?? argv[++index];
    else if (!arg.startsWith('-') && options.folder === undefined) options.folder = arg;
    // Electron and window flags (--no-sandbox, --disable-gpu-sandbox, --user-data-dir=…) mean
    // nothing to the server; every run has its own sandbox anyway.
  }
  return options;
}

const args = parseArgs(process.argv.slice(2));
const extensionDevelopmentPath = path.resolve(args.extensionDevelopmentPath ?? ROOT);
const extensionTestsPath = path.resolve(args.extensionTestsPath ?? path.join(ROOT, 'test', 'vscode', 'suite', 'index.js'));
const source = path.resolve(args.folder ?? path.join(ROOT, 'test', 'vscode', 'workspace'));
const timeoutMs = Number(process.env.VSCODE_TEST_TIMEOUT_MS ?? 300_000);

let vscode;
let exitCode = 1;
try {
  const workspace = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'kalloc-ws-'));
  fs.cpSync(source, workspace, { recursive: true });
  vscode = await startVsCode({ folder: workspace, extensionDevelopmentPath, extensionTestsPath });
  const title = await vscode.page
    .waitForFunction(() => document.title.includes('[Extension Development Host]'), undefined, { timeout: 60_000 })
    .then(
      () => true,
      () => false,
    );
  if (!title) throw new Error('the workbench ignored the extension-development payload (window title lacks [Extension Development Host])');
  log(`extension host loaded ${extensionDevelopmentPath}; running ${path.relative(ROOT, extensionTestsPath) || extensionTestsPath}`);
  let timer;
  exitCode = await Promise.race([vscode.onExit, new Promise((resolve) => (timer = setTimeout(() => (log(`extension tests did not finish within ${timeoutMs / 1000} s`), resolve(1)), timeoutMs)))]);
  clearTimeout(timer);
  log(`extension host exited with ${exitCode}`);
  fs.rmSync(workspace, { recursive: true, force: true });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  await vscode?.close();
}
process.exit(exitCode);
