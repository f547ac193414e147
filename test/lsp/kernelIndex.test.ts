// The language server and the kernel tree's index (issue 11): with `kernelAllocLens.index.build`
// "auto" it builds the index of the fixture tree (test/fixtures/kernel-tree/, copied to a temp
// folder) in the background with $/progress, then publishes the open document's diagnostics again;
// with "off" it never builds one, and loads one `kalloc index` built. The cache goes to a temp
// XDG_CACHE_HOME, which the server inherits from this process.
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { after, describe, test } from 'node:test';
import * as os from 'os';
import * as path from 'path';
import { LspClient, serverForSuite } from '../support/lspClient';
import { DIST, FIXTURES } from '../support/paths';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-lsp-index-')));
process.env.XDG_CACHE_HOME = path.join(work, 'cache');
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** A copy of the fixture tree at `work/name`; returns its root. */
function treeCopy(name: string): string {
  const root = path.join(work, name);
  fs.cpSync(path.join(FIXTURES, 'kernel-tree'), root, { recursive: true });
  return root;
}

const DRIVER = path.join('drivers', 'idxdemo', 'idx_demo.c');
/** The .c files of the fixture tree, counted by walking it (other suites add files to the same tree). */
const SOURCE_COUNT = (fs.readdirSync(path.join(FIXTURES, 'kernel-tree'), { recursive: true }) as string[]).filter((file) => file.endsWith('.c')).length;
/** The 0-based line of idx_core_flush() under spin_lock_irqsave() in the driver: a finding only the index gives. */
const flushLine = (text: string) => text.split('\n').findIndex((line) => line.trim().startsWith('idx_core_flush('));
const CAPABILITIES = { workspace: { configuration: true }, window: { workDoneProgress: true } };

/** The first message received so far that matches, or the next one to arrive. */
function seen(client: LspClient, match: (message: Json) => boolean): Promise<Json> {
  const found = client.notifications.find(match);
  return found ? Promise.resolve(found) : client.waitFor(match, 60_000);
}

const isIndexProgress = (root: string) => (m: Json) => m.method === '$/progress' && m.params.value.kind === 'begin' && m.params.value.title === `Kernel Alloc Lens: indexing ${root}`;

describe('index.build "auto": the tree is indexed in the background', () => {
  const root = treeCopy('auto-linux');
  const client = serverForSuite({ capabilities: CAPABILITIES, settings: { index: { build: 'auto' } } });

  test('progress begins and ends, the document is published again after it, and the status names the tree', async () => {
    const uri = LspClient.uriOf(path.join(root, DRIVER));
    const text = fs.readFileSync(path.join(root, DRIVER), 'utf8');
    const first = await client.open(uri, text);
    assert.equal(first.uri, uri, 'diagnostics do not wait for the index');
    const sleeps = (diagnostics: Json[]) => diagnostics.filter((d: Json) => d.code === 'sleep-in-atomic').map((d: Json) => d.range.start.line);
    const begun = await seen(client, isIndexProgress(root));
    const token = begun.params.token;
    const created = client.notifications.find((m) => m.method === 'window/workDoneProgress/create' && m.params.token === token);
    assert.ok(created, 'the progress token was created with window/workDoneProgress/create');
    const ended = await seen(client, (m) => m.method === '$/progress' && m.params.token === token && m.params.value.kind === 'end');
    const endedAt = client.notifications.indexOf(ended);
    const republished = await seen(client, (m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && client.notifications.indexOf(m) > endedAt);
    assert.equal(republished.params.uri, uri);
    // The callee's mutex is in core/idxcore: the first publication, from the folder alone, cannot see it.
    assert.deepEqual(sleeps(first.diagnostics), []);
    assert.deepEqual(sleeps(republished.params.diagnostics), [flushLine(text)]);
    await seen(client, (m) => m.method === 'kernelAllocLens/modelChanged' && client.notifications.indexOf(m) > client.notifications.indexOf(begun));
    const model = await client.request('kernelAllocLens/modelInUse', { uri });
    assert.deepEqual(model.index, { state: 'loaded', root, version: '6.1.0', files: SOURCE_COUNT });
    const reports = client.notifications.filter((m) => m.method === '$/progress' && m.params.token === token && m.params.value.kind === 'report');
    assert.ok(
      reports.some((m) => m.params.value.message === `${SOURCE_COUNT}/${SOURCE_COUNT} files`),
      `progress reports count the files: ${JSON.stringify(reports.map((m) => m.params.value))}`,
    );
    const cached = fs.readdirSync(path.join(work, 'cache', 'kernel-alloc-lens', 'index'));
    assert.equal(cached.length, 1, 'the index is in the cache folder');
    assert.ok(fs.existsSync(path.join(work, 'cache', 'kernel-alloc-lens', 'index', cached[0], 'facts.v8')));
  });

  test("with the index loaded, a driver's initialiser of a field the tree calls under a spinlock is an atomic entry", async () => {
    const file = path.join(root, 'drivers', 'fxdrv', 'fx_drv.c');
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n');
    // The index of this tree was built by the test above; the cores calling `.start` and `.poll` are in core/.
    const expected = lines.flatMap((line, index) => (/\/\/ expect: /.test(line) ? [`${index}:${/expect: ([a-z-]+)/.exec(line)![1]}`] : [])).sort();
    assert.equal(expected.length, 3);
    const published = await client.open(LspClient.uriOf(file), text);
    const atomic = published.diagnostics
      .filter((d: Json) => /sleep-in-atomic/.test(d.code))
      .map((d: Json) => `${d.range.start.line}:${d.code}`)
      .sort();
    assert.deepEqual(atomic, expected);
    const start = published.diagnostics.find((d: Json) => d.range.start.line === lines.findIndex((line) => line.includes('msleep(10);')));
    // Diagnostics quote code with ' (features/diagnostics.ts), the CLI with backticks.
    assert.match(
      start?.message ?? '',
      /which the kernel tree calls only in atomic context \(entered with 'spin_lock_irqsave\(&dev->lock\)' held: core\/fxcore\/fx_core\.c:\d+ calls 'dev->ops->start'/,
    );
  });

  test('a file outside any kernel tree has no index status', async () => {
    const loose = path.join(work, 'loose', 'loose.c');
    fs.mkdirSync(path.dirname(loose), { recursive: true });
    fs.writeFileSync(loose, 'int loose(void) { return 0; }\n');
    const uri = LspClient.uriOf(loose);
    await client.open(uri, fs.readFileSync(loose, 'utf8'));
    const model = await client.request('kernelAllocLens/modelInUse', { uri });
    assert.equal(model.index, undefined);
  });
});

describe('index.build "off" (the default): an index is loaded, never built; "auto" later builds it', () => {
  const unindexed = treeCopy('off-linux');
  const indexed = treeCopy('cli-linux');
  const client = serverForSuite({ capabilities: CAPABILITIES });

  test('a tree without an index stays without one, and the status says so', async () => {
    const uri = LspClient.uriOf(path.join(unindexed, DRIVER));
    await client.open(uri, fs.readFileSync(path.join(unindexed, DRIVER), 'utf8'));
    await seen(client, (m) => m.method === 'kernelAllocLens/modelChanged');
    let model = await client.request('kernelAllocLens/modelInUse', { uri });
    // The status goes from loading to none once the cache has been looked at.
    while (model.index?.state === 'loading') {
      await client.waitFor((m) => m.method === 'kernelAllocLens/modelChanged', 60_000);
      model = await client.request('kernelAllocLens/modelInUse', { uri });
    }
    assert.deepEqual(model.index, { state: 'none', root: unindexed, version: '6.1.0' });
    assert.ok(!client.notifications.some(isIndexProgress(unindexed)), 'no build was started');
  });

  test('turning index.build to "auto" builds the index of the tree in use', async () => {
    const uri = LspClient.uriOf(path.join(unindexed, DRIVER));
    client.settings = { index: { build: 'auto' } };
    client.notify('workspace/didChangeConfiguration', { settings: {} });
    const begun = await seen(client, isIndexProgress(unindexed));
    await seen(client, (m) => m.method === '$/progress' && m.params.token === begun.params.token && m.params.value.kind === 'end');
    const model = await client.request('kernelAllocLens/modelInUse', { uri });
    assert.deepEqual(model.index, { state: 'loaded', root: unindexed, version: '6.1.0', files: SOURCE_COUNT });
  });

  test('a tree `kalloc index` has indexed is loaded in the background, without a build; diagnostics follow it', async () => {
    const built = spawnSync(process.execPath, [path.join(DIST, 'cli.js'), 'index', '--jobs', '1', indexed], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    const uri = LspClient.uriOf(path.join(indexed, DRIVER));
    const before = client.notifications.length;
    await client.open(uri, fs.readFileSync(path.join(indexed, DRIVER), 'utf8'));
    let model = await client.request('kernelAllocLens/modelInUse', { uri });
    while (model.index?.state !== 'loaded') {
      assert.equal(model.index?.state, 'loading', `loading, then loaded: ${JSON.stringify(model.index)}`);
      await client.waitFor((m) => m.method === 'kernelAllocLens/modelChanged', 60_000);
      model = await client.request('kernelAllocLens/modelInUse', { uri });
    }
    assert.deepEqual(model.index, { state: 'loaded', root: indexed, version: '6.1.0', files: SOURCE_COUNT });
    // The server says the status changed after the facts are in, and publishes again after that.
    const loadedAt = client.notifications.map((m) => m.method).lastIndexOf('kernelAllocLens/modelChanged');
    assert.ok(loadedAt >= before);
    await seen(client, (m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && client.notifications.indexOf(m) > loadedAt);
    assert.ok(!client.notifications.some(isIndexProgress(indexed)), 'loading is not building: no progress');
  });
});
