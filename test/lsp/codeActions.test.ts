// Over --stdio: every diagnostic links to its rule's README section and reads as plain text, and
// "Fix all Kernel Alloc Lens problems" (source.fixAll.kernelAllocLens, what codeActionsOnSave
// asks for) applies each finding's preferred fix at once, leaving out fixes whose edits overlap.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { applyLspEdits } from '../support/findings';
import { PublishedDiagnostics, serverForSuite } from '../support/lspClient';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIX_ALL = 'source.fixAll.kernelAllocLens';

const TEXT = [
  '#include <linux/slab.h>',
  '#include <linux/spinlock.h>',
  'struct item { int a[16]; };',
  'static DEFINE_SPINLOCK(lock);',
  'static struct item *table;',
  'static void *buf;',
  'int setup(u32 n, u32 m)',
  '{',
  '\ttable = kmalloc(n * m, GFP_KERNEL);',
  '\tif (!table)',
  '\t\treturn -ENOMEM;',
  '\tmemset(table, 0, n * m);',
  '\treturn 0;',
  '}',
  'void refill(void)',
  '{',
  '\tspin_lock(&lock);',
  '\tbuf = kmalloc(64, GFP_KERNEL);',
  '\tspin_unlock(&lock);',
  '}',
  '',
].join('\n');

const whole = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

describe('rule links, plain-text messages and fix-all', () => {
  const client = serverForSuite();
  const uri = 'file:///tmp/kalloc-lsp-code-actions/fixall.c';
  let version = 1;
  let text = TEXT;
  let published: PublishedDiagnostics;

  async function codeActions(only: string[] | undefined, range = whole): Promise<Json[]> {
    return client.request('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [], ...(only ? { only } : {}) } });
  }

  async function replaceText(next: string): Promise<PublishedDiagnostics> {
    text = next;
    version++;
    const answer = client.diagnosticsFor(uri, version);
    client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    return answer;
  }

  const rules = (diagnostics: Json[]) => diagnostics.map((d) => `${d.range.start.line}:${d.code}`).sort();

  before(async () => {
    published = await client.open(uri, TEXT, version);
  });

  test('the document has the three findings the fixes are for', () => {
    assert.deepEqual(rules(published.diagnostics), ['17:gfp-sleep-in-atomic', '8:alloc-size-overflow', '8:kzalloc-open-coded']);
  });

  test('each diagnostic links to its rule section of the README', () => {
    for (const diagnostic of published.diagnostics) {
      assert.equal(diagnostic.codeDescription?.href, `https://github.com/kernel-alloc-lens/kernel-alloc-lens#${diagnostic.code}`);
    }
  });

  test('messages are plain text: code the rule quotes is in quotes, never in Markdown backticks', () => {
    const overflow = published.diagnostics.find((d) => d.code === 'alloc-size-overflow');
    assert.match(overflow.message, /^Open-coded multiplication 'n \* m' in the size of kmalloc\(\)/);
    for (const diagnostic of published.diagnostics) {
      assert.doesNotMatch(diagnostic.message, /`/, diagnostic.message);
      for (const related of diagnostic.relatedInformation ?? []) assert.doesNotMatch(related.message, /`/, related.message);
    }
  });

  test('hovers stay Markdown', async () => {
    const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 17, character: 8 } });
    assert.equal(hover.contents.kind, 'markdown');
    assert.match(hover.contents.value, /`/);
  });

  test('fix-all is offered to the kinds that contain it, and not as a quick fix', async () => {
    for (const only of [[FIX_ALL], ['source.fixAll'], ['source']]) {
      const actions = await codeActions(only);
      assert.deepEqual(
        actions.map((action) => [action.title, action.kind]),
        [['Fix all Kernel Alloc Lens problems', FIX_ALL]],
        `only: ${only}`,
      );
    }
    assert.deepEqual(await codeActions(['quickfix']), [], 'no quick fix touches line 0');
    assert.deepEqual(await codeActions(['refactor']), []);
    const quickFixes = await codeActions(['quickfix'], { start: { line: 17, character: 8 }, end: { line: 17, character: 8 } });
    assert.ok(quickFixes.length > 0 && quickFixes.every((action) => action.kind === 'quickfix'), JSON.stringify(quickFixes.map((action) => action.kind)));
    const unfiltered = await codeActions(undefined, { start: { line: 17, character: 8 }, end: { line: 17, character: 8 } });
    assert.ok(
      unfiltered.some((action) => action.kind === FIX_ALL),
      'a client asking for every kind on a fixable finding sees fix-all too',
    );
  });

  test('fix-all applies every preferred fix that does not overlap another, in one edit', async () => {
    const [action] = await codeActions([FIX_ALL]);
    assert.deepEqual(Object.keys(action.edit.changes), [uri]);
    // kzalloc-open-coded and alloc-size-overflow both rewrite the kmalloc callee: the first in
    // source order (kzalloc, its span starts at the call) wins, the other waits for the next run.
    assert.deepEqual(action.diagnostics.map((d: Json) => d.code).sort(), ['gfp-sleep-in-atomic', 'kzalloc-open-coded']);
    const fixed = applyLspEdits(text, action.edit.changes[uri]);
    assert.match(fixed, /\ttable = kzalloc\(n \* m, GFP_KERNEL\);\n\tif/);
    assert.doesNotMatch(fixed, /memset/);
    assert.match(fixed, /\tbuf = kmalloc\(64, GFP_ATOMIC\);/);
    const after = await replaceText(fixed);
    assert.deepEqual(rules(after.diagnostics), ['8:alloc-size-overflow'], 'the overlapping fix is left for the next run');
  });

  test('the next fix-all takes the fix left out, and then there is nothing to fix', async () => {
    const [action] = await codeActions([FIX_ALL]);
    const fixed = applyLspEdits(text, action.edit.changes[uri]);
    assert.match(fixed, /\ttable = kcalloc\(n, m, GFP_KERNEL\);/);
    assert.deepEqual((await replaceText(fixed)).diagnostics, []);
    assert.deepEqual(await codeActions([FIX_ALL]), [], 'no action when nothing is fixable');
  });
});
