// Starts a real VS Code for tests, offline: the VS Code server bundled in the code-server npm
// package (installed by scripts/install-vscode-e2e.sh) on 127.0.0.1, and Debian's Chromium driven
// by playwright-core as the workbench. Every run gets a fresh sandbox (user data, extensions,
// HOME) under /tmp and a free port, so parallel runs do not meet. No request leaves 127.0.0.1:
// Chromium resolves nothing else and the page aborts any other host. See ../shared/e2e-vscode.md.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const started = Date.now();

export function log(message) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

export function codeServerDir() {
  // Where scripts/install-vscode-e2e.sh puts the pinned version (package.json config).
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).config.codeServerVersion;
  const home = process.env.CODE_SERVER_HOME ?? path.join(process.env.KALLOC_CACHE ?? path.join(os.homedir(), '.cache', 'kernel-alloc-lens'), `code-server-${version}`);
  const dir = path.join(home, 'node_modules', 'code-server');
  if (!fs.existsSync(path.join(dir, 'lib', 'vscode', 'out', 'server-main.js'))) {
    throw new Error(`no VS Code server in ${dir}: run scripts/install-vscode-e2e.sh first (or set CODE_SERVER_HOME)`);
  }
  return dir;
}

export function vscodeVersion() {
  return JSON.parse(fs.readFileSync(path.join(codeServerDir(), 'lib', 'vscode', 'package.json'), 'utf8')).version;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Quietens the workbench: no welcome page, trust prompt, telemetry, update checks or chat.
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
  'files.autoSave': 'off',
  'editor.hover.delay': 200,
  'chat.commandCenter.enabled': false,
};

// Workbench chatter that says nothing about the extension (VSCODE_TEST_VERBOSE=1 shows it).
const WORKBENCH_NOISE = [/^Creating a socket/, /^\[Service Worker\]/, /builtin extensions/, /^ChatSessionStore/, /^Started local extension host/, /^\[(?:Extension Host|LocalProcess|remote)\]/];

async function waitForServer(url, child, output) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`VS Code server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`VS Code server did not answer on ${url} within 60 s:\n${output()}`);
}

/**
 * Installs a VSIX into a fresh extensions folder with the server's own CLI, as a user would with
 * `code --install-extension`.
 */
export async function installVsix(vsix, extensionsDir, userDataDir) {
  const serverMain = path.join(codeServerDir(), 'lib', 'vscode', 'out', 'server-main.js');
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [serverMain, '--install-extension', vsix, '--force', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--accept-server-license-terms'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EXTENSIONS_GALLERY: '{}' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`--install-extension ${vsix} exited with ${code}:\n${output}`))));
  });
}

/**
 * Starts server and browser and opens `folder`. Options:
 * - extensionDevelopmentPath / extensionTestsPath: loaded through the workbench URL payload,
 *   the way VS Code's own browser integration tests do it;
 * - vsix: install this VSIX first and load it as an ordinary installed extension;
 * - settings: extra user settings; env: extra environment for the extension host.
 * Returns { page, browser, sandbox, close, onExit } where onExit resolves with the code the
 * extension host reports when extension tests finish.
 */
export async function startVsCode({ folder, extensionDevelopmentPath, extensionTestsPath, vsix, settings = {}, env = {} }) {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-vscode-'));
  const dirs = Object.fromEntries(['home', 'user-data', 'server-data', 'extensions'].map((name) => [name, path.join(sandbox, name)]));
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  for (const base of [dirs['user-data'], dirs['server-data']]) {
    fs.mkdirSync(path.join(base, 'User'), { recursive: true });
    fs.writeFileSync(path.join(base, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...settings }, null, 2));
  }
  fs.mkdirSync(path.join(dirs['server-data'], 'data', 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(dirs['server-data'], 'data', 'Machine', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...settings }, null, 2));
  if (vsix) {
    await installVsix(vsix, dirs.extensions, dirs['user-data']);
    log(`installed ${path.basename(vsix)} with --install-extension`);
  }

  const port = await freePort();
  const authority = `127.0.0.1:${port}`;
  const serverMain = path.join(codeServerDir(), 'lib', 'vscode', 'out', 'server-main.js');
  let serverOutput = '';
  const server = spawn(
    process.execPath,
    [
      serverMain,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--disable-telemetry',
      '--disable-workspace-trust',
      '--enable-smoke-test-driver',
      '--server-data-dir',
      dirs['server-data'],
      '--user-data-dir',
      dirs['user-data'],
      '--extensions-dir',
      dirs.extensions,
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // EXTENSIONS_GALLERY='{}': no marketplace, so no lookups of its host.
      env: { ...process.env, ...env, HOME: dirs.home, EXTENSIONS_GALLERY: '{}' },
    },
  );
  server.stdout.on('data', (chunk) => (serverOutput += chunk));
  server.stderr.on('data', (chunk) => (serverOutput += chunk));
  await waitForServer(`http://${authority}/version`, server, () => serverOutput);
  log(`VS Code ${vscodeVersion()} server listening on http://${authority}`);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    blocked.push(url.href);
    return route.abort();
  });
  const page = await context.newPage();

  let resolveExit;
  const onExit = new Promise((resolve) => (resolveExit = resolve));
  // The workbench's log, which includes the extension host's console: tests print through it.
  await page.exposeFunction('codeAutomationLog', (type, message) => {
    const text = Array.isArray(message) ? message.join(' ') : String(message);
    if (!process.env.VSCODE_TEST_VERBOSE && WORKBENCH_NOISE.some((pattern) => pattern.test(text))) return;
    if (type === 'error') console.error(text);
    else console.log(text);
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));

  const payload = [];
  const remote = (file) => `vscode-remote://${authority}${path.resolve(file)}`;
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const query = new URLSearchParams({ folder: path.resolve(folder) });
  if (payload.length > 0) query.set('payload', JSON.stringify(payload));
  await page.goto(`http://${authority}/?${query}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  log('workbench rendered');

  let closed = false;
  async function close() {
    if (closed) return;
    closed = true;
    await browser.close().catch(() => {});
    // The server, its extension host and our language server share one process group.
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.once('exit', resolve)));
    fs.rmSync(sandbox, { recursive: true, force: true });
    if (blocked.length > 0) log(`blocked ${blocked.length} request(s) to other hosts: ${[...new Set(blocked.map((url) => new URL(url).host))].join(', ')}`);
  }
  return { page, browser, sandbox, authority, close, onExit, serverOutput: () => serverOutput };
}
