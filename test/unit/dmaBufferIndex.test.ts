// Buffers followed through helpers to DMA sinks (analysis/index/provenanceIndex.ts) on the fixture
// tree test/fixtures/kernel-tree: the parameter flows of each file (provenance/parameterSinks.ts)
// made into IndexedFiles as the index worker does, the tree's derived facts with their chains,
// and what noncontiguous-dma makes of them in a driver of another folder.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { collectFileFacts } from '../../server/src/analysis/fileFacts';
import { IndexedFile, KernelFacts, deriveKernelFacts, indexedFileOf } from '../../server/src/analysis/index/kernelFacts';
import { indexedDmaBufferFlows } from '../../server/src/analysis/index/provenanceIndex';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { analyzeFixture, checkFixture, parseText, sharedParser } from '../support/fixtures';
import { FIXTURES } from '../support/paths';
import { cFilesBelow, firstLineWith } from '../support/fixtureText';

const TREE = path.join(FIXTURES, 'kernel-tree');
const DRIVER = path.join(TREE, 'drivers', 'bufidxdrv', 'bid_main.c');
const RULES = ['noncontiguous-dma'];

const cFiles = cFilesBelow;

/** The tree's .c files as the index worker makes them (paths relative to the root), but for the excluded folders. */
async function indexedTree(excluded: readonly string[]): Promise<IndexedFile[]> {
  const parser = await sharedParser();
  const db = new AnalysisDatabase();
  const relative = cFiles(TREE)
    .map((file) => path.relative(TREE, file).split(path.sep).join('/'))
    .filter((file) => !excluded.some((folder) => file.startsWith(folder)));
  return relative.map((file) => {
    const text = fs.readFileSync(path.join(TREE, file), 'utf8');
    const facts = collectFileFacts(file, text, parseText(parser, text), DEFAULT_CONFIG);
    return { ...indexedFileOf(db.fileSummary(facts, [])), ...indexedDmaBufferFlows(() => db.provenanceSummary(facts)) };
  });
}

async function treeFacts(excluded: readonly string[] = ['drivers/bufidxdrv/']): Promise<KernelFacts> {
  return deriveKernelFacts(await indexedTree(excluded), { root: TREE, version: '6.1.0' });
}

const lineOf = (file: string, needle: string): number => firstLineWith(TREE, file, needle);

const XFER = 'drivers/bufidxcore/bic_xfer.c';
const DESC = 'drivers/bufidxcore/bic_desc.c';

test('a core parameter two calls above usb_control_msg() reaches it, with the chain; a bounce buffer stops it', async () => {
  const facts = await treeFacts();
  const dma = facts.dmaBuffers;
  assert.ok(dma, 'the tree has DMA-buffer facts');
  const chain = (name: string) => {
    const found = dma.parameters.filter((fact) => fact.name === name);
    return found.map((fact) => `${fact.parameter}:${fact.rejects}:${fact.sink}:${fact.chain.map((hop) => `${hop.fn}@${dma.files[hop.file]}:${hop.line}`).join(' > ')}`);
  };
  const sink = lineOf(XFER, 'return usb_control_msg(');
  assert.deepEqual(chain('bic_get_descriptor'), [
    `2:both:usb_control_msg:bic_get_descriptor@${DESC}:${lineOf(DESC, 'ret = bic_control(udev, USB_REQ_GET_DESCRIPTOR')} > bic_control@${XFER}:${lineOf(XFER, 'ret = bic_submit(')} > bic_submit@${XFER}:${sink}`,
  ]);
  assert.deepEqual(chain('bic_control'), [`3:both:usb_control_msg:bic_control@${XFER}:${lineOf(XFER, 'ret = bic_submit(')} > bic_submit@${XFER}:${sink}`]);
  // virt_to_phys() rejects vmalloc memory only.
  assert.deepEqual(chain('bic_phys_of'), [`0:vmalloc:virt_to_phys:bic_phys_of@${XFER}:${lineOf(XFER, 'return virt_to_phys(buf);')}`]);
  // A static function is a fact of its file only; a copy, a CPU-only reader and the sink itself give nothing.
  const names = dma.parameters.map((fact) => fact.name);
  for (const silent of ['bic_submit', 'bic_write_safe', 'bic_checksum', 'usb_control_msg', 'memset']) assert.ok(!names.includes(silent), `${silent}() has no DMA-buffer fact`);
  assert.deepEqual(structuredClone(facts), facts);
});

test('a name defined non-static in two folders reaches only if both definitions do', async () => {
  const core = await treeFacts();
  assert.ok(
    core.dmaBuffers?.parameters.some((fact) => fact.name === 'bic_reset'),
    'the core bic_reset() sends the command as it is',
  );
  // Indexed with the driver folder, bic_reset() has a second definition that copies.
  const whole = await treeFacts([]);
  assert.ok(!whole.dmaBuffers?.parameters.some((fact) => fact.name === 'bic_reset'));
});

test('driver: stack and vmalloc memory handed to core helpers are reported with the chain, exactly on the annotated lines', async () => {
  const kernelFacts = await treeFacts();
  const findings = await checkFixture(DRIVER, { rules: RULES, kernelFacts });
  const status = findings.find((finding) => finding.message.includes('bic_get_descriptor()'));
  const sink = lineOf(XFER, 'return usb_control_msg(');
  assert.match(
    status?.message ?? '',
    new RegExp(
      `^\`status\` is stack memory \\(a stack variable declared at line \\d+\\) passed to bic_get_descriptor\\(\\), which passes it to \`usb_control_msg\\(\\)\` at drivers/bufidxcore/bic_xfer\\.c:${sink} via bic_control\\(\\) → bic_submit\\(\\), and a stack buffer is not DMA-able`,
    ),
  );
  // The chain reaches into the tree: each call on the way and the sink itself.
  assert.deepEqual(
    status?.related.filter((related) => related.file).map((related) => `${path.relative(TREE, related.file!)}:${related.span.startLine + 1}`),
    [`${DESC}:${lineOf(DESC, 'ret = bic_control(udev, USB_REQ_GET_DESCRIPTOR')}`, `${XFER}:${lineOf(XFER, 'ret = bic_submit(')}`, `${XFER}:${sink}`],
  );
  const phys = findings.find((finding) => finding.message.includes('bic_phys_of()'));
  assert.match(
    phys?.message ?? '',
    /^`table` is vmalloc memory \(from vmalloc\(\) at line \d+\) passed to bic_phys_of\(\), which passes it to `virt_to_phys\(\)` at drivers\/bufidxcore\/bic_xfer\.c:\d+:/,
  );
});

test('without the index only the helper of the driver folder is followed', async () => {
  const findings = await analyzeFixture(DRIVER, { rules: RULES });
  assert.deepEqual(
    findings.map((finding) => finding.span.startLine + 1),
    [lineOf('drivers/bufidxdrv/bid_main.c', 'ret = bid_query(bd, 0x30, &version, 1);')],
  );
  assert.match(
    findings[0].message,
    /^`&version` is stack memory \(a stack variable declared at line \d+\) passed to bid_query\(\), which passes it to `usb_control_msg\(\)` at bid_query\.c:\d+ via __bid_query\(\)/,
  );
});
