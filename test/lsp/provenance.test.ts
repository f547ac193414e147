import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { serverForSuite } from '../support/lspClient';

const uri = 'file:///tmp/kalloc-lsp-provenance/drv.c';
const text = [
  'static int probe(struct device *dev)',
  '{',
  '\tvoid *ring = vzalloc(1024);',
  '\tdma_addr_t dma = dma_map_single(dev, ring, 1024, DMA_TO_DEVICE);',
  '\tvoid *table = vmalloc(1 << 20);',
  '',
  '\tkfree(table);',
  '\tvfree(ring);',
  '\treturn 0;',
  '}',
  '',
].join('\n');

const client = serverForSuite();
let diagnostics: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
before(async () => {
  diagnostics = (await client.open(uri, text)).diagnostics;
});

test('hover on a free call names the allocation, its location, family and contiguity', async () => {
  const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 6, character: 2 } });
  assert.match(hover.contents.value, /kfree\(\) releases memory from/);
  assert.match(hover.contents.value, /`vmalloc\(\)` at line 5 — family `vmalloc`: \*\*not\*\* physically contiguous/);
  assert.match(hover.contents.value, /freed by `vfree\(\)` or `kvfree\(\)`/);
});

test('hover on a pointer passed to dma_map_single() names where it comes from', async () => {
  const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 39 } });
  assert.match(hover.contents.value, /Memory passed to dma_map_single\(\) comes from/);
  assert.match(hover.contents.value, /`vzalloc\(\)` at line 3/);
});

test('diagnostics and quick fixes carry the exact edit text', async () => {
  const dma = diagnostics.find((d) => d.code === 'noncontiguous-dma' || d.message.includes('dma_map_single'));
  const free = diagnostics.find((d) => d.message.startsWith('kfree() of memory from vmalloc()'));
  assert.ok(dma, JSON.stringify(diagnostics));
  assert.ok(free, JSON.stringify(diagnostics));
  const freeActions = await client.request('textDocument/codeAction', {
    textDocument: { uri },
    range: free.range,
    context: { diagnostics: [free] },
  });
  const vfree = freeActions.find((action: any) => action.title === 'Free with vfree()'); // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.deepEqual(vfree.edit.changes[uri], [{ range: { start: { line: 6, character: 1 }, end: { line: 6, character: 13 } }, newText: 'vfree(table)' }]);
  const dmaActions = await client.request('textDocument/codeAction', {
    textDocument: { uri },
    range: dma.range,
    context: { diagnostics: [dma] },
  });
  const kmalloc = dmaActions.find((action: any) => action.title.startsWith('Allocate with kzalloc')); // eslint-disable-line @typescript-eslint/no-explicit-any
  const edits = kmalloc.edit.changes[uri].map((edit: any) => `${edit.range.start.line}:${edit.range.start.character}:${edit.newText}`); // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.deepEqual(edits, ['2:14:kzalloc', '2:26:, GFP_KERNEL', '7:1:kfree']);
});
