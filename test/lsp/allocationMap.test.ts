// The allocator-map and model-in-use requests over --stdio, and the hover's map link, which the
// server adds only for clients that asked for command links.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, test } from 'node:test';
import { LspClient, serverForSuite } from '../support/lspClient';

const text = [
  '#define RX_LEN 100',
  'static int probe(struct device *dev)',
  '{',
  '\tvoid *a = kmalloc(RX_LEN, GFP_KERNEL);',
  '\tvoid *b = kvmalloc(2048, GFP_KERNEL);',
  '\tvoid *c = vmalloc(SZ_1M);',
  '\tvoid *d = kmalloc(SZ_1M, GFP_ATOMIC);',
  '\tvoid *e = kmalloc(SZ_8M, GFP_KERNEL);',
  '\tvoid *f = kvmalloc(SZ_8M, GFP_KERNEL);',
  '\tvoid *g = kvmalloc(SZ_8M, GFP_ATOMIC);',
  '\treturn 0;',
  '}',
  '',
].join('\n');

describe('kernelAllocLens/allocationAt and modelInUse', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-lsp-map-'));
  // A kernel tree with 16K pages on arm64: the driver inside it is analysed for that tree.
  fs.mkdirSync(path.join(root, 'linux', 'drivers', 'misc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'linux', 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 6\nSUBLEVEL = 0\n');
  fs.writeFileSync(path.join(root, 'linux', '.config'), 'CONFIG_ARM64=y\nCONFIG_ARM64_16K_PAGES=y\n');
  const plainUri = LspClient.uriOf(path.join(root, 'drv.c'));
  const treeUri = LspClient.uriOf(path.join(root, 'linux', 'drivers', 'misc', 'drv.c'));
  const client = serverForSuite({ initializationOptions: { allocatorMapLinks: true } });

  before(async () => {
    await client.open(plainUri, text);
    await client.open(treeUri, text);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const at = (uri: string, line: number, character: number) => client.request('kernelAllocLens/allocationAt', { textDocument: { uri }, position: { line, character } });

  test('kmalloc of 100 bytes: SLUB then buddy, kmalloc-128, may sleep, kfree', async () => {
    const map = await at(plainUri, 3, 20);
    assert.equal(map.model, 'kernel 6.1 · x86_64 · 4K pages');
    assert.equal(map.allocation.api, 'kmalloc');
    assert.deepEqual(map.allocation.path, ['slub', 'buddy']);
    assert.deepEqual(map.layers.filter((layer: { onPath: boolean }) => layer.onPath).map((layer: { id: string }) => layer.id).sort(), ['buddy', 'slub']);
    const figures = Object.fromEntries(map.allocation.figures.map((figure: { label: string; value: string }) => [figure.label, figure.value]));
    assert.equal(figures['served by'], 'slab cache kmalloc-128, 28 bytes unused');
    assert.equal(figures['physically contiguous'], 'yes');
    assert.match(figures['may it sleep'], /^GFP_KERNEL = .*may sleep/);
    assert.equal(figures['free with'], 'kfree() or kvfree()');
  });

  test('kvmalloc at or below PAGE_SIZE never takes the vmalloc path', async () => {
    const map = await at(plainUri, 4, 12);
    assert.deepEqual(map.allocation.path, ['kvmalloc', 'slub', 'buddy']);
  });

  test('vmalloc: not physically contiguous, always may sleep', async () => {
    const map = await at(plainUri, 5, 12);
    assert.deepEqual(map.allocation.path, ['vmalloc', 'buddy']);
    const figures = Object.fromEntries(map.allocation.figures.map((figure: { label: string; value: string }) => [figure.label, figure.value]));
    assert.match(figures['physically contiguous'], /^no — virtually contiguous only/);
    assert.match(figures['may it sleep'], /may sleep whatever the mask/);
    assert.equal(figures['free with'], 'vfree() or kvfree()');
  });

  test('kmalloc above the largest cache goes to the page allocator as a large kmalloc', async () => {
    const map = await at(plainUri, 6, 12);
    assert.deepEqual(map.allocation.path, ['kmalloc-large', 'buddy']);
    const figures = Object.fromEntries(map.allocation.figures.map((figure: { label: string; value: string }) => [figure.label, figure.value]));
    assert.match(figures['served by'], /page allocator, order 8/);
    assert.equal(map.allocation.fails, false);
    assert.match(figures['may it sleep'], /does not sleep/);
  });

  test('kmalloc above KMALLOC_MAX_SIZE is marked as always failing', async () => {
    const map = await at(plainUri, 7, 12);
    assert.equal(map.allocation.fails, true);
    assert.deepEqual(map.allocation.path, ['kmalloc-large', 'buddy']);
    // kvmalloc of the same size falls back to vmalloc: it does not fail.
    const kv = await at(plainUri, 8, 12);
    assert.equal(kv.allocation.api, 'kvmalloc');
    assert.equal(kv.allocation.fails, false);
    assert.ok(kv.allocation.path.includes('vmalloc'));
    // In 6.1 a mask that cannot block gets no vmalloc fallback (mm/util.c): kmalloc only, which fails.
    const atomic = await at(plainUri, 9, 12);
    assert.equal(atomic.allocation.fails, true);
    assert.deepEqual(atomic.allocation.path, ['kvmalloc', 'kmalloc-large', 'buddy']);
  });

  test('no allocation under the cursor: layers without a path', async () => {
    const map = await at(plainUri, 1, 3);
    assert.equal(map.allocation, undefined);
    assert.equal(map.layers.length, 11);
    assert.ok(map.layers.every((layer: { onPath: boolean }) => !layer.onPath));
    assert.equal(await at('file:///nowhere.c', 0, 0), null);
  });

  test('a driver inside a kernel tree is modelled for that tree (detected, not set)', async () => {
    const model = await client.request('kernelAllocLens/modelInUse', { uri: treeUri });
    assert.equal(model.label, 'kernel 6.6 · arm64 · 16K');
    assert.equal(model.sources.kernel, path.join(root, 'linux', 'Makefile'));
    assert.equal(model.sources.pageSize, path.join(root, 'linux', '.config'));
    const map = await at(treeUri, 3, 20);
    assert.equal(map.model, 'kernel 6.6 · arm64 · 16K pages');
    const plain = await client.request('kernelAllocLens/modelInUse', { uri: plainUri });
    assert.equal(plain.label, 'kernel 6.1 · x86_64 · 4K');
    assert.deepEqual(plain.sources, { kernel: 'default', arch: 'default', pageSize: 'default' });
  });

  test('the hover on an allocation links to the map with its position', async () => {
    const hover = await client.request('textDocument/hover', { textDocument: { uri: plainUri }, position: { line: 3, character: 12 } });
    const args = encodeURIComponent(JSON.stringify([{ uri: plainUri, line: 3, character: 12 }]));
    assert.ok(hover.contents.value.endsWith(`[Show in allocator map](command:kernelAllocLens.showAllocatorMap?${args})`));
    // Not on a GFP flag's hover.
    const flag = await client.request('textDocument/hover', { textDocument: { uri: plainUri }, position: { line: 3, character: 30 } });
    assert.doesNotMatch(flag.contents.value, /allocator map/);
  });
});

describe('clients that did not ask for command links', () => {
  const client = serverForSuite();
  test('get no link in the hover', async () => {
    const uri = 'file:///tmp/kalloc-lsp-nolink/drv.c';
    await client.open(uri, text);
    const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 12 } });
    assert.match(hover.contents.value, /kmalloc-128/);
    assert.doesNotMatch(hover.contents.value, /command:/);
  });
});
