// The kernel-macro rewrite (parsing/kernelMacros.ts): for each construct, the rewritten text has
// the same length in UTF-16 units and UTF-8 bytes, the same line breaks, every kept token at the
// same place, and tree-sitter parses the function without an ERROR node where the user's text has
// one. Comments, strings and preprocessor lines are never touched, and node.text reads the user's text.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Node, Parser } from 'web-tree-sitter';
import { bodyUnderstood } from '../../server/src/parsing/bodyUnderstood';
import { rewriteKernelMacros } from '../../server/src/parsing/kernelMacros';
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
