import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LspClient } from '../support/lspClient';

const uri = 'file:///tmp/kalloc-lsp-hover/drv.c';
const text = [
  '#define RX_LEN 100',
  'static int probe(void)',
  '{',
  '\tvoid *a = kmalloc(RX_LEN, GFP_KERNEL);',
  '\tvoid *b = kmalloc(9000, GFP_ATOMIC);',
  '\treturn 0;',
  '}',
  '',
].join('\n');

let client: LspClient;
before(async () => {
  client = new LspClient();
  await client.initialize();
  await client.open(uri, text);
});
after(async () => {
  await client.shutdown();
});

test('hover on kmalloc with a #define size names the slab class and unused bytes', async () => {
  const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 12 } });
  assert.match(hover.contents.value, /kmalloc-128, 28 bytes unused/);
  assert.match(hover.contents.value, /RX_LEN = 100/);
  assert.match(hover.contents.value, /may sleep/);
});

test('hover above the largest kmalloc cache names the page-allocator order', async () => {
  const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 12 } });
  assert.match(hover.contents.value, /page allocator, order 2 \(16384 bytes/);
  assert.match(hover.contents.value, /7384 bytes unused/);
});

test('hover on a GFP flag decodes its bits', async () => {
  const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 30 } });
  assert.match(hover.contents.value, /__GFP_DIRECT_RECLAIM \| 0x400/);
  assert.match(hover.contents.value, /__GFP_FS \| 0x80/);
});

test('hover on an unknown URI or outside the text answers null', async () => {
  assert.equal(await client.request('textDocument/hover', { textDocument: { uri: 'file:///nope.c' }, position: { line: 0, character: 0 } }), null);
  assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 999, character: 999 } }), null);
});
