// A minimal LSP client that spawns `node dist/server.js --stdio` and speaks JSON-RPC to it, so
// LSP tests exercise the shipped bundle exactly as Neovim or Helix would. serverForSuite() gives
// a describe() block (or a test file) one such server, started before its tests and shut down after.
import assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { after, before } from 'node:test';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { DIST } from './paths';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface PublishedDiagnostics {
  uri: string;
  version?: number;
  diagnostics: Json[];
}

export class LspClient {
  private spawned?: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: Json) => void; reject: (error: Error) => void }>();
  private readonly waiters: { match: (message: Json) => boolean; resolve: (message: Json) => void }[] = [];
  /** Notifications and requests received from the server, in order. */
  readonly notifications: Json[] = [];
  stderr = '';
  /** Answers the server's workspace/configuration requests. */
  settings: Json = {};
  private initialized?: Promise<Json>;

  /** The server process starts with the first message sent to it. */
  constructor(private readonly args: string[] = []) {}

  private get child(): ChildProcessWithoutNullStreams {
    if (!this.spawned) {
      const child = spawn(process.execPath, [path.join(DIST, 'server.js'), '--stdio', ...this.args], { stdio: 'pipe' });
      child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
      child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
      this.spawned = child;
    }
    return this.spawned;
  }

  static uriOf(file: string): string {
    return pathToFileURL(file).href;
  }

  initialize(capabilities: Json = { workspace: { configuration: true } }, initializationOptions?: Json): Promise<Json> {
    this.initialized = this.request('initialize', { processId: process.pid, rootUri: null, capabilities, initializationOptions }).then((result) => {
      this.notify('initialized', {});
      return result;
    });
    return this.initialized;
  }

  request(method: string, params: Json, timeoutMs = 20000): Promise<Json> {
    const id = this.nextId++;
    this.send({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method} timed out; stderr: ${this.stderr}`)), timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  notify(method: string, params: Json): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** Waits for the next notification (or request from the server) that matches. */
  waitFor(match: (message: Json) => boolean, timeoutMs = 20000): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching notification; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  /** Resolves once the server has pulled its settings (and this client has answered). */
  configurationPulled(): Promise<Json> {
    const seen = this.notifications.find((m) => m.method === 'workspace/configuration');
    return seen ? Promise.resolve(seen) : this.waitFor((m) => m.method === 'workspace/configuration');
  }

  /** Diagnostics published for a URI at (or after) a document version. */
  async diagnosticsFor(uri: string, version?: number): Promise<PublishedDiagnostics> {
    const message = await this.waitFor(
      (m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && (version === undefined || m.params.version === undefined || m.params.version >= version),
    );
    return message.params;
  }

  /** didOpen, once initialize has been answered (as an editor does); resolves with the first diagnostics. */
  async open(uri: string, text: string, version = 1, languageId = 'c'): Promise<PublishedDiagnostics> {
    await this.initialized;
    const published = this.diagnosticsFor(uri, version);
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
    return await published;
  }

  /** shutdown, then exit; resolves with the server's exit code (null if it had to be killed). */
  async shutdown(): Promise<number | null> {
    if (!this.spawned) return 0;
    try {
      await this.request('shutdown', null, 5000);
      this.notify('exit', null);
    } catch {
      this.child.kill();
    }
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) resolve(this.child.exitCode);
      else this.child.on('exit', (code) => resolve(code));
    });
  }

  private send(message: Json): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString())?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8'));
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(message);
    }
  }

  private dispatch(message: Json): void {
    if (message.id !== undefined && message.method === undefined) {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error.message));
      else pending?.resolve(message.result);
      return;
    }
    if (message.id !== undefined && message.method) {
      // A request from the server: answer configuration pulls, acknowledge the rest.
      const result = message.method === 'workspace/configuration' ? message.params.items.map(() => this.settings) : null;
      this.send({ jsonrpc: '2.0', id: message.id, result });
      // Requests are recorded and matched like notifications (window/showMessageRequest carries
      // the server's warnings), so tests can wait for them.
    }
    this.notifications.push(message);
    const index = this.waiters.findIndex((waiter) => waiter.match(message));
    if (index >= 0) this.waiters.splice(index, 1)[0].resolve(message);
  }
}

/** window/showMessage or window/showMessageRequest (vscode-languageserver sends the latter). */
export function isShowMessage(message: Json): boolean {
  return message.method === 'window/showMessage' || message.method === 'window/showMessageRequest';
}

export interface ServerSetup {
  /** Client capabilities sent with initialize; default: workspace/configuration. */
  capabilities?: Json;
  initializationOptions?: Json;
  /** What the client answers the server's workspace/configuration pulls with (default `{}`). */
  settings?: Json;
  /** false: the suite's own first test sends initialize. */
  initialize?: boolean;
}

/**
 * One server for the enclosing describe() (or the whole file when called at top level): initialized
 * in a before() hook, shut down in an after() hook that also checks the server exited cleanly.
 * Node 20 runs a file's top-level before() hooks concurrently, so open() waits for initialize
 * itself rather than relying on hook order.
 */
/**
 * A folder under the temp dir for the suite's files, made before its tests and removed after:
 * `file(relative, text)` writes one (and its folders) and returns its file URI.
 */
export function temporaryFilesForSuite(prefix: string): { root: () => string; file: (relative: string, text?: string) => string } {
  let root = '';
  before(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });
  return {
    root: () => root,
    file(relative: string, text = ''): string {
      const full = path.join(root, relative);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
      return LspClient.uriOf(full);
    },
  };
}

export function serverForSuite(setup: ServerSetup = {}): LspClient {
  const client = new LspClient();
  if ('settings' in setup) client.settings = setup.settings;
  before(async () => {
    if (setup.initialize !== false) await client.initialize(setup.capabilities, setup.initializationOptions);
  });
  after(async () => {
    assert.equal(await client.shutdown(), 0, `the server exits cleanly after shutdown/exit; stderr: ${client.stderr}`);
  });
  return client;
}
