// The size rules against their fixtures (test/fixtures/size/, each with a
// `// kalloc-test-config:` line naming the kernel, architecture and page size its annotations
// hold for), the quick-fix edits they offer, the evaluator's corner cases, and the hover's
// account of how a size was obtained.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { collectFileFacts } from '../../server/src/analysis/fileFacts';
import { createScope, evaluateText } from '../../server/src/analysis/sizes/constants';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { allocationCard } from '../../server/src/features/cards';
import { Arch } from '../../server/src/model/config';
import { kernelLimit } from '../../server/src/model/limits';
import { kmallocRoute } from '../../server/src/model/slab';
import { FolderFactsCache } from '../../server/src/workspace/folderFacts';
import { applyEdits, findingAt, fixAt } from '../support/findings';
import { analyzeFixture, checkFixture, configOf, FixtureOptions, parseText, sharedParser } from '../support/fixtures';
import { FIXTURES } from '../support/paths';

const SIZE_RULES = ['kmalloc-too-large', 'kmalloc-costly-order', 'kmalloc-slab-waste', 'alloc-size-overflow', 'kzalloc-open-coded'];
const DIR = path.join(FIXTURES, 'size');

function fixtureFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return fixtureFiles(full);
    return entry.name.endsWith('.c') ? [full] : [];
  });
}

function optionsOf(file: string): FixtureOptions {
  const line = /kalloc-test-config:\s*kernel=(\S+)\s+arch=(\S+)\s+page=(\d+)/.exec(fs.readFileSync(file, 'utf8'));
  assert.ok(line, `${file} names its configuration`);
  return { kernelVersion: line[1], arch: line[2] as Arch, pageSize: Number(line[3]), rules: SIZE_RULES };
}

for (const file of fixtureFiles(DIR)) {
  test(`fixture ${path.relative(DIR, file)}`, async () => {
    await checkFixture(file, optionsOf(file));
  });
}

test('changing the page size or kernel changes the findings on the same code', async () => {
  const file = path.join(DIR, 'limits_x86_64_4k.c');
  const at = async (options: FixtureOptions) => (await analyzeFixture(file, { ...options, rules: SIZE_RULES })).map((f) => `${f.span.startLine + 1}:${f.rule}`);
  const x86 = await at({ arch: 'x86_64', pageSize: 4096 });
  const arm64k = await at({ arch: 'arm64', pageSize: 65536 });
  // kmalloc(SZ_4M + 1) always fails with 4K pages and is an order-7 costly request with 64K pages.
  assert.ok(x86.includes('21:kmalloc-too-large'));
  assert.ok(arm64k.includes('21:kmalloc-costly-order'));
  assert.ok(!arm64k.some((entry) => entry.endsWith('kmalloc-too-large')), arm64k.join(', '));
});

function lineOf(text: string, line: number): string {
  return text.split('\n')[line - 1];
}

test('kv* fix: kvmalloc plus every kfree of the pointer, only when no contiguous sink sees it', async () => {
  const file = path.join(DIR, 'fixdrv', 'fixdrv.c');
  const text = fs.readFileSync(file, 'utf8');
  const findings = await analyzeFixture(file, optionsOf(file));
  const bounce = findingAt(findings, 17, 'kmalloc-costly-order');
  assert.equal(bounce.fixes.length, 1);
  const fixed = applyEdits(text, fixAt(findings, 17, 'kmalloc-costly-order').edits);
  assert.equal(lineOf(fixed, 17), '\tbounce = kvmalloc(FIX_RING_ENTRIES * FIX_ENTRY_SIZE * 64, GFP_KERNEL); // expect: kmalloc-costly-order');
  assert.equal(lineOf(fixed, 21), '\tkvfree(bounce);');
  // fw goes to sg_init_one(), which needs linear-map memory: no fix, and the message does not claim one.
  const fw = findingAt(findings, 23, 'kmalloc-too-large');
  assert.deepEqual(fw.fixes, []);
  // A field freed in two functions: both kfree() calls change.
  const scratch = findingAt(findings, 29, 'kmalloc-costly-order');
  const scratchFixed = applyEdits(text, fixAt(findings, 29, 'kmalloc-costly-order').edits);
  assert.equal(lineOf(scratchFixed, 30), '\tkvfree(priv->scratch);');
  assert.equal(lineOf(scratchFixed, 36), '\tkvfree(priv->scratch);');
  assert.match(scratch.fixes[0].title, /kvmalloc\(\) and 2 kfree\(\) → kvfree\(\)/);
  // `chunk = &rx->rx_buffer[offset]` lets a pointer into the buffer go where we cannot follow: no fix.
  assert.deepEqual(findingAt(findings, 47, 'kmalloc-costly-order').fixes, []);
  // `log->history ? 0 : -ENOMEM` only tests the pointer; `p ? p : q` passes it on.
  const history = findingAt(findings, 66, 'kmalloc-too-large');
  assert.equal(lineOf(applyEdits(text, history.fixes[0]?.edits ?? []), 69), '\tkvfree(log->history);');
  assert.deepEqual(findingAt(findings, 72, 'kmalloc-too-large').fixes, []);
  // Without a fix the message says why.
  // fw must stay physically contiguous: no kvmalloc() advice at all, but what fits instead.
  assert.match(
    fw.message,
    / The buffer reaches sg_init_one\(\) at line 26, which needs physically contiguous memory, so kvmalloc\(\) does not fit\. Split it into blocks of at most 4 MiB \(order 10\);/,
  );
  assert.doesNotMatch(fw.message, /kvmalloc\(\) and kvfree\(\)|no automatic fix/);
  assert.match(findingAt(findings, 47, 'kmalloc-costly-order').message, /\(no automatic fix: `->rx_buffer`: line 50 takes an address inside it, which may reach a DMA API unseen\)\./);
  assert.match(findingAt(findings, 72, 'kmalloc-too-large').message, /\(no automatic fix: `->backlog`: line 73 hands it on through `\?:`\)\./);
  assert.match(history.message, /so the fix \(kvzalloc\(\) and 1 kfree\(\) → kvfree\(\)\) lets vmalloc serve it\./);
  // A static file-scope buffer freed in another function too: the fix changes every kfree() of it.
  const moduleBuffer = fixAt(findings, 93, 'kmalloc-costly-order');
  assert.match(moduleBuffer.title, /kvmalloc\(\) and 2 kfree\(\) → kvfree\(\)/);
  const moduleFixed = applyEdits(text, moduleBuffer.edits);
  assert.equal(lineOf(moduleFixed, 88), '\tkvfree(fix_module_buffer);');
  assert.equal(lineOf(moduleFixed, 102), '\tkvfree(fix_module_buffer);');
  // A global other files can free: no fix, and the message says why.
  const shared = findingAt(findings, 96, 'kmalloc-costly-order');
  assert.deepEqual(shared.fixes, []);
  assert.match(shared.message, /no automatic fix: `fix_shared_buffer` is a global variable: other files may use and free it/);
});

test('no kv* fix for page-order APIs, non-blocking masks or escaping pointers', async () => {
  const file = path.join(DIR, 'limits_x86_64_4k.c');
  const findings = await analyzeFixture(file, optionsOf(file));
  const pages = findingAt(findings, 32, 'kmalloc-too-large');
  assert.deepEqual(pages.fixes, []);
  assert.doesNotMatch(pages.message, /kvmalloc/);
  // st escapes nowhere but is never freed here and is declared in the function: fix offered.
  assert.equal(fixAt(findings, 24, 'kmalloc-costly-order').edits[0].newText, 'kvzalloc');
});

test('size advice fits the memory: no kvmalloc() for a zone modifier or a DMA sink, and what __GFP_RETRY_MAYFAIL does', async () => {
  const file = path.join(DIR, 'dmadrv', 'dmadrv.c');
  const findings = await analyzeFixture(file, optionsOf(file));
  const kvAdvice = /kvmalloc\(\) \(with kvfree\(\)\)|kvmalloc\(\) and kvfree\(\)|falls back to vmalloc|vmalloc\(\) if the memory need not/;
  const contiguous = (line: number, rule: string, reason: RegExp, alternatives: RegExp) => {
    const finding = findingAt(findings, line, rule);
    assert.deepEqual(finding.fixes, [], `line ${line}: no kv* fix`);
    assert.match(finding.message, reason);
    assert.match(finding.message, alternatives);
    assert.doesNotMatch(finding.message, kvAdvice);
  };
  const keepOrSplit = /Keep the allocation and handle its failure \(or make it once at probe time\), (or )?split it into blocks of at most 32 KiB \(order 3\)/;
  contiguous(
    18,
    'kmalloc-costly-order',
    /The mask asks for ZONE_DMA \(__GFP_DMA\), so kvmalloc\(\) does not fit: its vmalloc fallback does not support zone modifiers \(mm\/util\.c kvmalloc_node\(\)/,
    keepOrSplit,
  );
  assert.match(findingAt(findings, 18, 'kmalloc-costly-order').message, /or use dma_alloc_coherent\(\), which picks the zone from the device's DMA mask/);
  // kmalloc() never serves __GFP_DMA32 (GFP_SLAB_BUG_MASK): keeping it is no advice.
  contiguous(
    19,
    'kmalloc-costly-order',
    /kmalloc\(\) does not serve __GFP_DMA32: it clears the flag, warns "Unexpected gfp: … Fix your code!"/,
    /Use dma_alloc_coherent\(\), which picks the zone .*, or GFP_DMA32 pages from __get_free_pages\(\) in blocks of at most 32 KiB/,
  );
  assert.doesNotMatch(findingAt(findings, 19, 'kmalloc-costly-order').message, /Keep the allocation/);
  // DMA sinks the provenance engine sees: here, through a helper's parameter, and in dmadrv_io.c.
  contiguous(20, 'kmalloc-costly-order', /The buffer reaches dma_map_single\(\) at line 21, which needs physically contiguous memory, so kvmalloc\(\) does not fit\./, keepOrSplit);
  contiguous(22, 'kmalloc-costly-order', /The buffer reaches dma_map_single\(\) at line 9, /, keepOrSplit);
  contiguous(24, 'kmalloc-costly-order', /The buffer reaches dma_map_single\(\) at line 7 of dmadrv_io\.c, /, keepOrSplit);
  contiguous(
    32,
    'kmalloc-too-large',
    /The mask asks for ZONE_DMA \(__GFP_DMA\), so kvmalloc\(\) does not fit/,
    /Split it into blocks of at most 4 MiB \(order 10\); one contiguous device buffer this large needs CMA/,
  );
  contiguous(33, 'kmalloc-costly-order', /The mask asks for ZONE_DMA32 \(__GFP_DMA32\), so vmalloc\(\) does not fit: vmalloc does not support zone modifiers/, keepOrSplit);
  contiguous(35, 'kmalloc-costly-order', /The mask asks for ZONE_DMA \(__GFP_DMA\), so vmalloc\(\) does not fit/, keepOrSplit);
  // Where nothing needs contiguous memory the kv* fix stays.
  assert.equal(fixAt(findings, 26, 'kmalloc-costly-order').edits[0].newText, 'kvmalloc');
  // __GFP_RETRY_MAYFAIL: what the flag does, not "gives up early"; kvmalloc() keeps the flag.
  const retry = findingAt(findings, 29, 'kmalloc-costly-order');
  assert.match(
    retry.message,
    /The mask has __GFP_RETRY_MAYFAIL, so for this order the allocator keeps retrying reclaim and compaction while they make progress \("will retry memory reclaim procedures that have previously failed if there is some indication that progress has been made"\), but "There is still a definite limit to the number of retries": it does not invoke the OOM killer and may still fail/,
  );
  assert.doesNotMatch(retry.message, /gives up early/);
  assert.match(retry.message, /its kmalloc attempt keeps __GFP_RETRY_MAYFAIL and retries before falling back/);
  assert.equal(retry.fixes[0]?.edits[0].newText, 'kvmalloc');
  const pagesRetry = findingAt(findings, 37, 'kmalloc-costly-order');
  assert.match(pagesRetry.message, /The mask has __GFP_RETRY_MAYFAIL, so for this order/);
  assert.match(pagesRetry.message, /vmalloc\(\) if the memory need not be physically contiguous/);
  // Without the flag the message keeps its account of a costly order.
  assert.match(findingAt(findings, 26, 'kmalloc-costly-order').message, /gives up early/);
  assert.doesNotMatch(findingAt(findings, 26, 'kmalloc-costly-order').message, /__GFP_RETRY_MAYFAIL/);
});

test('alloc-size-overflow fixes: counted API, struct_size(), array_size(), array3_size()', async () => {
  const file = path.join(DIR, 'overflow.c');
  const text = fs.readFileSync(file, 'utf8');
  const findings = await analyzeFixture(file, optionsOf(file));
  const apply = (line: number) => lineOf(applyEdits(text, fixAt(findings, line, 'alloc-size-overflow').edits), line).replace(/ \/\/ expect.*$/, '');
  assert.equal(apply(15), '\ts = kmalloc_array(n, sizeof(*s), GFP_KERNEL);');
  assert.equal(apply(16), '\ts = kcalloc(count, sizeof(struct slot), GFP_KERNEL);');
  assert.equal(apply(17), '\twords = kvmalloc_array(count, size, GFP_KERNEL);');
  assert.equal(apply(18), '\twords = devm_kcalloc(dev, n, sizeof(u32), GFP_KERNEL);');
  // array_size() inside an open-coded `+` would not saturate: the struct with its flexible array is struct_size().
  assert.equal(apply(19), '\tt = kmalloc(struct_size(t, slots, n), GFP_KERNEL);');
  assert.equal(apply(20), '\tp = vmalloc(array3_size(a, b, c));');
  assert.equal(apply(21), '\tp = dma_alloc_coherent(dev, array_size(n, PAGE_SIZE), &handle, GFP_KERNEL);');
});

test('alloc-size-overflow sums: struct_size() or size_add(), never array_size() inside a +', async () => {
  const file = path.join(DIR, 'overflow_ranges.c');
  const text = fs.readFileSync(file, 'utf8');
  const findings = await analyzeFixture(file, optionsOf(file));
  const line = (needle: string) => text.split('\n').findIndex((row) => row.includes(needle)) + 1;
  const apply = (at: number) => lineOf(applyEdits(text, fixAt(findings, at, 'alloc-size-overflow').edits), at).replace(/ \/\/ expect.*$/, '');
  const flexible = line('sizeof(*t) + ni * sizeof(struct ring)');
  assert.equal(apply(flexible), '\tt = kmalloc(struct_size(t, rings, ni), GFP_KERNEL);');
  // `ni` is any int: a hint (issue 12), whose fix fix-all does not apply.
  assert.equal(fixAt(findings, flexible, 'alloc-size-overflow').preferred, false, 'a hint fix is not preferred');
  const other = line('MAX_LEN + nz * sizeof(*r)');
  assert.equal(apply(other), '\tp = kmalloc(size_add(MAX_LEN, array_size(nz, sizeof(*r))), GFP_KERNEL);');
  assert.deepEqual(findingAt(findings, line('nz * sizeof(*r) - 1'), 'alloc-size-overflow').fixes, [], 'no saturating form of a subtraction is offered');
  // A hint keeps its fix, but not as the one fix-all applies.
  const hinted = line('sizeof(*t) + n16 * sizeof(struct ring)');
  assert.equal(apply(hinted), '\tt = kmalloc(struct_size(t, rings, n16), GFP_KERNEL);');
  assert.equal(fixAt(findings, hinted, 'alloc-size-overflow').preferred, false);
  assert.equal(fixAt(findings, line('kmalloc(n16 * sizeof(*r)'), 'alloc-size-overflow').preferred, false);
  // size_add() is claimed from 6.1's include/linux/overflow.h only: no fix for a 5.15 kernel.
  const older = await analyzeFixture(file, { ...optionsOf(file), kernelVersion: '5.15' });
  assert.deepEqual(findingAt(older, other, 'alloc-size-overflow').fixes, []);
  assert.equal(lineOf(applyEdits(text, fixAt(older, flexible, 'alloc-size-overflow').edits), flexible).replace(/ \/\/ expect.*$/, ''), '\tt = kmalloc(struct_size(t, rings, ni), GFP_KERNEL);');
});

test('alloc-size-overflow messages say which range was found and why it can or cannot wrap', async () => {
  const file = path.join(DIR, 'overflow_ranges.c');
  const text = fs.readFileSync(file, 'utf8');
  const findings = await analyzeFixture(file, optionsOf(file));
  const line = (needle: string) => text.split('\n').findIndex((row) => row.includes(needle)) + 1;
  const message = (needle: string) => findingAt(findings, line(needle), 'alloc-size-overflow').message;
  assert.match(message('kmalloc(n16 * sizeof(*r)'), /cannot overflow here: `n16` is any u16, so the size is at most 1048560 bytes; kmalloc_array\(\) still states the intent/);
  assert.match(
    message('kmalloc(nz * sizeof(*r), GFP'),
    /could overflow only through `nz`, whose range is not known here — `nz \* sizeof\(\*r\)` is computed in `size_t` and can exceed SIZE_MAX: `nz` is any size_t; nothing here shows such a value, and kmalloc_array\(\) states the intent/,
  );
  assert.match(message('kmalloc(ni * n16'), /`ni \* n16` is computed in `int` and can exceed INT_MAX/);
  assert.match(
    message('kmalloc(ni * sizeof(*r)'),
    /cannot overflow here: `ni` is any int, so the size is at most 34359738352 bytes \(a negative `ni` makes it a request above SIZE_MAX \/ 2, which fails\)/,
  );
  assert.match(message('kmalloc(sn * 4 + 64'), /`sn \* 4` can be negative and wraps when converted to `int`|`sn \* 4` .*can be negative/);
  const check = line('if (n > MAX_RINGS)');
  assert.match(
    message('r = kmalloc(n * sizeof(*r), GFP_KERNEL); // expect: alloc-size-overflow(hint)'),
    new RegExp(`\`n\` at most 64 \\(size_t; the check on line ${check}\\), so the size is at most 1024 bytes`),
  );
  assert.match(message('entries * sizeof(struct ring)'), /`entries` 16 to 64 \(size_t; every assignment in the function, lines \d+, \d+\)/);
  assert.match(message('sizeof(struct opaque)'), /layout unknown: assumed below 4 GiB/);
  // 32-bit size_t: an int count times 16 can exceed it, whatever its sign.
  const ilp32 = path.join(DIR, 'overflow_ranges_ilp32.c');
  const ilp32Text = fs.readFileSync(ilp32, 'utf8');
  const ilp32Line = ilp32Text.split('\n').findIndex((row) => row.includes('kmalloc(ni * sizeof(*r)')) + 1;
  assert.match(
    findingAt(await analyzeFixture(ilp32, optionsOf(ilp32)), ilp32Line, 'alloc-size-overflow').message,
    /could overflow only through `ni`, whose range is not known here — `ni` can be negative and wraps when converted to `size_t`: `ni` is any int; nothing here shows such a value/,
  );
});

test('alloc-size-overflow after sample 4: unknown ranges and unevaluated bounds are hints that say so; evidence stays a warning', async () => {
  const file = path.join(DIR, 'overflow_evidence.c');
  const text = fs.readFileSync(file, 'utf8');
  const findings = await analyzeFixture(file, optionsOf(file));
  const rows = text.split('\n');
  const line = (needle: string, after = 0) => rows.findIndex((row, index) => index >= after && row.includes(needle)) + 1;
  const finding = (at: number) => findingAt(findings, at, 'alloc-size-overflow');
  // kernel/kcov.c:713 of 6.1: INT_MAX is evaluated, so the check bounds both ends.
  const kcov = line('if (size < 2 || size > INT_MAX');
  assert.match(finding(line('vmalloc_user(size')).message, new RegExp(`cannot overflow here: \`size\` 2 to 268435455 \\(unsigned long; the check on line ${kcov}\\)`));
  // A bound the analysis cannot evaluate bounds the value all the same.
  const unevaluated = line('if (a > o->max_a');
  assert.match(
    finding(unevaluated + 2).message,
    new RegExp(`could overflow only through \`a\` or \`b\`, whose range is not known here — .*\`a\` at most a bound not evaluated here \\(u32; the check on line ${unevaluated}\\)`),
  );
  assert.match(finding(line('n = o->limit;') + 1).message, /`n` at most a bound not evaluated here \(size_t; the check on line \d+\)/);
  // SIZE_MAX is exact (bigint): the header added after the check still wraps, the check that leaves room does not.
  assert.match(finding(line('kmalloc(n * sizeof(struct item) + 16')).message, /if it overflows, .*`n` at most 1152921504606846975 \(size_t; the check on line \d+\)/);
  assert.match(finding(line('kmalloc(16 + n * sizeof(struct item)')).message, /cannot overflow here: `n` at most 1152921504606846974/);
  // The sample's shapes: a header field that is any int, a layout assumed below 4 GiB.
  assert.match(finding(line('sizeof(struct item) * c->count,')).message, /could overflow only through `c->count`, whose range is not known here — .*`c->count` is any int/);
  assert.match(finding(line('sizeof(struct opaque) * n')).message, /through `sizeof\(struct opaque\)` or `n`, .*layout unknown: assumed below 4 GiB/);
  assert.match(finding(line('o->count * 8 + 16')).message, /could overflow only through `o->count`, whose range is not known here; nothing here shows such a value/);
  // u8/u16 types are ranges: (len + 1) * 8 cannot wrap, and len - 4 can go negative inside a sum.
  assert.match(finding(line('(c->len8 + 1) * 8')).message, /cannot overflow here: `c->len8` at most 255|cannot overflow here: `c->len8` is any u8/);
  const negative = finding(line('(c->len8 - 4) * sizeof(struct item)'));
  assert.equal(negative.severity, 'warning');
  assert.match(negative.message, /if it overflows, a smaller buffer is allocated/);
  assert.equal(negative.fixes[0]?.preferred, true, 'a warning fix is preferred');
  assert.equal(finding(line('vmalloc((n + 1) * PAGE_SIZE)')).fixes[0]?.title, 'Use vmalloc_array(n + 1, PAGE_SIZE, …)', 'a hint keeps its fix');
  assert.equal(finding(line('vmalloc((n + 1) * PAGE_SIZE)')).fixes[0]?.preferred, false);
});

test('alloc-size-overflow: a fact the code invalidates leaves an unknown range, not "cannot overflow"', async () => {
  const file = path.join(DIR, 'overflow_ranges.c');
  const rows = fs.readFileSync(file, 'utf8').split('\n');
  const findings = await analyzeFixture(file, optionsOf(file));
  const start = rows.findIndex((row) => row.startsWith('static int invalidated('));
  const end = rows.findIndex((row) => row.startsWith('static int jumped('));
  const end2 = rows.findIndex((row, index) => index > end && row.startsWith('}'));
  let checked = 0;
  for (let index = start; index < end2; index++) {
    if (!rows[index].includes('expect: alloc-size-overflow(hint)')) continue;
    const message = findingAt(findings, index + 1, 'alloc-size-overflow').message;
    const holds = rows[index].includes('h->words * h->words') || rows[index - 1].includes('case 2:');
    assert.match(message, holds ? /cannot overflow here/ : /could overflow only through/, `line ${index + 1}: ${message}`);
    checked++;
  }
  assert.equal(checked, 11);
});

test('alloc-size-overflow: a user-controlled count says where it was read, points there, and keeps a correct fix', async () => {
  const file = path.join(DIR, 'overflow_user.c');
  const text = fs.readFileSync(file, 'utf8');
  const rows = text.split('\n');
  const findings = await analyzeFixture(file, optionsOf(file));
  const line = (needle: string, after = 0) => rows.findIndex((row, index) => index >= after && row.includes(needle)) + 1;
  const finding = (at: number) => findingAt(findings, at, 'alloc-size-overflow');
  const apply = (at: number) => lineOf(applyEdits(text, fixAt(findings, at, 'alloc-size-overflow').edits), at).replace(/ \/\/ expect.*$/, '');
  // copy_from_user() of a struct: the field is named as read there, and the read is the related location.
  const list = line('static long demo_ioctl_list(');
  const copied = line('if (copy_from_user(&req, argp', list);
  const unchecked = finding(line('kmalloc(req.count * ENTRY_SIZE', list));
  assert.equal(unchecked.severity, 'warning');
  assert.match(
    unchecked.message,
    new RegExp(
      `\`req.count\` is any u32 \\(read from user space: copy_from_user\\(\\), line ${copied}\\); \`req.count\` is user-controlled and not bounded before the allocation; use kmalloc_array\\(\\)`,
    ),
  );
  assert.deepEqual(
    unchecked.related.map((related) => [related.span.startLine + 1, related.message]),
    [[copied, '`req.count` comes from user space here (copy_from_user())']],
  );
  assert.equal(unchecked.fixes[0]?.preferred, true, 'the warning fix is the one fix-all applies');
  assert.equal(apply(line('kmalloc(req.count * ENTRY_SIZE', list)), '\te = kmalloc_array(req.count, ENTRY_SIZE, GFP_KERNEL);');
  // Through `n = req.count;` the read is still the copy.
  assert.deepEqual(
    finding(line('kzalloc(n * ENTRY_SIZE', list)).related.map((related) => related.span.startLine + 1),
    [copied],
  );
  assert.equal(apply(line('kzalloc(n * ENTRY_SIZE', list)), '\te = kcalloc(n, ENTRY_SIZE, GFP_KERNEL);');
  // A check hands the count back to the range logic: the message says the check, no related location.
  const checked = line('static long demo_ioctl_checked(');
  const bounded = finding(line('kmalloc(req.count * ENTRY_SIZE', checked));
  assert.equal(bounded.severity, 'hint');
  assert.match(bounded.message, new RegExp(`cannot overflow here: \`req.count\` at most 256 \\(u32; the check on line ${line('if (req.count > MAX_ENTRIES)', checked)};`));
  assert.deepEqual(bounded.related, []);
  // A u16 from user space cannot wrap a 64-bit size_t: the type decides, whoever chose the value.
  assert.match(finding(line('kmalloc(req.small * sizeof')).message, /cannot overflow here: `req.small` is any u16 \(read from user space: copy_from_user\(\), line \d+\)/);
  // Each source kind names itself.
  const what = (needle: string) => finding(line(needle)).related.map((related) => related.message);
  assert.deepEqual(what('vmalloc(req->total'), ['`req->total` comes from user space here (memdup_user())']);
  assert.deepEqual(what('kmalloc(arg * sizeof(struct entry), GFP_KERNEL); // expect: alloc-size-overflow(warning)'), ['`arg` comes from user space here (the ioctl argument)']);
  assert.deepEqual(what('kzalloc(val * ENTRY_SIZE, GFP_KERNEL); // expect: alloc-size-overflow(warning)'), ['`val` comes from user space here (kstrtouint())']);
  assert.deepEqual(what('kmalloc(val * sizeof(struct entry)'), ['`val` comes from user space here (kstrtoul())']);
  assert.deepEqual(what('kmalloc(count * ENTRY_SIZE, GFP_KERNEL); // expect: alloc-size-overflow(warning)'), ['`count` comes from user space here (get_user())']);
  const netlink = line('kmalloc(count * ENTRY_SIZE', line('static int demo_netlink('));
  assert.deepEqual(
    finding(netlink).related.map((related) => related.message),
    ['`count` comes from user space here (nla_get_u32())'],
  );
  // A comparison with a bound the range cannot use still bounds it: no user claim, a hint.
  assert.match(finding(line('if (n > d->limit)') + 2).message, /`n` is any u32 \(compared with a bound on line \d+; read from user space: get_user\(\), line \d+\); nothing here shows such a value/);
  // Sums keep their saturating fixes: struct_size() for the flexible array, size_add() otherwise.
  const sum = line('static long demo_sum(');
  assert.equal(apply(line('kzalloc(sizeof(*t) + req.total', sum)), '\tt = kzalloc(struct_size(t, entries, req.total), GFP_KERNEL);');
  assert.equal(apply(line('kmalloc(req.total * sizeof(struct entry) + 64', sum)), '\tp = kmalloc(size_add(array_size(req.total, sizeof(struct entry)), 64), GFP_KERNEL);');
});

test('the limit macros of include/vdso/limits.h and include/linux/limits.h are model constants', () => {
  assert.equal(kernelLimit('SIZE_MAX', configOf())?.value, 2n ** 64n - 1n);
  assert.equal(kernelLimit('LONG_MAX', configOf({ arch: 'arm' }))?.value, 2n ** 31n - 1n, 'long is 32 bits on arm');
  assert.equal(kernelLimit('S16_MIN', configOf())?.value, -32768n);
  assert.equal(kernelLimit('PHYS_ADDR_MAX', configOf()), undefined, 'phys_addr_t depends on the configuration');
  const scope = createScope(configOf(), new Map());
  assert.equal(evaluateText('INT_MAX / 8', scope)?.value, 268435455);
  assert.equal(evaluateText('U16_MAX + 1', scope)?.value, 65536);
  assert.equal(evaluateText('ULONG_MAX >> 40', scope), undefined, 'a 64-bit limit is never rounded into a double');
  const own = createScope(configOf(), new Map([['INT_MAX', { name: 'INT_MAX', body: '100', line: 0 }]]));
  assert.equal(evaluateText('INT_MAX', own)?.value, 100, "a file's own #define wins");
});

test('kzalloc-open-coded fix renames the call and removes the memset line cleanly', async () => {
  const file = path.join(DIR, 'zalloc.c');
  const text = fs.readFileSync(file, 'utf8');
  const findings = await analyzeFixture(file, optionsOf(file));
  const fixed = applyEdits(text, fixAt(findings, 10, 'kzalloc-open-coded').edits);
  assert.deepEqual(fixed.split('\n').slice(9, 13), ['\tc = kzalloc(sizeof(*c), GFP_KERNEL); // expect: kzalloc-open-coded', '\tif (!c)', '\t\treturn -ENOMEM;', '']);
  const array = applyEdits(text, fixAt(findings, 15, 'kzalloc-open-coded').edits);
  assert.deepEqual(array.split('\n').slice(14, 16), ['\tbuf = kcalloc(n, 16, GFP_KERNEL); // expect: kzalloc-open-coded', '']);
});

test('slab-waste message names the class and the sizes that would fit', async () => {
  const file = path.join(DIR, 'waste_x86_64_4k.c');
  const findings = await analyzeFixture(file, optionsOf(file));
  assert.match(findingAt(findings, 21, 'kmalloc-slab-waste').message, /kmalloc-2k: 1023 of 2048 bytes \(50%\) unused.*at most 1024 bytes fits kmalloc-1k.*whole 2048 bytes/);
  assert.match(findingAt(findings, 32, 'kmalloc-slab-waste').message, /1400 bytes \(with the 40-byte devres header\) is served by kmalloc-2k: 608 of 2048.*at most 984 bytes fits kmalloc-1k/);
});

test('evaluator: literal forms, ~ with a known type, casts, ternaries, comparisons', () => {
  const config = configOf({});
  const scope = createScope(config, new Map());
  const value = (text: string) => evaluateText(text, scope)?.value;
  assert.equal(value('0x10 + 010 + 0b11 + 10UL + 3ull'), 16 + 8 + 3 + 10 + 3);
  assert.equal(value("'A' + '\\n'"), 65 + 10);
  assert.equal(value('~0U'), 4294967295);
  assert.equal(value('~0'), -1);
  assert.equal(value('~0UL'), undefined, '2^64-1 is not a safe JS integer: unknown, not wrong');
  assert.equal(value('~n'), undefined, 'operand type unknown');
  assert.equal(value('(u8)300'), 44);
  assert.equal(value('(unsigned short)-1'), 65535);
  assert.equal(value('(size_t)4096'), 4096);
  assert.equal(value('3 > 2 ? 100 : 200'), 100);
  assert.equal(value('1 == 2 ? 100 : 200'), 200);
  assert.equal(value('(1 << 20) | 0xF0000000'), 0xf0100000);
  assert.equal(value('PAGE_SIZE << 3'), 32768);
  assert.equal(value('BITS_TO_LONGS(65)'), 2);
  assert.equal(value('DIV_ROUND_UP(10, 4) + ALIGN(13, 8)'), 3 + 16);
  assert.equal(value('get_order(SZ_64K)'), 4);
  assert.equal(value('x ? 1 : 2'), undefined);
  const arm = createScope(configOf({ arch: 'arm' }), new Map());
  assert.equal(evaluateText('BITS_TO_LONGS(65)', arm)?.value, 3);
});

test('hover: the requested row says how the size was obtained', async () => {
  const file = path.join(DIR, 'limits_x86_64_4k.c');
  const parser = await sharedParser();
  const config = configOf({});
  const text = fs.readFileSync(file, 'utf8');
  const db = new AnalysisDatabase();
  const unbound = collectFileFacts(file, text, parseText(parser, text), config);
  const facts = db.boundFacts(unbound, new FolderFactsCache(parser, 1 << 22).siblingsOf(file, config));
  // Binding makes a new view; the facts it came from are left as they were.
  assert.notEqual(unbound.scope, facts.scope);
  assert.equal(facts.base, unbound);
  const site = facts.allocations.find((entry) => entry.call.startPosition.row === 23)!;
  const card = allocationCard(site, config);
  assert.match(card, /\| requested \| 71536 bytes — sizeof\(\*st\) = sizeof\(struct fw_state\) = 71536 \(limits_x86_64_4k\.c\): hdrs 1536 @0, fw_image 70000 @1536 \|/);
  const header = path.join(DIR, 'fixdrv', 'fixdrv.c');
  const headerText = fs.readFileSync(header, 'utf8');
  const driver = db.boundFacts(collectFileFacts(header, headerText, parseText(parser, headerText), config), new FolderFactsCache(parser, 1 << 22).siblingsOf(header, config));
  const ring = driver.allocations.find((entry) => entry.call.startPosition.row === 15)!;
  assert.equal(ring.requestedBytes?.value, 8 + 64 * 16);
  assert.match(ring.requestedBytes!.steps.join('; '), /FIX_RING_ENTRIES = 64 \(fixdrv\.h\).*struct_size\(…\) = sizeof\(\*priv->ring\) 8 \+ 64 × 16 \(entries\[\]\) = 1032/);
});

test('96/192 classes and the arm64 minimum follow the kernel version', () => {
  const route = (size: number, kernelVersion: string, arch: Arch) => kmallocRoute(size, configOf({ kernelVersion, arch }));
  assert.deepEqual(route(96, '6.1', 'x86_64'), { kind: 'slab', cacheSize: 96, unused: 0 });
  assert.deepEqual(route(97, '6.1', 'x86_64'), { kind: 'slab', cacheSize: 128, unused: 31 });
  assert.deepEqual(route(192, '6.1', 'x86_64'), { kind: 'slab', cacheSize: 192, unused: 0 });
  assert.deepEqual(route(150, '6.1', 'arm64'), { kind: 'slab', cacheSize: 256, unused: 106 });
  // arm64 ≥6.5: the smallest cache is chosen at boot, so the model carries both ends.
  assert.deepEqual(route(8, '6.6', 'arm64'), { kind: 'slab', cacheSize: 8, unused: 0, alternative: 128 });
});
