import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { findingAt, fixAt } from '../support/findings';
import { analyzeFixture, checkFixture } from '../support/fixtures';
import { FIXTURES } from '../support/paths';

const DIR = path.join(FIXTURES, 'provenance');
const RULES = ['noncontiguous-dma', 'free-mismatch'];

test('noncontiguous-dma: every sink, vmalloc/kvmalloc/stack sources, and the silences', async () => {
  await checkFixture(path.join(DIR, 'noncontiguousDma.c'), { rules: RULES });
});

test('free-mismatch: one wrong free per family, right frees and kvfree stay silent', async () => {
  await checkFixture(path.join(DIR, 'freeMismatch.c'), { rules: RULES });
});

test('fields: a field filled with vzalloc() in a sibling .c file is vmalloc memory where it is read', async () => {
  const findings = await checkFixture(path.join(DIR, 'fields', 'fieldsCore.c'), { rules: RULES });
  const dma = findings.find((finding) => finding.rule === 'noncontiguous-dma')!;
  assert.match(dma.message, /vzalloc\(\) at fieldsLoad\.c:6/);
  assert.equal(dma.related[0].file?.endsWith('fieldsLoad.c'), true);
  await checkFixture(path.join(DIR, 'fields', 'fieldsLoad.c'), { rules: RULES });
  await checkFixture(path.join(DIR, 'fields', 'fieldsGadget.c'), { rules: RULES });
});

test('kfree of kmem_cache_alloc() objects: a finding on 6.1, allowed from 6.4', async () => {
  await checkFixture(path.join(DIR, 'kmemCache.c'), { rules: RULES, kernelVersion: '6.1' });
  const later = await analyzeFixture(path.join(DIR, 'kmemCache.c'), { rules: RULES, kernelVersion: '6.4' });
  assert.deepEqual(later, []);
});

test('noncontiguous-dma messages say why, where from and what instead', async () => {
  const findings = await analyzeFixture(path.join(DIR, 'noncontiguousDma.c'), { rules: ['noncontiguous-dma'] });
  const first = findings[0];
  assert.match(first.message, /`buf` is vmalloc memory \(from vzalloc\(\) at line 18\)/);
  assert.match(first.message, /only virtually contiguous/);
  assert.match(first.message, /Use instead: kmalloc\(\)/);
  assert.equal(first.related[0].span.startLine, 17);
  const kv = findings.find((finding) => finding.span.startLine === 44)!;
  assert.match(kv.message, /may be vmalloc memory/);
  const stack = findings.find((finding) => finding.span.startLine === 129)!;
  assert.match(stack.message, /stack memory/);
  assert.match(stack.message, /CONFIG_VMAP_STACK/);
});

test('noncontiguous-dma fix: vmalloc(512) becomes kmalloc(512, GFP_KERNEL) and its vfree becomes kfree', async () => {
  const findings = await analyzeFixture(path.join(DIR, 'noncontiguousDma.c'), { rules: ['noncontiguous-dma'] });
  const small = findings.find((finding) => finding.message.includes('`cmd` is vmalloc'))!;
  assert.equal(small.fixes.length, 1);
  const texts = small.fixes[0].edits.map((edit) => `${edit.span.startLine}:${edit.newText}`);
  const at = small.span.startLine;
  assert.deepEqual(texts.sort(), [`${at - 2}:, GFP_KERNEL`, `${at - 2}:kmalloc`, `${at + 1}:kfree`].sort());
  // Unknown size: no fix.
  const either = findings.find((finding) => finding.message.includes('sg_init_one'))!;
  assert.equal(either.fixes.length, 0);
});

test('free-mismatch fixes: the right free with the allocation arguments, or removing a devres kfree', async () => {
  const findings = await analyzeFixture(path.join(DIR, 'freeMismatch.c'), { rules: ['free-mismatch'] });
  const replacement = (line: number) => fixAt(findings, line, 'free-mismatch').edits.map((edit) => edit.newText);
  assert.deepEqual(replacement(28), ['vfree(v)']);
  assert.deepEqual(replacement(29), ['kfree(k)']);
  assert.deepEqual(replacement(30), ['kvfree(kv)']);
  assert.deepEqual(replacement(32), ['']);
  assert.deepEqual(replacement(34), ['free_pages(pages, TABLE_ORDER)']);
  assert.deepEqual(replacement(36), ['__free_pages(page, 3)']);
  assert.deepEqual(replacement(37), ['dma_free_coherent(dev, len, coh, handle)']);
  assert.deepEqual(replacement(38), ['kfree(k)']);
  assert.deepEqual(replacement(39), ['kfree_const(name)']);
  // devres_alloc() memory: devres_free(); usb_alloc_coherent() needs the device, size and handle: no fix.
  assert.deepEqual(replacement(167), ['devres_free(res)']);
  assert.equal(findingAt(findings, 170, 'free-mismatch').fixes.length, 0);
  assert.deepEqual(replacement(173), ['kvfree(copy)']);
});

test("noncontiguous-dma at a static helper's sink names the call that passed the stack buffer to it", async () => {
  const findings = await analyzeFixture(path.join(DIR, 'noncontiguousDma.c'), { rules: ['noncontiguous-dma'] });
  const text = fs.readFileSync(path.join(DIR, 'noncontiguousDma.c'), 'utf8').split('\n');
  const row = (needle: string) => text.findIndex((line) => line.includes(needle));
  const helper = findings.find((finding) => finding.span.startLine === row('return usb_control_msg(udev, 0, 1, 0xc0, 0, 0, data, len, 1000); // expect'))!;
  assert.deepEqual(
    helper.related.map((related) => `${related.span.startLine}:${related.message}`),
    [`${row('\tu8 status;')}:stack buffer declared here`, `${row('st_read_reg(udev, &status, 1);')}:passed to st_read_reg() here`],
  );
});
