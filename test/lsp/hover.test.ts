// Exact hover cards through the real server: slab class and unused bytes, page-allocator order,
// always-fails, devres header, GFP decoding, matching free, may-sleep verdicts.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { serverForSuite } from '../support/lspClient';

const uri = 'file:///tmp/kalloc-lsp-hover/drv.c';
const text = [
  '#define RX_LEN 100',
  'static int probe(struct device *dev)',
  '{',
  '\tvoid *a = kmalloc(RX_LEN, GFP_KERNEL);',
  '\tvoid *b = kmalloc(9000, GFP_ATOMIC);',
  '\tvoid *c = kzalloc(SZ_8M, GFP_KERNEL);',
  '\tvoid *d = devm_kmalloc(dev, 4096, GFP_KERNEL);',
  '\tvoid *e = kmalloc(150, GFP_NOWAIT);',
  '\tvoid *f = vmalloc(10000);',
  '\tstruct page *g = alloc_pages(GFP_KERNEL, 11);',
  '\tkfree(a);',
  '\tvoid *h = kmalloc(40000, gfp);',
  '\treturn 0;',
  '\tvoid *k = kvmalloc(SZ_64K, GFP_ATOMIC);',
  '\tvoid *m = kvmalloc(SZ_64K, GFP_KERNEL);',
  '\tvoid *n = devres_alloc(drv_release, 64, GFP_KERNEL);',
  '\tvoid *u = usb_alloc_coherent(udev, 512, GFP_ATOMIC, &dma);',
  '}',
  '',
].join('\n');

const client = serverForSuite();
before(async () => {
  await client.open(uri, text);
});

async function hover(line: number, character: number): Promise<string> {
  const answer = await client.request('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  assert.ok(answer, `hover at ${line}:${character}`);
  assert.equal(answer.contents.kind, 'markdown');
  return answer.contents.value;
}

test('kmalloc with a #define size names the slab class, unused bytes, the mask verdict and the free', async () => {
  const card = await hover(3, 12);
  assert.match(card, /`kmalloc → SLUB kmalloc-128 → page allocator \(slab pages\)`/);
  assert.match(card, /\| requested \| 100 bytes — RX_LEN = 100 \|/);
  assert.match(card, /^- \*\*served by\*\*: slab cache kmalloc-128, 28 bytes unused$/m);
  assert.match(card, /\| physically contiguous \| yes \|/);
  assert.match(card, /`GFP_KERNEL` = __GFP_IO \\\| __GFP_FS \\\| __GFP_DIRECT_RECLAIM \\\| __GFP_KSWAPD_RECLAIM — \*\*may sleep\*\*/);
  assert.match(card, /^- \*\*free with\*\*: `kfree\(\)` or `kvfree\(\)`$/m);
  assert.match(card, /Figures for kernel 6\.1 · x86_64 · 4K pages/);
});

test('the card spans the callee only', async () => {
  const answer = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 12 } });
  assert.deepEqual(answer.range, { start: { line: 3, character: 11 }, end: { line: 3, character: 18 } });
});

test('above the largest kmalloc cache: page-allocator order and unused bytes; GFP_ATOMIC does not sleep', async () => {
  const card = await hover(4, 12);
  assert.match(card, /`kmalloc → large kmalloc → page allocator order 2`/);
  assert.match(card, /page allocator, order 2 \(16 KiB compound page\), 7384 bytes unused/);
  assert.match(card, /`GFP_ATOMIC` = __GFP_HIGH \\\| __GFP_ATOMIC \\\| __GFP_KSWAPD_RECLAIM — does not sleep/);
});

test('above KMALLOC_MAX_SIZE: always fails', async () => {
  const card = await hover(5, 12);
  assert.match(card, /requested \| 8388608 bytes \(8 MiB\) — SZ_8M = 8388608/);
  assert.match(card, /\*\*always fails\*\*: order 11 is above the largest page-allocator order 10; KMALLOC_MAX_SIZE is 4194304 bytes/);
  assert.match(card, /\(\+ __GFP_ZERO added by kzalloc\(\)\)/);
});

test('devm_kmalloc(dev, 4096) on 6.1: 40-byte header, kmalloc-8k, 4056 bytes unused, devm_kfree', async () => {
  const card = await hover(6, 12);
  assert.match(card, /devres \(40-byte header\) → kmalloc\(4096 \+ 40\) → SLUB kmalloc-8k/);
  assert.match(card, /slab cache kmalloc-8k, 4056 bytes unused/);
  assert.match(card, /\*\*free with\*\*: `devm_kfree\(\)`/);
  assert.match(card, /Never kfree\(\) it/);
});

test('kmalloc(150) → kmalloc-192 with 42 bytes unused; GFP_NOWAIT does not sleep', async () => {
  const card = await hover(7, 12);
  assert.match(card, /slab cache kmalloc-192, 42 bytes unused/);
  assert.match(card, /`GFP_NOWAIT` = __GFP_KSWAPD_RECLAIM — does not sleep/);
});

test('vmalloc: not physically contiguous, always may sleep, freed by vfree', async () => {
  const card = await hover(8, 12);
  assert.match(card, /vmalloc area: 3 order-0 pages, 2288 bytes unused/);
  assert.match(card, /\| physically contiguous \| no — virtually contiguous only/);
  assert.match(card, /`GFP_KERNEL` \(implied\) — \*\*may sleep\*\*/);
  assert.match(card, /`vfree\(\)` or `kvfree\(\)`/);
});

test('alloc_pages above the buddy limit always fails, without a KMALLOC_MAX_SIZE claim', async () => {
  const card = await hover(9, 19);
  assert.match(card, /`alloc_pages → page allocator order 11: rejected`/);
  assert.match(card, /order 11 is above the largest page-allocator order 10 — __alloc_pages\(\) returns NULL/);
  assert.doesNotMatch(card, /KMALLOC_MAX_SIZE/);
});

test('free card: what kfree releases and that it does not sleep', async () => {
  const card = await hover(10, 2);
  assert.ok(card.startsWith('**kfree** — '));
  assert.match(card, /releases memory from: `kmalloc`, `kzalloc`/);
  assert.doesNotMatch(card, /kmalloc_obj/, 'no 7.0-only allocator on a 6.1 card');
  assert.match(card, /- does not sleep/);
});

test('a variable mask gets no verdict; a costly order is flagged', async () => {
  const card = await hover(11, 12);
  assert.match(card, /`gfp` — not a constant mask; whether the call may sleep depends on its value/);
  assert.match(card, /order 4 \(64 KiB compound page\), 25536 bytes unused — above PAGE_ALLOC_COSTLY_ORDER/);
});

test('GFP flags decode into bits with meanings', async () => {
  const kernel = await hover(3, 30);
  assert.match(kernel, /^\*\*GFP_KERNEL\*\* — /);
  assert.match(kernel, /`GFP_KERNEL = __GFP_RECLAIM \| __GFP_IO \| __GFP_FS`/);
  assert.match(kernel, /\| __GFP_DIRECT_RECLAIM \| 0x400 \| may enter direct reclaim/);
  assert.match(kernel, /\| __GFP_FS \| 0x80 \|/);
  assert.match(kernel, /\*\*May sleep\*\*: has __GFP_DIRECT_RECLAIM/);
  const atomic = await hover(4, 28);
  assert.match(atomic, /\| __GFP_ATOMIC \| 0x200 \|/);
  assert.match(atomic, /Does \*\*not\*\* sleep/);
});

test('no hover on numbers, variables, keywords, unknown URIs or outside the text', async () => {
  for (const [line, character] of [
    [4, 20],
    [3, 8],
    [12, 2],
    [1, 30],
  ]) {
    assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position: { line, character } }), null, `${line}:${character}`);
  }
  assert.equal(await client.request('textDocument/hover', { textDocument: { uri: 'file:///nope.c' }, position: { line: 0, character: 0 } }), null);
  assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 999, character: 999 } }), null);
});

test('kvmalloc falls back to vmalloc only with a blocking mask (mm/util.c, 6.1)', async () => {
  const atomic = await hover(13, 12);
  assert.match(atomic, /no vmalloc fallback: the mask does not allow blocking/);
  assert.match(atomic, /\| physically contiguous \| yes \(kmalloc only with this mask\), but free with kvfree\(\) \|/);
  const kernel = await hover(14, 12);
  assert.match(kernel, /→ on failure vmalloc → page allocator \(order-0 pages\)/);
  assert.match(kernel, /\| physically contiguous \| not guaranteed/);
});

test('devres_alloc(): the devres header like devm_kmalloc(), freed with devres_free() (drivers/base/devres.c, 6.1)', async () => {
  const card = await hover(15, 12);
  assert.match(card, /`devres_alloc → devres \(40-byte header\) → kmalloc\(64 \+ 40\) → SLUB kmalloc-128 → page allocator \(slab pages\)`/);
  assert.match(card, /^- \*\*served by\*\*: slab cache kmalloc-128, 24 bytes unused$/m);
  assert.match(card, /^- \*\*free with\*\*: `devres_free\(\)`$/m);
  assert.match(card, /Never kfree\(\): the pointer is past the struct devres header/);
});

test('usb_alloc_coherent(): no class or order claimed, the host controller decides; freed with usb_free_coherent()', async () => {
  const card = await hover(16, 12);
  assert.doesNotMatch(card, /served by/);
  assert.match(card, /^- \*\*may sleep\*\*: no — `GFP_ATOMIC` has no __GFP_DIRECT_RECLAIM$/m);
  assert.match(card, /^- \*\*free with\*\*: `usb_free_coherent\(\)`$/m);
  assert.match(card, /\| physically contiguous \| contiguous for the host controller \(a dma_pool block or coherent DMA pages; kmalloc\(\) memory on a PIO controller\) \|/);
});
