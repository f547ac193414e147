// Shared by the CLI tests: run dist/cli.js as a user would, and validate SARIF against the OASIS
// SARIF 2.1.0 schema (the copy @microsoft/jest-sarif ships; draft-04, hence ajv-draft-04).
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv-draft-04';
import { DIST, ROOT } from '../support/paths';

export const CLI = path.join(DIST, 'cli.js');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function kalloc(args: readonly string[], cwd?: string): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Files done in the progress line that triggered the signal. */
  doneAtSignal: number;
  total: number;
}

/** Starts the CLI, sends `signal` once a progress line shows at least one file done, collects the rest. */
export function interruptAfterProgress(args: readonly string[], cwd: string | undefined, signal: NodeJS.Signals): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let doneAtSignal = -1;
    let total = -1;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const progress = [...stderr.matchAll(/^kalloc: (\d+)\/(\d+) files, /gm)].find((match) => Number(match[1]) > 0);
      if (progress && doneAtSignal < 0) {
        doneAtSignal = Number(progress[1]);
        total = Number(progress[2]);
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, exitSignal) => resolve({ code, signal: exitSignal, stdout, stderr, doneAtSignal, total }));
  });
}

/** A fresh temporary directory holding `files` (path → content), removed by the returned function. */
export function tempTree(files: Record<string, string | Buffer>): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-cli-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const SCHEMA_FILE = path.join(ROOT, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');

/** Schema violations of a SARIF log, as `path: message` lines; empty when it is valid. */
export function sarifSchemaErrors(log: unknown): string[] {
  // The schema's language-tag pattern is not valid with the `u` flag; formats are checked by hand
  // because ajv-formats is not a dependency.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  ajv.addFormat('uri', (text: string) => parses(text));
  ajv.addFormat('uri-reference', (text: string) => parses(text, 'file:///base/'));
  ajv.addFormat('date-time', (text: string) => !Number.isNaN(Date.parse(text)));
  const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')));
  if (validate(log)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message} ${JSON.stringify(error.params)}`);
}

function parses(text: string, base?: string): boolean {
  try {
    new URL(text, base);
    return true;
  } catch {
    return false;
  }
}
