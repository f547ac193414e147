// The shape of an allocation card through the real server: the first screen (before the
// separator) answers path, class or order, may it sleep, context and free; the figures follow.
// #define'd masks are expanded in the card and decoded when hovered; __GFP_NOWARN silences the
// always-fails WARN on the card as it does in the kernel.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { serverForSuite } from '../support/lspClient';

const uri = 'file:///tmp/kalloc-lsp-hover-card/drv.c';
const lines = [
  '#define DEFAULT_GFP (GFP_KERNEL | __GFP_NORETRY)', //                       0
  '#define QUIET_GFP (DEFAULT_GFP | __GFP_NOWARN)',
  '#ifdef CONFIG_FOO',
  '#define EITHER_GFP GFP_KERNEL',
  '#else',
  '#define EITHER_GFP GFP_ATOMIC', //                                           5
  '#endif',
  '#define RX_LEN 100',
  'static irqreturn_t drv_irq(int irq, void *data)',
  '{',
  '\tvoid *a = kmalloc(RX_LEN, GFP_ATOMIC);', //                                10
  '\treturn IRQ_HANDLED;',
  '}',
  'static int drv_probe(struct device *dev)',
  '{',
  '\tvoid *b = kmalloc(RX_LEN, DEFAULT_GFP);', //                               15
  '\tvoid *c = kmalloc(RX_LEN, QUIET_GFP);',
  '\tvoid *d = kmalloc(RX_LEN, EITHER_GFP);',
  '\tunsigned long e = __get_free_pages(GFP_KERNEL | __GFP_NOWARN, 11);',
  '\tunsigned long f = __get_free_pages(GFP_KERNEL, 11);',
  '\tvoid *g = kvmalloc(SZ_64K, GFP_ATOMIC);', //                               20
  '\tvoid *h = kvmalloc(SZ_8M, GFP_KERNEL);',
  '\treturn devm_request_irq(dev, 1, drv_irq, 0, "drv", dev);',
  '}',
  '',
];
const text = lines.join('\n');

const client = serverForSuite();
let diagnostics: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
before(async () => {
  diagnostics = (await client.open(uri, text)).diagnostics;
});

async function hoverAt(line: number, needle: string, offset = 1): Promise<string | null> {
  const character = lines[line].indexOf(needle) + offset;
  assert.ok(character > 0, `${needle} on line ${line}`);
  const answer = await client.request('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  return answer ? (answer.contents.value as string) : null;
}

/** The card split at its first separator: [first screen, details]. */
function screens(card: string): [string, string] {
  const at = card.indexOf('\n---\n');
  assert.ok(at > 0, `no separator in\n${card}`);
  return [card.slice(0, at), card.slice(at)];
}

test('first screen: API, layer path, class, may sleep, context, free; figures below the separator', async () => {
  const [first, details] = screens((await hoverAt(10, 'kmalloc'))!);
  assert.ok(first.startsWith('**kmalloc** — '));
  assert.match(first, /`kmalloc → SLUB kmalloc-128 → page allocator \(slab pages\)`/);
  assert.match(first, /^- \*\*served by\*\*: slab cache kmalloc-128, 28 bytes unused$/m);
  assert.match(first, /^- \*\*may sleep\*\*: no — `GFP_ATOMIC` has no __GFP_DIRECT_RECLAIM$/m);
  assert.match(first, /^- \*\*context\*\*: atomic: hard-IRQ handler registered by devm_request_irq at line 23\. Nothing here may sleep\.$/m);
  assert.match(first, /^- \*\*free with\*\*: `kfree\(\)` or `kvfree\(\)`$/m);
  // The first screen stays short: title, path and at most four one-line answers.
  assert.ok(first.trimEnd().split('\n').length <= 8, first);
  assert.doesNotMatch(first, /requested|__GFP_HIGH|Figures for/);
  assert.match(details, /\| requested \| 100 bytes — RX_LEN = 100 \|/);
  assert.match(details, /\| physically contiguous \| yes \|/);
  assert.match(details, /\| GFP \| `GFP_ATOMIC` = __GFP_HIGH/);
  assert.match(details, /_Figures for kernel 6\.1 · x86_64 · 4K pages/);
});

test('the context is said once: in the card, not again as a section below it', async () => {
  const card = (await hoverAt(10, 'kmalloc'))!;
  assert.equal(card.split('hard-IRQ handler registered').length - 1, 1);
  assert.doesNotMatch(card, /\*\*Context\*\*/);
  // A call that is not an allocation keeps its context section.
  const other = (await hoverAt(22, 'devm_request_irq'))!;
  assert.doesNotMatch(other ?? '', /\*\*Context\*\* — atomic/);
});

test("a #define'd mask is expanded in the card", async () => {
  const [first, details] = screens((await hoverAt(15, 'kmalloc'))!);
  assert.match(first, /^- \*\*may sleep\*\*: \*\*yes\*\* — `DEFAULT_GFP` has __GFP_DIRECT_RECLAIM$/m);
  assert.match(
    details,
    /\| GFP \| `DEFAULT_GFP` = `GFP_KERNEL \\\| __GFP_NORETRY` = __GFP_IO \\\| __GFP_FS \\\| __GFP_DIRECT_RECLAIM \\\| __GFP_KSWAPD_RECLAIM \\\| __GFP_NORETRY — \*\*may sleep\*\*/,
  );
  const nested = screens((await hoverAt(16, 'kmalloc'))!)[1];
  assert.match(nested, /`QUIET_GFP` = `\(GFP_KERNEL \\\| __GFP_NORETRY\) \\\| __GFP_NOWARN` = /);
});

test('hovering the macro decodes it, at its use and at its #define', async () => {
  for (const [line, offset] of [
    [15, 'DEFAULT_GFP'],
    [0, 'DEFAULT_GFP'],
  ] as const) {
    const card = (await hoverAt(line, offset))!;
    assert.ok(card, `hover at ${line}`);
    assert.ok(card.startsWith('**DEFAULT_GFP** — a GFP mask defined at line 1: `#define DEFAULT_GFP (GFP_KERNEL | __GFP_NORETRY)`'), card);
    assert.match(card, /`DEFAULT_GFP` = __GFP_IO \| __GFP_FS \| __GFP_DIRECT_RECLAIM \| __GFP_KSWAPD_RECLAIM \| __GFP_NORETRY/);
    assert.match(card, /\| __GFP_NORETRY \| 0x10000 \| light reclaim only/);
    assert.match(card, /\*\*May sleep\*\*: has __GFP_DIRECT_RECLAIM/);
  }
  const nested = (await hoverAt(16, 'QUIET_GFP'))!;
  assert.match(nested, /Expands to `\(GFP_KERNEL \| __GFP_NORETRY\) \| __GFP_NOWARN`\./);
});

test('no decoding for a macro defined differently under #if, nor for a macro that is not a mask', async () => {
  assert.equal(await hoverAt(17, 'EITHER_GFP'), null);
  assert.equal(await hoverAt(3, 'EITHER_GFP'), null);
  assert.equal(await hoverAt(7, 'RX_LEN'), null);
  const [first] = screens((await hoverAt(17, 'kmalloc'))!);
  assert.match(first, /^- \*\*may sleep\*\*: depends on `EITHER_GFP`: not a constant mask$/m);
});

test('__GFP_NOWARN: the card promises no WARN, as the diagnostic says', async () => {
  const quiet = (await hoverAt(18, '__get_free_pages'))!;
  assert.match(quiet, /\*\*always fails\*\*: order 11 .* returns NULL without a WARN \(the mask has __GFP_NOWARN\)/);
  assert.doesNotMatch(quiet, /one-time WARN/);
  const finding = diagnostics.find((d) => d.code === 'kmalloc-too-large' && d.range.start.line === 18);
  assert.match(finding.message, /no WARN: the mask has __GFP_NOWARN/);
  const loud = (await hoverAt(19, '__get_free_pages'))!;
  assert.match(loud, /returns NULL with a one-time WARN$/m);
});

test('kvmalloc: the non-blocking note names the stable release read; the kmalloc attempt is silent above PAGE_SIZE', async () => {
  const atomic = (await hoverAt(20, 'kvmalloc'))!;
  assert.match(atomic, /no vmalloc fallback: the mask does not allow blocking, so the call fails when kmalloc does \(mm\/util\.c kvmalloc_node\(\), 6\.1\.192; the same through 6\.18\)/);
  const large = (await hoverAt(21, 'kvmalloc'))!;
  assert.match(large, /first \*\*always fails\*\*: .* without a WARN \(kvmalloc adds __GFP_NOWARN above PAGE_SIZE\); if that fails, vmalloc/);
});
