// Inputs the server must survive with a clear message or a partial answer: binary and oversized
// files, half-typed code, and kernel-macro-heavy code where tree-sitter emits ERROR nodes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isShowMessage, serverForSuite } from '../support/lspClient';

const MACRO_HEAVY = [
  'static DEFINE_SPINLOCK(lock);', // 0
  'static LIST_HEAD(items);',
  'struct item { struct list_head node; char name[16]; };',
  'static void drain(void)',
  '{',
  '\tstruct item *it, *tmp;', // 5
  '\tlist_for_each_entry_safe(it, tmp, &items, node) {',
  '\t\tlist_del(&it->node);',
  '\t\tkfree(it);', // 8
  '\t}',
  '}', // 10
  'static int __init mod_init(void)',
  '{',
  '\tvoid *big = kmalloc(SZ_8M, GFP_KERNEL);', // 13
  '\tfor_each_possible_cpu(cpu) {',
  '\t\tvoid *p = kmalloc(SZ_8M, GFP_ATOMIC);', // 15
  '\t}',
  '\treturn 0;',
  '}',
  'module_init(mod_init);',
  'MODULE_LICENSE("GPL");', // 20
  'MODULE_DEVICE_TABLE(of, ids)',
  'static int after_macro(void) { return kmalloc(SZ_8M, GFP_KERNEL) != NULL; }', // 22
  '',
].join('\n');

const HALF_TYPED = [
  'static int probe(struct platform_device *pdev)',
  '{',
  '\tstruct foo *f = devm_kzalloc(&pdev->dev, 100, GFP_KERNEL);', // 2
  '\tf->buf = kmalloc(SZ_8M, GFP_KERNEL', // 3
  '\tif (!f->buf)',
  '\t\treturn -ENOMEM;',
  '\tf->x = kmall',
].join('\n');

// Other rules have their own tests; these pin kmalloc-too-large findings around the ERROR nodes.
const tooLarge = <T extends { code: string }>(diagnostics: T[]): T[] => diagnostics.filter((d) => d.code === 'kmalloc-too-large');

describe('robustness', () => {
  const client = serverForSuite();

  async function hover(uri: string, line: number, character: number): Promise<string | null> {
    const answer = await client.request('textDocument/hover', { textDocument: { uri }, position: { line, character } });
    return answer ? answer.contents.value : null;
  }

  test('kernel-macro-heavy code: findings and hovers on both sides of the ERROR nodes', async () => {
    const uri = 'file:///tmp/kalloc-lsp-robust/macros.c';
    const published = await client.open(uri, MACRO_HEAVY);
    assert.deepEqual(
      tooLarge(published.diagnostics).map((d) => d.range.start.line),
      [13, 15, 22],
    );
    assert.match((await hover(uri, 8, 3))!, /^\*\*kfree\*\*/);
    assert.match((await hover(uri, 15, 13))!, /\*\*always fails\*\*/);
    assert.match((await hover(uri, 22, 40))!, /^\*\*kmalloc\*\*/);
  });

  test('half-typed code: the unfinished call still has a card and a finding', async () => {
    const uri = 'file:///tmp/kalloc-lsp-robust/half.c';
    const published = await client.open(uri, HALF_TYPED);
    assert.deepEqual(
      tooLarge(published.diagnostics).map((d) => `${d.range.start.line}:${d.code}`),
      ['3:kmalloc-too-large'],
    );
    assert.match((await hover(uri, 2, 18))!, /slab cache kmalloc-192, 52 bytes unused/);
    assert.match((await hover(uri, 3, 11))!, /\*\*always fails\*\*/);
    assert.equal(await hover(uri, 6, 9), null, 'a half-typed name is unknown');
  });

  test('a binary file (NUL bytes) is skipped with a clear message and no diagnostics', async () => {
    const uri = 'file:///tmp/kalloc-lsp-robust/blob.c';
    const message = client.waitFor((m) => isShowMessage(m) && m.params.message.includes('blob.c'));
    const published = await client.open(uri, 'void *p = kmalloc(SZ_8M, GFP_KERNEL);\u0000\u0001\u0002');
    assert.deepEqual(published.diagnostics, []);
    assert.match((await message).params.message, /skipped .*blob\.c: the file contains NUL bytes and looks binary/);
    assert.equal(await hover(uri, 0, 12), null);
  });

  test('a file above maxFileSize is skipped with a clear message; shrinking it brings analysis back', async () => {
    const uri = 'file:///tmp/kalloc-lsp-robust/huge.c';
    const filler = `/* ${'x'.repeat(100)} */\n`.repeat(Math.ceil((4 * 1024 * 1024) / 106) + 10);
    const big = `void f(void) { kmalloc(SZ_8M, GFP_KERNEL); }\n${filler}`;
    const message = client.waitFor((m) => isShowMessage(m) && m.params.message.includes('huge.c'));
    const published = await client.open(uri, big);
    assert.deepEqual(published.diagnostics, []);
    assert.match((await message).params.message, /skipped .*huge\.c: the file is larger than 4194304 bytes \(kernelAllocLens\.maxFileSize\)/);
    assert.equal(await hover(uri, 0, 16), null);
    const again = client.diagnosticsFor(uri, 2);
    client.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: big.split('\n').length - 1, character: 0 } }, text: '' }],
    });
    assert.deepEqual(
      tooLarge((await again).diagnostics).map((d) => d.code),
      ['kmalloc-too-large'],
    );
    assert.match((await hover(uri, 0, 16))!, /^\*\*kmalloc\*\*/);
  });

  test('positions are UTF-16: non-ASCII text before a call on the same line', async () => {
    const uri = 'file:///tmp/kalloc-lsp-robust/utf16.c';
    const line = '\t/* größe → 😀 */ void *a = kmalloc(SZ_8M, GFP_KERNEL);';
    const published = await client.open(uri, `void f(void)\n{\n${line}\n}\n`);
    const character = line.indexOf('kmalloc');
    assert.deepEqual(
      tooLarge(published.diagnostics).map((d) => d.range.start),
      [{ line: 2, character }],
    );
    assert.match((await hover(uri, 2, character + 1))!, /^\*\*kmalloc\*\*/);
    const answer = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: character + 1 } });
    assert.deepEqual(answer.range, { start: { line: 2, character }, end: { line: 2, character: character + 'kmalloc'.length } });
  });

  test('an empty document is fine', async () => {
    const published = await client.open('file:///tmp/kalloc-lsp-robust/empty.c', '');
    assert.deepEqual(published.diagnostics, []);
  });

  test('no error was logged and the server still answers', async () => {
    assert.deepEqual(
      client.notifications.filter((m) => m.method === 'window/logMessage' && m.params.type === 1),
      [],
    );
    assert.match((await hover('file:///tmp/kalloc-lsp-robust/macros.c', 13, 14))!, /^\*\*kmalloc\*\*/);
  });
});
