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
  '\tvoid *h = kcalloc(4, 16, GFP_KERNEL);',
  '\tvoid __percpu *i = alloc_percpu(u64);',
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
    assert.deepEqual(
      map.layers
        .filter((layer: { onPath: boolean }) => layer.onPath)
        .map((layer: { id: string }) => layer.id)
        .sort(),
      ['buddy', 'slub'],
    );
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

  type Arrow = { from: string; to: string; onPath: boolean };
  type Entry = { id: string; apis: string[]; onPath: boolean };
  const litArrows = (map: { arrows: Arrow[] }) =>
    map.arrows
      .filter((arrow) => arrow.onPath)
      .map((arrow) => `${arrow.from}>${arrow.to}`)
      .sort();
  const litEntries = (map: { entries: Entry[] }) => map.entries.filter((entry) => entry.onPath).map((entry) => entry.id);

  test('the API boxes on top, each with its arrows down to the page allocator', async () => {
    const map = await at(plainUri, 1, 3);
    assert.deepEqual(
      map.entries.map((entry: Entry) => entry.apis.join('/')),
      ['kmalloc/kzalloc', 'kmem_cache_alloc', 'kvmalloc/kvzalloc', 'vmalloc/vzalloc', 'alloc_pages/__get_free_pages', 'dma_alloc_coherent', 'dma_pool_alloc', 'devm_kzalloc'],
    );
    const arrows = map.arrows.map((arrow: Arrow) => `${arrow.from}>${arrow.to}`);
    // kvmalloc's SLUB and vmalloc are alternatives: both arrows, each on to buddy.
    for (const arrow of [
      'api:kmalloc>slub',
      'slub>buddy',
      'api:kvmalloc>kvmalloc',
      'kvmalloc>slub',
      'kvmalloc>vmalloc',
      'vmalloc>buddy',
      'api:alloc_pages>buddy',
      'dma-api>cma',
      'dma-api>buddy',
      'api:devm_kzalloc>devres',
      'devres>slub',
    ]) {
      assert.ok(arrows.includes(arrow), `missing ${arrow} in ${arrows.join(' ')}`);
    }
    assert.ok(!arrows.includes('slub>vmalloc'), 'alternatives on one level get no arrow between them');
    assert.equal(new Set(arrows).size, arrows.length, 'each arrow once');
    assert.deepEqual(litArrows(map), []);
    assert.deepEqual(litEntries(map), []);
  });

  test('the arrows of the allocation under the cursor are lit, along the path its size takes', async () => {
    assert.deepEqual(litArrows(await at(plainUri, 3, 20)), ['api:kmalloc>slub', 'slub>buddy']);
    assert.deepEqual(litEntries(await at(plainUri, 3, 20)), ['api:kmalloc']);
    // 1 MiB: past the largest kmalloc cache, a compound page; the catalogue's SLUB arrow stays dark.
    const large = await at(plainUri, 6, 12);
    assert.deepEqual(litArrows(large), ['api:kmalloc>kmalloc-large', 'kmalloc-large>buddy']);
    assert.ok(large.arrows.some((arrow: Arrow) => arrow.from === 'api:kmalloc' && arrow.to === 'slub' && !arrow.onPath));
    assert.deepEqual(litArrows(await at(plainUri, 4, 12)), ['api:kvmalloc>kvmalloc', 'kvmalloc>slub', 'slub>buddy']);
  });

  test('an API in no box lights the box of its family, or gets a box of its own', async () => {
    const kcalloc = await at(plainUri, 10, 12);
    assert.equal(kcalloc.allocation.api, 'kcalloc');
    assert.deepEqual(litEntries(kcalloc), ['api:kmalloc']);
    const percpu = await at(plainUri, 11, 22);
    assert.equal(percpu.allocation.api, 'alloc_percpu');
    assert.deepEqual(litEntries(percpu), ['api:alloc_percpu']);
    assert.equal(percpu.entries.length, 9);
    assert.deepEqual(litArrows(percpu), ['api:alloc_percpu>percpu', 'percpu>vmalloc', 'vmalloc>buddy']);
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
