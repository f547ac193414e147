// The kernel-macro rewrite (parsing/kernelMacros.ts): for each construct, the rewritten text has
// the same length in UTF-16 units and UTF-8 bytes, the same line breaks, every kept token at the
// same place, and tree-sitter parses the function without an ERROR node where the user's text has
// one. Comments, strings and preprocessor lines are never touched, and node.text reads the user's text.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Node, Parser } from 'web-tree-sitter';
import { bodyUnderstood } from '../../server/src/parsing/bodyUnderstood';
import { RewrittenText, rewriteChange, rewriteKernelMacros, rewriteWithCuts } from '../../server/src/parsing/kernelMacros';
import { parseSource } from '../../server/src/parsing/parseSource';
import { sharedParser } from '../support/fixtures';

let parser: Parser;
before(async () => {
  parser = await sharedParser();
});

/** Asserts everything a rewrite must keep; returns the rewritten text. */
function rewriteKeeping(text: string): string {
  const rewritten = rewriteKernelMacros(text);
  assert.equal(rewritten.length, text.length, 'same length in UTF-16 units');
  assert.equal(Buffer.byteLength(rewritten), Buffer.byteLength(text), 'same length in UTF-8 bytes');
  for (let index = 0; index < text.length; index++) {
    const before = text[index];
    const after = rewritten[index];
    if (before === after) continue;
    assert.ok(before !== '\n' && before !== '\r' && after !== '\n' && after !== '\r', `line breaks stay (index ${index})`);
    assert.ok(before.charCodeAt(0) < 128 && after.charCodeAt(0) < 128, `only ASCII is replaced (index ${index})`);
  }
  return rewritten;
}

function functionBody(text: string, rewrite: boolean): Node | undefined {
  const tree = rewrite ? parseSource(parser, text)!.tree : parser.parse(text)!;
  const fn = tree.rootNode.namedChildren.find((child) => child?.type === 'function_definition');
  return fn?.childForFieldName('body') ?? undefined;
}

/** The construct fails to parse in the user's text and parses once rewritten. */
function understoodOnlyRewritten(text: string, cleanTree = true): void {
  rewriteKeeping(text);
  const raw = functionBody(text, false);
  assert.ok(!raw || !bodyUnderstood(raw) || raw.tree.rootNode.hasError, `tree-sitter alone fails on:\n${text}`);
  const rewritten = functionBody(text, true);
  assert.ok(rewritten, `a function definition once rewritten:\n${text}`);
  assert.ok(bodyUnderstood(rewritten), `the body is understood once rewritten:\n${text}`);
  if (cleanTree) assert.equal(rewritten.tree.rootNode.hasError, false, `no ERROR node once rewritten:\n${text}\n${rewritten.tree.rootNode.toString()}`);
}

const CASES: Record<string, string> = {
  'string macros before a literal': 'void f(void)\n{\n\tprintk(KERN_ERR PFX "x %d\\n", 1);\n\tg();\n}\n',
  'a string macro between literals, no space': 'void f(void)\n{\n\tprintk(KERN_INFO IBMVFC_NAME": v%s" DRV_VERSION "\\n", v);\n}\n',
  'a string macro on the next line': 'void f(void)\n{\n\tprintk(KERN_WARNING MODULE_NAME\n\t       " reset\\n");\n}\n',
  'annotated casts': 'void f(long arg)\n{\n\tif (get_user(x, (u32 __user *)arg))\n\t\treturn;\n\twritel((__force u32)v, (void __iomem *)p);\n}\n',
  'annotated declarations':
    'void f(void)\n{\n\tstruct snd_card *card __free(snd_card_unref) = NULL;\n\tu32 lo, hi __always_unused;\n\ts64 ts __aligned(8);\n\tvoid __rcu **slot;\n\tunsigned long flags __attribute__ ((unused));\n\tg();\n}\n',
  'annotations in the head': 'static int __init __cold f(void)\n{\n\tg();\n\treturn 0;\n}\n',
  'a printf annotation before the type': 'static __printf(2, 3) void f(int mask, const char *fmt, ...)\n{\n\tg();\n}\n',
  'an unbraced iterator body': 'void f(void)\n{\n\tlist_for_each_entry(h, &pg->list, node)\n\t\th->disabled = false;\n\tg();\n}\n',
  'an iterator as the unbraced body of an if': 'void f(void)\n{\n\tif (o)\n\t\tlist_for_each_entry(s, &o->list, node) {\n\t\t\tg(s);\n\t\t}\n\tg(0);\n}\n',
  'a GNU case range': 'void f(int r)\n{\n\tswitch (r) {\n\tcase 0x24 ... 0x27:\n\t\tg();\n\t\tbreak;\n\t}\n}\n',
  'a const declaration macro before the function':
    'static const DECLARE_TLV_DB_RANGE(mic_tlv,\n\t0, 0, TLV_DB_SCALE_ITEM(0, 0, 0),\n\t1, 1, TLV_DB_SCALE_ITEM(2000, 0, 0)\n);\nvoid f(void)\n{\n\tg();\n}\n',
  'offsetof with a member path': 'void f(void)\n{\n\tx = offsetof(struct cmd, payload.embed) + offsetof(T, data[0]);\n}\n',
};

describe('kernel macro rewrite', () => {
  for (const [name, text] of Object.entries(CASES)) {
    // `struct cmd` as an ordinary call's argument stays an ERROR node the body check tolerates.
    test(`${name}: same offsets and lines, and the body is understood`, () => understoodOnlyRewritten(text, !name.startsWith('offsetof')));
  }

  test('a label right before the closing brace is an empty statement, not a failure', () => {
    const body = functionBody('void f(void)\n{\n\tgoto out;\nout:\n}\n', true)!;
    assert.ok(bodyUnderstood(body));
  });

  test('the iterator name becomes `while` padded to its length; other tokens keep their columns', () => {
    const text = 'void f(void)\n{\n\tfor_each_sg(sgl, sg, n, i)\n\t\tlen += sg->length;\n}\n';
    const rewritten = rewriteKeeping(text);
    assert.equal(rewritten.split('\n')[2], '\twhile      (sgl, sg, n, i)');
    assert.equal(rewritten.split('\n')[3], text.split('\n')[3]);
  });

  test('an iterator heading a block at statement level is left as it is (the lock walk reads it as a loop)', () => {
    const text = 'void f(void)\n{\n\tlist_for_each_entry(pos, &head, node) {\n\t\tkfree(pos);\n\t}\n}\n';
    assert.equal(rewriteKernelMacros(text), text);
  });

  test('declaration macros without const keep their qualifiers (registrations are read from them)', () => {
    const text = 'static DEFINE_TIMER(t, fn);\nstatic DEFINE_SPINLOCK(lock);\nvoid f(void)\n{\n\tstatic DEFINE_RATELIMIT_STATE(rs, HZ, 1);\n}\n';
    assert.equal(rewriteKernelMacros(text), text);
  });

  test('a call statement named like an iterator is left as it is', () => {
    const text = 'void f(void)\n{\n\tdevice_for_each_child(dev, NULL, cb);\n}\n';
    assert.equal(rewriteKernelMacros(text), text);
  });

  test('comments, strings, character literals and preprocessor lines are never touched', () => {
    const text = [
      '/* KERN_ERR PFX "x" __iomem list_for_each_entry(a, b, c) x; case 1 ... 2: */',
      '// __user KERN_INFO "y" \\',
      '   still a comment __iomem',
      '#define PFX DRV_NAME ": " __stringify(X) __iomem',
      '#define LOOP(x) list_for_each_entry(x, h, n) \\',
      '\tx->y++; __force',
      'static const char *s = "__iomem KERN_ERR PFX for_each_cpu(c) x; case 1 ... 2";',
      "static const char c = '\"';",
      'static const char *t = L"wide" u8"narrow";',
      '',
    ].join('\n');
    assert.equal(rewriteKernelMacros(text), text);
  });

  test('a non-ASCII annotation argument is left alone rather than changing the byte length', () => {
    const text = 'static int x __attribute__((section(".data.ü")));\n';
    assert.equal(rewriteKeeping(text), text);
  });

  test('a member named like an annotation is kept (`p->noinline`, `s.__used`)', () => {
    const text = 'void f(void)\n{\n\tp->noinline = s.__used;\n}\n';
    assert.equal(rewriteKernelMacros(text), text);
  });

  test('keywords before a literal are kept (`return "x"`, `sizeof "x"`)', () => {
    const text = 'const char *f(void)\n{\n\treturn "x";\n}\nint n = sizeof "abc";\n';
    assert.equal(rewriteKernelMacros(text), text);
  });

  test("node.text is the user's text: annotations and macro names are still there", () => {
    const text = 'void f(void) __must_hold(&p->lock)\n{\n\tprintk(KERN_ERR PFX "x");\n\twritel(1, (void __iomem *)p);\n}\n';
    const { tree, rewritten } = parseSource(parser, text)!;
    assert.notEqual(rewritten, text);
    assert.equal(tree.rootNode.text, text);
    const fn = tree.rootNode.namedChild(0)!;
    assert.equal(fn.type, 'function_definition');
    assert.match(fn.text, /__must_hold\(&p->lock\)/);
    const calls = fn.descendantsOfType('call_expression').map((call) => call?.text);
    assert.deepEqual(calls, ['printk(KERN_ERR PFX "x")', 'writel(1, (void __iomem *)p)']);
  });
});

// The incremental rewrite (rewriteChange, what DocumentStore runs on a keystroke) against the
// rewrite of the whole new text, after every one of many seeded random edits: the fragments open
// and close the constructs that reach across lines (comments, directives with continuations,
// brackets of annotation and iterator calls, string runs, `static const` before a declaration macro).
const INCREMENTAL_BASE = [
  '#include <linux/slab.h>',
  '#define PFX DRV_NAME ": " \\',
  '\t"x"',
  '/* a comment over',
  '   two lines: KERN_ERR PFX "x" __iomem */',
  'static const DECLARE_TLV_DB_RANGE(mic_tlv,',
  '\t0, 0, TLV_DB_SCALE_ITEM(0, 0, 0),',
  '\t1, 1, TLV_DB_SCALE_ITEM(2000, 0, 0)',
  ');',
  'static int __init ring_probe(struct ring __iomem *r) __attribute__((',
  '\tunused))',
  '{',
  '\tprintk(KERN_WARNING MODULE_NAME',
  '\t       " reset\\n");',
  '\tlist_for_each_entry(pos,',
  '\t\t\t    &head, node)',
  '\t\tpos->len++;',
  '\tswitch (r->len) {',
  '\tcase 1 ... 3:',
  '\t\twritel(1, (void __iomem *)r);',
  '\t}',
  '\tx = offsetof(struct cmd, payload.embed);',
  '\treturn 0;',
  '}',
  '',
  'static void ring_stop(struct ring *r)',
  '{',
  '\tif (r)',
  '\t\tfor_each_sg(sgl, sg, n, i) {',
  '\t\t\tg(sg);',
  '\t\t}',
  '\tp->noinline = s.__used;',
  '}',
  'MODULE_LICENSE("GPL");',
  '',
].join('\n');

const INCREMENTAL_FRAGMENTS = [
  '"',
  "'",
  '/*',
  '*/',
  '//',
  '#',
  '\\\n',
  '\n',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  ';',
  ':',
  ' __user ',
  'KERN_INFO ',
  'static const ',
  '__attribute__((',
  'list_for_each_entry(a, b, c)\n\t',
  ' ... ',
  'case ',
  'é',
  'x',
  '',
];

function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('incremental kernel macro rewrite', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    test(`random edits: the incremental rewrite and its cut points equal those of the whole new text (seed ${seed})`, () => {
      const next = seeded(seed);
      let current: RewrittenText = rewriteWithCuts(INCREMENTAL_BASE);
      for (let step = 0; step < 300; step++) {
        const { text } = current;
        const start = Math.floor(next() * (text.length + 1));
        const end = Math.min(text.length, start + Math.floor(next() * 8 * (next() < 0.2 ? 6 : 1)));
        const inserted = next() < 0.3 ? '' : INCREMENTAL_FRAGMENTS[Math.floor(next() * INCREMENTAL_FRAGMENTS.length)];
        const changed = rewriteChange(current, start, end, inserted);
        const expected = rewriteWithCuts(text.slice(0, start) + inserted + text.slice(end));
        const where = `seed ${seed} step ${step}: ${JSON.stringify(inserted)} over [${start}, ${end})`;
        assert.equal(changed.text, expected.text, `${where}: text`);
        assert.equal(changed.rewritten, expected.rewritten, `${where}: rewritten text`);
        assert.deepEqual(changed.cuts, expected.cuts, `${where}: cut points`);
        // The rewritten texts differ only inside the window the change reports.
        const { from, oldTo, newTo } = changed.window;
        assert.equal(changed.rewritten.slice(0, from), current.rewritten.slice(0, from), `${where}: before the window`);
        assert.equal(changed.rewritten.slice(newTo), current.rewritten.slice(oldTo), `${where}: after the window`);
        current = changed;
      }
    });
  }

  test('edits at line starts that keep the brackets balanced are rewritten between the cuts around them', () => {
    const next = seeded(99);
    let current: RewrittenText = rewriteWithCuts(INCREMENTAL_BASE);
    for (let step = 0; step < 200; step++) {
      const lineStarts = [0, ...[...current.text.matchAll(/\n/g)].map((match) => match.index + 1)].filter((offset) => offset < current.text.length);
      const at = lineStarts[Math.floor(next() * lineStarts.length)];
      const changed = rewriteChange(current, at, at, [' ', '\t', 'x ', ' __user '][step % 4]);
      assert.equal(changed.rewritten, rewriteKernelMacros(changed.text));
      const { from, newTo } = changed.window;
      assert.ok(newTo - from < changed.text.length / 2, `step ${step}: window [${from}, ${newTo}) of ${changed.text.length}`);
      current = changed;
    }
  });

  test('an edit inside a function body of balanced code rewrites that function only', () => {
    const before = rewriteWithCuts(INCREMENTAL_BASE);
    const at = INCREMENTAL_BASE.indexOf('\tp->noinline');
    const changed = rewriteChange(before, at, at, ' ');
    assert.equal(changed.window.from, INCREMENTAL_BASE.indexOf('static void ring_stop'));
    assert.equal(changed.window.newTo, INCREMENTAL_BASE.indexOf('MODULE_LICENSE') + 1);
    assert.equal(changed.rewritten, rewriteKernelMacros(changed.text));
  });
});
