// The document lifecycle over --stdio: capabilities, open → diagnostics, incremental edits (the
// server's tree.edit + incremental parse), close, and requests the server must survive.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PublishedDiagnostics, serverForSuite } from '../support/lspClient';

type Position = { line: number; character: number };
type Change = { range?: { start: Position; end: Position }; text: string };

const TEXT = [
  '#include <linux/slab.h>', // 0
  '#define BIG SZ_8M', // 1
  'static int probe(struct device *dev)', // 2
  '{', // 3
  '\tvoid *a = kmalloc(BIG, GFP_KERNEL);', // 4
  '\tvoid *b = kmalloc(100, GFP_KERNEL);', // 5
  '\treturn 0;', // 6
  '}', // 7
  '',
].join('\n');

function range(startLine: number, startCharacter: number, endLine = startLine, endCharacter = startCharacter) {
  return { start: { line: startLine, character: startCharacter }, end: { line: endLine, character: endCharacter } };
}

describe('document lifecycle', () => {
  const client = serverForSuite({ initialize: false });
  let version = 1;
  const uri = 'file:///tmp/kalloc-lsp-lifecycle/drv.c';

  async function change(changes: Change[]): Promise<PublishedDiagnostics> {
    version++;
    const published = client.diagnosticsFor(uri, version);
    client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return published;
  }

  async function hover(line: number, character: number): Promise<string | null> {
    const answer = await client.request('textDocument/hover', { textDocument: { uri }, position: { line, character } });
    return answer ? answer.contents.value : null;
  }

  // Other rules have their own tests; these pin kmalloc-too-large, which the edits switch on and off.
  const lines = (published: PublishedDiagnostics) => published.diagnostics.filter((d) => d.code === 'kmalloc-too-large').map((d) => `${d.range.start.line}:${d.code}`);

  test('initialize declares incremental sync, hover, quick fixes (resolved lazily) and fix-all', async () => {
    const result = await client.initialize();
    assert.deepEqual(result.capabilities.textDocumentSync, { openClose: true, change: 2 });
    assert.equal(result.capabilities.hoverProvider, true);
    assert.deepEqual(result.capabilities.codeActionProvider, { codeActionKinds: ['quickfix', 'source.fixAll.kernelAllocLens'], resolveProvider: true });
    assert.equal(result.serverInfo.name, 'kernel-alloc-lens');
  });

  test('hover and code actions before open answer nothing', async () => {
    assert.equal(await hover(4, 12), null);
    assert.deepEqual(await client.request('textDocument/codeAction', { textDocument: { uri }, range: range(4, 0, 4, 10), context: { diagnostics: [] } }), []);
  });

  test('open publishes diagnostics with rule id, source and range', async () => {
    const published = await client.open(uri, TEXT, version);
    assert.equal(published.version, 1);
    assert.deepEqual(lines(published), ['4:kmalloc-too-large']);
    const diagnostic = published.diagnostics.find((d) => d.code === 'kmalloc-too-large')!;
    assert.equal(diagnostic.source, 'kernel-alloc-lens');
    assert.equal(diagnostic.severity, 1);
    assert.deepEqual(diagnostic.range, range(4, 11, 4, 35));
    assert.match(diagnostic.message, /^kmalloc\(\) always fails: 8388608 bytes.* is above KMALLOC_MAX_SIZE/);
  });

  test('code actions on the finding offer the suppression comment', async () => {
    const actions = await client.request('textDocument/codeAction', { textDocument: { uri }, range: range(4, 12), context: { diagnostics: [] } });
    assert.ok(Array.isArray(actions));
    const suppress = actions.find((action: { title: string }) => action.title === 'Suppress kmalloc-too-large on this line');
    assert.ok(suppress, JSON.stringify(actions));
    assert.deepEqual(suppress.edit.changes[uri], [{ range: range(4, 0), newText: '\t/* kalloc-ignore: kmalloc-too-large */\n' }]);
    assert.deepEqual(await client.request('textDocument/codeAction', { textDocument: { uri }, range: range(6, 0), context: { diagnostics: [] } }), []);
  });

  test('a multi-line insertion above moves the finding and the hover', async () => {
    const published = await change([{ range: range(2, 0), text: '/* ring buffer\n * driver\n */\n' }]);
    assert.deepEqual(lines(published), ['7:kmalloc-too-large']);
    assert.match((await hover(8, 12))!, /slab cache kmalloc-128, 28 bytes unused/);
    assert.match((await hover(7, 12))!, /\*\*always fails\*\*/);
  });

  test('editing the size in place clears the finding and updates the hover', async () => {
    // Line 1 is `#define BIG SZ_8M`: make it SZ_4M, which kmalloc serves at the order limit.
    const published = await change([{ range: range(1, 15, 1, 17), text: '4M' }]);
    assert.deepEqual(lines(published), []);
    assert.match((await hover(7, 12))!, /page allocator, order 10 \(4 MiB compound page\), 0 bytes unused/);
  });

  test('an edit that breaks the syntax (ERROR nodes) keeps hovers and findings elsewhere', async () => {
    // Insert a half-typed statement between the two allocations, and a too-large one after it.
    const published = await change([{ range: range(8, 0), text: '\tint broken = (;\n\tvoid *c = kzalloc(SZ_16M, GFP_KERNEL);\n' }]);
    assert.deepEqual(lines(published), ['9:kmalloc-too-large']);
    assert.match((await hover(10, 12))!, /slab cache kmalloc-128/);
    assert.match((await hover(9, 12))!, /^\*\*kzalloc\*\*/);
  });

  test('several changes in one notification, including deleting lines, apply in order', async () => {
    const published = await change([
      { range: range(8, 0, 10, 0), text: '' }, // delete the broken line and the kzalloc
      { range: range(8, 19, 8, 22), text: '9000' }, // kmalloc(100 → kmalloc(9000
      { range: range(8, 25, 8, 35), text: 'GFP_ATOMIC' },
    ]);
    assert.deepEqual(lines(published), []);
    const card = (await hover(8, 12))!;
    assert.match(card, /requested \| 9000 bytes/);
    assert.match(card, /page allocator, order 2 \(16 KiB compound page\), 7384 bytes unused/);
    assert.match(card, /`GFP_ATOMIC` = .* — does not sleep/);
  });

  test('a whole-document replacement is a fresh parse', async () => {
    const published = await change([{ text: 'void f(void)\n{\n\tkmalloc(SZ_8M, GFP_KERNEL);\n}\n' }]);
    assert.deepEqual(lines(published), ['2:kmalloc-too-large']);
  });

  test('bad positions and unknown documents answer null or nothing, and the server lives on', async () => {
    for (const position of [
      { line: 2, character: 999 },
      { line: 999, character: 0 },
      { line: 4, character: 0 },
    ]) {
      assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position }), null, JSON.stringify(position));
    }
    await client.request('textDocument/hover', { textDocument: { uri }, position: { line: -1, character: -5 } }).catch(() => null);
    assert.equal(await client.request('textDocument/hover', { textDocument: { uri: 'file:///no/such.c' }, position: { line: 0, character: 0 } }), null);
    assert.equal(await client.request('textDocument/hover', { textDocument: { uri: 'untitled:Untitled-1' }, position: { line: 0, character: 0 } }), null);
    assert.deepEqual(await client.request('textDocument/codeAction', { textDocument: { uri: 'file:///no/such.c' }, range: range(0, 0), context: { diagnostics: [] } }), []);
    // A change to a document that was never opened is ignored.
    client.notify('textDocument/didChange', { textDocument: { uri: 'file:///no/such.c', version: 3 }, contentChanges: [{ text: 'x' }] });
    assert.match((await hover(2, 2))!, /^\*\*kmalloc\*\*/, 'the open document still answers');
  });

  test('close publishes empty diagnostics and forgets the document', async () => {
    const published = client.diagnosticsFor(uri);
    client.notify('textDocument/didClose', { textDocument: { uri } });
    assert.deepEqual((await published).diagnostics, []);
    assert.equal(await hover(2, 2), null);
  });

  test('an untitled (non-file) document is analysed too', async () => {
    const untitled = 'untitled:Untitled-2';
    const published = await client.open(untitled, 'void f(void) { kmalloc(SZ_8M, GFP_KERNEL); }\n');
    assert.deepEqual(lines(published), ['0:kmalloc-too-large']);
  });

  test('no error was logged', () => {
    const errors = client.notifications.filter((m) => m.method === 'window/logMessage' && m.params.type === 1);
    assert.deepEqual(errors, []);
  });
});
