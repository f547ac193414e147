// Over --stdio: a function the analyses read only through the kernel-macro rewrite (string macros,
// an annotated cast), after non-ASCII text, keeps its diagnostic, hover and quick fix on the
// user's tokens, and so it does after incremental changes that add non-ASCII text above it and
// edit the macro line itself. The editor's text is never the rewritten one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyLspEdits } from '../support/findings';
import { PublishedDiagnostics, serverForSuite } from '../support/lspClient';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const TEXT = [
  '#include <linux/slab.h>',
  '#include <linux/spinlock.h>',
  '#define PFX "fe: "',
  'struct fe { spinlock_t lock; void *buf; void __iomem *regs; int n; };',
  '/* Größe — ü 😀: text whose UTF-8 bytes and UTF-16 units differ */',
  'static void fe_reset(struct fe *p)',
  '{',
  '\tspin_lock(&p->lock);',
  '\tprintk(KERN_ERR PFX "Größe %d\\n", p->n);',
  '\twritel(1, (void __iomem *)p->regs);',
  '\tp->buf = kmalloc(64, GFP_KERNEL);',
  '\tspin_unlock(&p->lock);',
  '}',
  '',
].join('\n');

/** The LSP position (UTF-16 units) of the `occurrence`-th `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; character: number } {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `${needle} is in the text`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

function sliceOf(text: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((sum, line) => sum + line.length + 1, 0) + p.character;
  return text.slice(offset(range.start), offset(range.end));
}

describe("kernel macros over --stdio: ranges, hover and quick fix on the user's tokens", () => {
  const client = serverForSuite();
  const uri = 'file:///tmp/kalloc-lsp-kernel-macros/fe.c';
  let text = TEXT;
  let version = 1;

  async function check(published: PublishedDiagnostics): Promise<void> {
    const sleeping = published.diagnostics.filter((d: Json) => d.code === 'gfp-sleep-in-atomic');
    assert.equal(sleeping.length, 1, JSON.stringify(published.diagnostics.map((d: Json) => d.code)));
    const [diagnostic] = sleeping;
    assert.deepEqual(diagnostic.range.start, positionOf(text, 'kmalloc(64, GFP_KERNEL)'));
    assert.equal(sliceOf(text, diagnostic.range), 'kmalloc(64, GFP_KERNEL)');
    const lock = diagnostic.relatedInformation.find((related: Json) => /spin_lock/.test(related.message));
    assert.deepEqual(lock.location.range.start, positionOf(text, 'spin_lock(&p->lock)'));

    const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'kmalloc(64') });
    assert.match(hover.contents.value, /kmalloc/);
    assert.deepEqual(hover.range?.start ?? positionOf(text, 'kmalloc(64'), positionOf(text, 'kmalloc(64'));

    const at = diagnostic.range.start;
    const actions: Json[] = await client.request('textDocument/codeAction', { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [diagnostic], only: ['quickfix'] } });
    const atomic = actions.find((action) => /GFP_ATOMIC/.test(action.title));
    assert.ok(atomic, JSON.stringify(actions.map((action) => action.title)));
    const resolved = atomic.edit ? atomic : await client.request('codeAction/resolve', atomic);
    const edits = resolved.edit.changes[uri];
    for (const edit of edits) assert.doesNotMatch(sliceOf(text, edit.range), /^\s*$/, 'an edit replaces user tokens, never blanks of the rewrite');
    const fixed = applyLspEdits(text, edits);
    assert.match(fixed, /\tp->buf = kmalloc\(64, GFP_ATOMIC\);\n/);
    assert.equal(fixed.replace('GFP_ATOMIC', 'GFP_KERNEL'), text, 'the fix changes the flag and nothing else');
  }

  test('on open', async () => {
    await check(await client.open(uri, text, version));
  });

  test('after an incremental change adding non-ASCII text above the function', async () => {
    const at = positionOf(text, 'static void fe_reset');
    const inserted = '/* ä — 😀 ö */\n';
    text = text.replace('static void fe_reset', `${inserted}static void fe_reset`);
    version++;
    const answer = client.diagnosticsFor(uri, version);
    client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: at, end: at }, text: inserted }] });
    await check(await answer);
  });

  test('after an incremental change to the macro line itself', async () => {
    const start = positionOf(text, 'KERN_ERR PFX');
    const end = { line: start.line, character: start.character + 'KERN_ERR'.length };
    text = text.replace('KERN_ERR PFX', 'KERN_WARNING PFX DRV_NAME');
    // Two notifications in a row: the server may publish only for the last version.
    version++;
    client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start, end }, text: 'KERN_WARNING' }] });
    const start2 = positionOf(text, ' PFX');
    const after = { line: start2.line, character: start2.character + ' PFX'.length };
    version++;
    const second = client.diagnosticsFor(uri, version);
    client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: after, end: after }, text: ' DRV_NAME' }] });
    await check(await second);
  });
});
