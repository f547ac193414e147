// Ops-field contexts of a kernel tree from its index (analysis/index/opsContexts.ts) on the fixture
// tree test/fixtures/kernel-tree: each file indexed with its folder as `kalloc index` does (the
// composition of the folder gives the context at each call through a struct field), the derived
// slots (atomic on every call of the tree only), and the driver of drivers/fxdrv whose `struct
// fx_ops` initialiser and assignment become atomic entries once the facts are set.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { collectFileFacts } from '../../server/src/analysis/fileFacts';
import { IndexedFile, KernelFacts, deriveKernelFacts, indexedFileOf } from '../../server/src/analysis/index/kernelFacts';
import { headerFieldCallNames, indexedOpsCallsOf, opsCallCount, opsCallOf } from '../../server/src/analysis/index/opsContexts';
import { analyzeFile } from '../../server/src/analyzeFile';
import { codeLensesFor } from '../../server/src/features/codeLens';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { checkFixture, fixtureFacts, parseText, sharedParser } from '../support/fixtures';
import { FIXTURES } from '../support/paths';
import { treeHeaderFieldCalls } from '../../server/src/workspace/headerFieldCalls';
import { cFilesBelow, firstLineWith } from '../support/fixtureText';

const TREE = path.join(FIXTURES, 'kernel-tree');
const DRIVER = path.join(TREE, 'drivers', 'fxdrv', 'fx_drv.c');
const RULES = ['gfp-sleep-in-atomic', 'sleep-in-atomic'];

const cFiles = cFilesBelow;

/** One file of a tree as the index worker makes it: its summary's data and its ops-call rows, with its folder. */
async function indexedFile(root: string, relative: string, text?: string): Promise<IndexedFile> {
  const parser = await sharedParser();
  const db = new AnalysisDatabase();
  const source = text ?? fs.readFileSync(path.join(root, relative), 'utf8');
  const facts = collectFileFacts(relative, source, parseText(parser, source), DEFAULT_CONFIG);
  return { ...indexedFileOf(db.fileSummary(facts, [])), ...indexedOpsCallsOf(db.atomicView(facts, [])) };
}

async function treeFacts(): Promise<{ files: IndexedFile[]; facts: KernelFacts }> {
  const relative = cFiles(TREE).map((file) => path.relative(TREE, file).split(path.sep).join('/'));
  const files = await Promise.all(relative.map((file) => indexedFile(TREE, file)));
  // As kalloc index derives them: with the member names the tree's headers call (workspace/headerFieldCalls.ts).
  const headerFieldCalls = treeHeaderFieldCalls(TREE, 1 << 20, (file, reason) => assert.fail(`${file}: ${reason}`));
  return { files, facts: deriveKernelFacts(files, { root: TREE, version: '6.1.0', headerFieldCalls }) };
}

const lineOf = (file: string, needle: string): number => firstLineWith(TREE, file, needle);

test('each file records its calls through struct fields by slot, with the context at the call', async () => {
  const { files } = await treeFacts();
  const rowsOf = (name: string) => {
    const file = files.find((candidate) => candidate.path === name)!;
    return Array.from({ length: opsCallCount(file) }, (_, index) => opsCallOf(file, index));
  };
  assert.deepEqual(rowsOf('core/fxcore/fx_core.c'), [
    {
      slot: 'struct fx_ops.start',
      field: 'start',
      line: lineOf('core/fxcore/fx_core.c', 'ret = dev->ops->start(dev);'),
      context: 'held',
      fn: 'fx_core_kick',
      callee: 'dev->ops->start',
      lock: 'spin_lock_irqsave(&dev->lock)',
    },
    {
      slot: 'struct fx_ops.poll',
      field: 'poll',
      line: lineOf('core/fxcore/fx_core.c', 'dev->ops->poll(dev);'),
      context: 'caller-held',
      fn: 'fx_core_poll_locked',
      callee: 'dev->ops->poll',
      lock: 'spin_lock(&dev->lock)',
    },
    // fx_core_resume_dev() is called under the spinlock by fx_core_tick() and without it by fx_core_wake().
    { slot: 'struct fx_ops.resume', field: 'resume', line: lineOf('core/fxcore/fx_core.c', 'dev->ops->resume(dev);') },
    {
      slot: 'struct fx_ops.reset',
      field: 'reset',
      line: lineOf('core/fxcore/fx_core.c', 'dev->ops->reset(dev);'),
      context: 'held',
      fn: 'fx_core_tick',
      callee: 'dev->ops->reset',
      lock: 'spin_lock(&dev->lock)',
    },
    {
      slot: 'struct fx_ops.flush',
      field: 'flush',
      line: lineOf('core/fxcore/fx_core.c', 'dev->ops->flush(dev);'),
      context: 'held',
      fn: 'fx_core_tick',
      callee: 'dev->ops->flush',
      lock: 'spin_lock(&dev->lock)',
    },
    {
      slot: 'struct fx_ops.poke',
      field: 'poke',
      line: lineOf('core/fxcore/fx_core.c', 'dev->ops->poke(dev);'),
      context: 'held',
      fn: 'fx_core_tick',
      callee: 'dev->ops->poke',
      lock: 'spin_lock(&dev->lock)',
    },
  ]);
  assert.deepEqual(rowsOf('core/fxmgmt/fx_mgmt.c'), [
    { slot: 'struct fx_ops.stop', field: 'stop', line: lineOf('core/fxmgmt/fx_mgmt.c', 'dev->ops->stop(dev);') },
    { slot: 'struct fx_ops.reset', field: 'reset', line: lineOf('core/fxmgmt/fx_mgmt.c', 'dev->ops->reset(dev);') },
    // `struct fx_link` is declared nowhere here: the slot is unknown, the path is kept as written.
    { path: 'struct fx_link.ops.flush', field: 'flush', line: lineOf('core/fxmgmt/fx_mgmt.c', 'link->ops->flush(dev);') },
  ]);
  // A file that calls no field has empty rows: told apart from an entry indexed before them.
  assert.deepEqual(files.find((file) => file.path === 'core/idxcore/idx_core.c')?.opsCalls, []);
  for (const file of files) assert.deepEqual(structuredClone(file), file);
});

test('a slot is atomic when every call of the tree is: called both ways, through an unknown type, from a header, or in process context gives nothing', async () => {
  const { facts, files } = await treeFacts();
  assert.deepEqual(
    facts.opsContexts?.map((fact) => `${fact.slot} ${fact.context} ${fact.fn}@${facts.files[fact.file]}:${fact.line} ${fact.lock}`),
    [
      `struct fx_ops.poll caller-held fx_core_poll_locked@core/fxcore/fx_core.c:${lineOf('core/fxcore/fx_core.c', 'dev->ops->poll(dev);')} spin_lock(&dev->lock)`,
      `struct fx_ops.start held fx_core_kick@core/fxcore/fx_core.c:${lineOf('core/fxcore/fx_core.c', 'ret = dev->ops->start(dev);')} spin_lock_irqsave(&dev->lock)`,
    ],
  );
  const headerFieldCalls = new Set(['poke']);
  assert.deepEqual(deriveKernelFacts([...files].reverse(), { root: TREE, version: '6.1.0', headerFieldCalls }), facts);
  // A member a header calls (fx_poke_ops() in include/linux/fx_ops.h) counts as a call of unknown type.
  assert.ok(
    deriveKernelFacts(files, { root: TREE, version: '6.1.0' }).opsContexts?.some((fact) => fact.slot === 'struct fx_ops.poke'),
    'without the header scan, .poke would be atomic only',
  );
  // An entry indexed before the ops rows (no opsCalls) says nothing: no slot is claimed.
  const old = files.map((file) => (file.path === 'core/fxmgmt/fx_mgmt.c' ? { ...file, opsCalls: undefined } : file));
  assert.deepEqual(deriveKernelFacts(old, { root: TREE, version: '6.1.0', headerFieldCalls }).opsContexts, []);
});

test('a slot the model seeds (ALSA `.trigger`, its lock chosen by `nonatomic`) is left to the seed row', async () => {
  const core = [
    '#include <linux/spinlock.h>',
    'struct snd_pcm_substream { spinlock_t lock; const struct snd_pcm_ops *ops; const struct fx_ops *fx; };',
    'void fake_start(struct snd_pcm_substream *substream)',
    '{',
    '\tspin_lock(&substream->lock);',
    '\tsubstream->ops->trigger(substream, 1);',
    '\tsubstream->fx->start(0);',
    '\tspin_unlock(&substream->lock);',
    '}',
    '',
  ].join('\n');
  const file = await indexedFile(TREE, 'sound/core/fake_pcm.c', core);
  assert.deepEqual(
    Array.from({ length: opsCallCount(file) }, (_, index) => opsCallOf(file, index).slot),
    ['struct snd_pcm_ops.trigger', 'struct fx_ops.start'],
  );
  assert.deepEqual(
    deriveKernelFacts([file], { root: TREE, version: '6.1.0' }).opsContexts?.map((fact) => fact.slot),
    ['struct fx_ops.start'],
  );
});

test('the driver: a function stored in an atomic-only field is an atomic entry, with the tree call in its chain', async () => {
  const { facts: kernelFacts } = await treeFacts();
  const findings = await checkFixture(DRIVER, { rules: RULES, kernelFacts });
  const kick = lineOf('core/fxcore/fx_core.c', 'ret = dev->ops->start(dev);');
  const start = findings.find((finding) => finding.span.startLine + 1 === lineOf('drivers/fxdrv/fx_drv.c', 'msleep(10);'));
  assert.match(
    start?.message ?? '',
    new RegExp(
      `fxd_start\\(\\) is a \`\\.start\` of struct fx_ops stored at line ${lineOf('drivers/fxdrv/fx_drv.c', '.start = fxd_start,')}, which the kernel tree calls only in atomic context \\(entered with \`spin_lock_irqsave\\(&dev->lock\\)\` held: core/fxcore/fx_core\\.c:${kick} calls \`dev->ops->start\` in fx_core_kick\\(\\)\\)`,
    ),
  );
  assert.deepEqual(
    start?.related.map((related) => `${related.file ? path.relative(TREE, related.file) : ''}:${related.span.startLine + 1} ${related.message}`),
    [
      `:${lineOf('drivers/fxdrv/fx_drv.c', '.start = fxd_start,')} fxd_start() stored here in \`.start\` of struct fx_ops`,
      `core/fxcore/fx_core.c:${kick} \`dev->ops->start\` called here with \`spin_lock_irqsave(&dev->lock)\` held, in fx_core_kick()`,
    ],
  );
  // The assignment `ops->start = fxd_start_quirk` counts like the initialiser.
  const quirk = findings.find((finding) => finding.span.startLine + 1 === lineOf('drivers/fxdrv/fx_drv.c', 'kzalloc(64, GFP_KERNEL)'));
  assert.match(quirk?.message ?? '', new RegExp(`fxd_start_quirk\\(\\) is a \`\\.start\` of struct fx_ops stored at line ${lineOf('drivers/fxdrv/fx_drv.c', 'ops->start = fxd_start_quirk;')},`));
  const poll = findings.find((finding) => finding.span.startLine + 1 === lineOf('drivers/fxdrv/fx_drv.c', 'kmalloc(32, GFP_KERNEL)'));
  assert.match(poll?.message ?? '', /calls `dev->ops->poll` in fx_core_poll_locked\(\), whose every caller holds it/);
});

test('without the facts, and after they are dropped, the driver is silent; the code lens names the tree call', async () => {
  const { facts: kernelFacts } = await treeFacts();
  const { facts, folder } = await fixtureFacts(DRIVER);
  const db = new AnalysisDatabase();
  const atomic = () => analyzeFile(facts, folder, {}, db).findings.filter((finding) => RULES.includes(finding.rule));
  assert.deepEqual(atomic(), []);
  db.setKernelFacts(kernelFacts);
  assert.equal(atomic().length, 3);
  const titles = codeLensesFor(db, facts, folder, { uri: 'file:///fx_drv.c', uriOf: (file) => `file://${file ?? ''}`, showChainCommand: false }).map((lens) => lens.command?.title ?? '');
  assert.ok(
    titles.some((title) => title.startsWith('atomic: `.start` of struct fx_ops stored at line') && title.includes('core/fxcore/fx_core.c:')),
    titles.join('\n'),
  );
  db.setKernelFacts(undefined);
  assert.deepEqual(atomic(), []);
});

test('the member names a header calls through a field: static inlines, macros, `(*p->cb)(…)`', () => {
  const header = [
    'static inline int a(struct x *x) { return x->ops->start(x); }',
    '#define B(d) ((d)->ops.stop(d))',
    'static inline void c(struct y *p) { (*p->cb)(p); }',
    'int plain(int v);',
    'struct z { int (*probe)(void); };',
  ].join('\n');
  assert.deepEqual(headerFieldCallNames(header).sort(), ['cb', 'start', 'stop']);
});

test("the checked folder's own definitions win: its copy of the tree's caller must still make the call under a lock", async () => {
  const { facts: kernelFacts } = await treeFacts();
  const driver = fs.readFileSync(DRIVER, 'utf8');
  const findingLines = async (text: string) => {
    const { facts, folder } = await fixtureFacts(DRIVER, { text });
    const db = new AnalysisDatabase();
    db.setKernelFacts(kernelFacts);
    return analyzeFile(facts, folder, {}, db)
      .findings.filter((finding) => RULES.includes(finding.rule))
      .map((finding) => finding.span.startLine + 1);
  };
  const poll = lineOf('drivers/fxdrv/fx_drv.c', 'kmalloc(32, GFP_KERNEL)');
  const start = [lineOf('drivers/fxdrv/fx_drv.c', 'msleep(10);'), lineOf('drivers/fxdrv/fx_drv.c', 'kzalloc(64, GFP_KERNEL)')];
  // The folder holds its own (newer) fx_core_kick(): without the locked call, the index's copy no longer speaks.
  const dev = 'struct fx_dev { spinlock_t lock; const struct fx_ops *ops; };\n';
  assert.deepEqual(await findingLines(`${driver}\n${dev}int fx_core_kick(struct fx_dev *dev)\n{\n\treturn dev->ops->start(dev);\n}\n`), [poll]);
  // With the call still under the spinlock, it does.
  const locked = `${driver}\n${dev}int fx_core_kick(struct fx_dev *dev)\n{\n\tint ret;\n\n\tspin_lock(&dev->lock);\n\tret = dev->ops->start(dev);\n\tspin_unlock(&dev->lock);\n\treturn ret;\n}\n`;
  assert.deepEqual(
    (await findingLines(locked)).sort((a, b) => a - b),
    [...start, poll].sort((a, b) => a - b),
  );
});
