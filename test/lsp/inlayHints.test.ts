// Inlay hints over --stdio: after each allocation whose size or order the model evaluates, the
// slab cache and waste, the page order, or "always fails"; nothing for an unknown size; only the
// hints in the requested range; none once `kernelAllocLens.inlayHints.enabled` is false.
import assert from 'node:assert/strict';
import * as path from 'path';
import { before, test } from 'node:test';
import { LspClient, isShowMessage, serverForSuite } from '../support/lspClient';
import { fixtureText } from '../support/fixtureText';
import { FIXTURES } from '../support/paths';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const file = path.join(FIXTURES, 'lens', 'lens.c');
const { text, lines, lineOf } = fixtureText(file);
const uri = LspClient.uriOf(file);

const WHOLE = { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } };

const client = serverForSuite({ capabilities: { workspace: { configuration: true, inlayHint: { refreshSupport: true } } } });
before(async () => {
  await client.open(uri, text);
});

function hints(range = WHOLE): Promise<Json[]> {
  return client.request('textDocument/inlayHint', { textDocument: { uri }, range });
}

test('the server declares inlay hints', async () => {
  const other = new LspClient();
  try {
    const result = await other.initialize();
    assert.equal(result.capabilities.inlayHintProvider, true);
  } finally {
    await other.shutdown();
  }
});

test('each sized allocation gets its class and waste, its order, or always fails; an unknown size gets nothing', async () => {
  const got = (await hints()).map((hint: Json) => [hint.position.line, hint.label]);
  assert.deepEqual(got, [
    [lineOf('kmalloc(168,'), 'kmalloc-192 · 24 B unused'],
    [lineOf('kzalloc(64,'), 'kmalloc-64 · 0 B unused'],
    [lineOf('GFP_KERNEL_ACCOUNT'), 'kmalloc-cg-256 · 56 B unused'],
    [lineOf('kmalloc(20000,'), 'order 3 · 12768 B unused'],
    [lineOf('kmalloc(65536,'), 'order 4 · costly'],
    [lineOf('kmalloc(8 * 1024 * 1024,'), 'always fails'],
    [lineOf('vmalloc(5000)'), 'vmalloc · 2 pages · 3192 B unused'],
    [lineOf('alloc_pages(GFP_KERNEL, 4)'), 'order 4 · costly'],
    [lineOf('kvmalloc(65536,'), 'order 4 · costly · else vmalloc'],
    [lineOf('kmalloc(32, GFP_ATOMIC)'), 'kmalloc-32 · 0 B unused'],
  ]);
  assert.ok(!got.some(([line]) => line === lineOf('kmalloc(n,')), 'no hint for an unknown size');
});

test('a hint sits right after the call, padded, with the route as its tooltip', async () => {
  const line = lineOf('kmalloc(168,');
  const hint = (await hints()).find((candidate: Json) => candidate.position.line === line);
  assert.deepEqual(hint.position, { line, character: lines[line].indexOf(';') });
  assert.equal(hint.paddingLeft, true);
  assert.equal(hint.tooltip.kind, 'markdown');
  assert.match(hint.tooltip.value, /kmalloc → SLUB kmalloc-192 → page allocator \(slab pages\)/);
  assert.match(hint.tooltip.value, /slab cache kmalloc-192, 24 bytes unused/);
});

test('only the hints in the requested range', async () => {
  const first = lineOf('kmalloc(20000,');
  const range = { start: { line: first, character: 0 }, end: { line: first + 1, character: lines[first + 1].length } };
  assert.deepEqual(
    (await hints(range)).map((hint: Json) => hint.label),
    ['order 3 · 12768 B unused', 'order 4 · costly'],
  );
  // The range ends before the first call's end: that hint is outside.
  const partial = { start: { line: first, character: 0 }, end: { line: first, character: lines[first].indexOf(';') - 1 } };
  assert.deepEqual(await hints(partial), []);
});

test('kernelAllocLens.inlayHints.enabled = false: no hints, and the client is asked to refresh', async () => {
  client.settings = { inlayHints: { enabled: false } };
  const refreshed = client.waitFor((message) => message.method === 'workspace/inlayHint/refresh');
  client.notify('workspace/didChangeConfiguration', { settings: null });
  await refreshed;
  assert.deepEqual(await hints(), []);
  client.settings = { inlayHints: { enabled: true } };
  const again = client.waitFor((message) => message.method === 'workspace/inlayHint/refresh');
  client.notify('workspace/didChangeConfiguration', { settings: null });
  await again;
  assert.equal((await hints()).length, 10);
});

test('a bad value is named and ignored: hints stay on', async () => {
  client.settings = { inlayHints: { enabled: 'yes' } };
  const warning = client.waitFor((message) => isShowMessage(message) && /inlayHints\.enabled/.test(message.params.message));
  const refreshed = client.waitFor((message) => message.method === 'workspace/inlayHint/refresh');
  client.notify('workspace/didChangeConfiguration', { settings: null });
  assert.match((await warning).params.message, /inlayHints\.enabled must be true or false/);
  await refreshed;
  assert.equal((await hints()).length, 10);
  client.settings = {};
});

test('a client without workspace/configuration turns hints off in initializationOptions', async () => {
  const other = new LspClient();
  try {
    await other.initialize({}, { settings: { inlayHints: { enabled: false } } });
    await other.open(uri, text);
    assert.deepEqual(await other.request('textDocument/inlayHint', { textDocument: { uri }, range: WHOLE }), []);
  } finally {
    await other.shutdown();
  }
});
