// DocumentStore's incremental re-parse (tree.edit + parse with the old tree) must give exactly the
// tree a fresh parse of the same text gives, whatever the edits: random inserts, deletes and
// replacements, multi-line ones, ones that create and remove ERROR nodes, and several per change.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Node, Parser } from 'web-tree-sitter';
import { DocumentStore, TextChange } from '../../server/src/parsing/documentStore';
import { parseText, sharedParser } from '../support/fixtures';

const BASE = [
  '#include <linux/slab.h>',
  '#define RX_LEN 100',
  'static DEFINE_SPINLOCK(ring_lock);',
  'struct ring { void *buf; int len; };',
  'static int ring_fill(struct ring *r, gfp_t gfp)',
  '{',
  '\tunsigned long flags;',
  '\tspin_lock_irqsave(&ring_lock, flags);',
  '\tr->buf = kmalloc(RX_LEN, GFP_ATOMIC);',
  '\tspin_unlock_irqrestore(&ring_lock, flags);',
  '\treturn r->buf ? 0 : -ENOMEM;',
  '}',
  'module_platform_driver(ring_driver);',
  '',
].join('\n');

const FRAGMENTS = ['(', ')', '{', '}', ';', '\n', '\n\t', 'kmalloc(SZ_8M, GFP_KERNEL);', 'int x = (;', '/* c */', '"s"', 'é', '😀', 'if (a) {\n\tb();\n}\n', '#define X 1\n', ''];

/** A deterministic pseudo-random sequence (mulberry32), so a failure is reproducible. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

/** Applies an LSP change to plain text, the reference the store must agree with. */
function apply(text: string, change: TextChange): string {
  if (!change.range) return change.text;
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((sum, line) => sum + line.length + 1, 0) + p.character;
  return text.slice(0, offset(change.range.start)) + change.text + text.slice(offset(change.range.end));
}

/** Kernel-macro idioms the rewrite changes (parsing/kernelMacros.ts), and edits that change the rewrite far from them. */
const MACRO_BASE = [
  '#define PFX "ring: "',
  'static int __init ring_probe(struct ring __iomem *r)',
  '{',
  '\tprintk(KERN_ERR PFX "probe %d\\n", 1);',
  '\tlist_for_each_entry(pos, &head, node)',
  '\t\tpos->len++;',
  '\tswitch (r->len) {',
  '\tcase 1 ... 3:',
  '\t\twritel(1, (void __iomem *)r);',
  '\t}',
  '\treturn 0;',
  '}',
  '',
].join('\n');

const MACRO_FRAGMENTS = ['"', '/*', '*/', '//', '#', '\\\n', ' __user ', 'KERN_INFO ', 'for_each_sg(sg, s, n, i)\n\t', ' ... ', '__acquires(x) ', 'é', ')', '{', ';'];

function randomChange(text: string, next: () => number, fragments: readonly string[] = FRAGMENTS): TextChange {
  const start = Math.floor(next() * (text.length + 1));
  const end = Math.min(text.length, start + Math.floor(next() * 12 * (next() < 0.3 ? 4 : 1)));
  const insert = next() < 0.25 ? '' : fragments[Math.floor(next() * fragments.length)];
  // Never split a surrogate pair: LSP positions are UTF-16 units, but editors never cut one in half.
  const safe = (offset: number) => (offset > 0 && /[\uDC00-\uDFFF]/.test(text[offset] ?? '') ? offset - 1 : offset);
  return { range: { start: positionAt(text, safe(start)), end: positionAt(text, Math.max(safe(start), safe(end))) }, text: insert };
}

let parser: Parser;
before(async () => {
  parser = await sharedParser();
});

/** The S-expression plus every node's range: equal dumps mean the same tree at the same places. */
function dump(root: Node): string {
  const lines: string[] = [root.toString()];
  const cursor = root.walk();
  let done = false;
  while (!done) {
    const node = cursor.currentNode;
    lines.push(`${node.type} ${node.startIndex}-${node.endIndex} ${node.startPosition.row}:${node.startPosition.column}-${node.endPosition.row}:${node.endPosition.column}`);
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true;
        break;
      }
    }
  }
  cursor.delete();
  return lines.join('\n');
}

function freshTree(text: string): string {
  const tree = parseText(parser, text);
  const result = dump(tree.rootNode);
  tree.delete();
  return result;
}

describe('DocumentStore', () => {
  test('open parses; get returns it; close forgets it', () => {
    const store = new DocumentStore(parser);
    const document = store.open('file:///a.c', 1, BASE);
    assert.equal(store.get('file:///a.c'), document);
    assert.equal(dump(document.tree.rootNode), freshTree(BASE));
    store.close('file:///a.c');
    assert.equal(store.get('file:///a.c'), undefined);
    assert.equal(store.change('file:///a.c', 2, [{ text: 'x' }]), undefined, 'a change to a closed document is ignored');
  });

  test('a kernel-macro line makes ERROR nodes the analysis must live with', () => {
    const tree = parser.parse('static int f(void)\n{\n\tlist_for_each_entry(pos, &head, node) {\n\t\tkfree(pos);\n\t}\n}\nMODULE_LICENSE("GPL")\n')!;
    assert.ok(tree.rootNode.hasError, 'tree-sitter-c does not know kernel macros');
    tree.delete();
  });

  test('full-document replacement', () => {
    const store = new DocumentStore(parser);
    store.open('file:///a.c', 1, BASE);
    const changed = store.change('file:///a.c', 2, [{ text: 'int x;\n' }])!;
    assert.equal(changed.text, 'int x;\n');
    assert.equal(changed.version, 2);
    assert.equal(dump(changed.tree.rootNode), freshTree('int x;\n'));
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`random incremental edits equal a fresh parse (seed ${seed})`, () => {
      const next = random(seed);
      const store = new DocumentStore(parser);
      let text = BASE;
      store.open('file:///r.c', 1, text);
      let sawError = false;
      for (let step = 0; step < 60; step++) {
        // One to three changes per notification, each relative to the text after the previous one.
        const changes: TextChange[] = [];
        const count = 1 + Math.floor(next() * 3);
        for (let index = 0; index < count; index++) {
          const change = randomChange(text, next);
          changes.push(change);
          text = apply(text, change);
        }
        const document = store.change('file:///r.c', step + 2, changes)!;
        assert.equal(document.text, text, `seed ${seed} step ${step}: text`);
        assert.equal(dump(document.tree.rootNode), freshTree(text), `seed ${seed} step ${step}: tree (S-expression and node ranges) after ${JSON.stringify(changes)}`);
        sawError ||= document.tree.rootNode.hasError;
      }
      assert.ok(sawError, 'the edits went through states with ERROR nodes');
    });
  }

  for (const seed of [11, 12, 13, 14]) {
    test(`random edits around kernel macros equal a fresh parse of the rewritten text (seed ${seed})`, () => {
      const next = random(seed);
      const store = new DocumentStore(parser);
      let text = MACRO_BASE;
      store.open('file:///m.c', 1, text);
      for (let step = 0; step < 60; step++) {
        const change = randomChange(text, next, MACRO_FRAGMENTS);
        text = apply(text, change);
        const document = store.change('file:///m.c', step + 2, [change])!;
        assert.equal(document.text, text, `seed ${seed} step ${step}: text`);
        assert.equal(dump(document.tree.rootNode), freshTree(text), `seed ${seed} step ${step}: tree after ${JSON.stringify(change)}`);
      }
    });
  }

  test('a quote typed before a string macro changes the rewrite after the edit; the tree follows', () => {
    const store = new DocumentStore(parser);
    store.open('file:///q.c', 1, MACRO_BASE);
    const line = MACRO_BASE.split('\n').findIndex((text) => text.includes('KERN_ERR'));
    const quoted = store.change('file:///q.c', 2, [{ range: { start: { line, character: 1 }, end: { line, character: 1 } }, text: '"' }])!;
    assert.equal(dump(quoted.tree.rootNode), freshTree(quoted.text));
    const back = store.change('file:///q.c', 3, [{ range: { start: { line, character: 1 }, end: { line, character: 2 } }, text: '' }])!;
    assert.equal(back.text, MACRO_BASE);
    assert.equal(dump(back.tree.rootNode), freshTree(MACRO_BASE));
    assert.equal(back.tree.rootNode.hasError, false, 'the rewritten text parses cleanly');
  });

  test('an edit that creates an ERROR node and one that removes it', () => {
    const store = new DocumentStore(parser);
    store.open('file:///e.c', 1, BASE);
    const line = BASE.split('\n').indexOf('\tr->buf = kmalloc(RX_LEN, GFP_ATOMIC);');
    const broken = store.change('file:///e.c', 2, [{ range: { start: { line, character: 17 }, end: { line, character: 18 } }, text: '' }])!;
    assert.ok(broken.tree.rootNode.hasError);
    assert.equal(dump(broken.tree.rootNode), freshTree(broken.text));
    const repaired = store.change('file:///e.c', 3, [{ range: { start: { line, character: 17 }, end: { line, character: 17 } }, text: '(' }])!;
    assert.equal(repaired.text, BASE);
    assert.equal(dump(repaired.tree.rootNode), freshTree(BASE));
  });
});
