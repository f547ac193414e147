// Sleep facts derived from a kernel tree (analysis/index/kernelFacts.ts) on the fixture tree
// test/fixtures/kernel-tree: IndexedFiles built with the engine (summaries through an
// AnalysisDatabase), the derived facts (transitive sleeps with their chains, sleeps conditional
// on an argument, GFP-passing APIs, names defined several times), and what the atomic rules, the
// code lens and the hover of a driver make of them once set on the database.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { collectFileFacts } from '../../server/src/analysis/fileFacts';
import { IndexedFile, KernelFacts, deriveKernelFacts, indexedFileOf } from '../../server/src/analysis/index/kernelFacts';
import { analyzeFile } from '../../server/src/analyzeFile';
import { codeLensesFor } from '../../server/src/features/codeLens';
import { hoverAt } from '../../server/src/features/hover';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { checkFixture, fixtureFacts, parseText, sharedParser } from '../support/fixtures';
import { FIXTURES } from '../support/paths';
import { cFilesBelow, firstLineWith } from '../support/fixtureText';

const TREE = path.join(FIXTURES, 'kernel-tree');
const DRIVER = path.join(TREE, 'drivers', 'sleepdrv', 'sd_main.c');
const RULES = ['gfp-sleep-in-atomic', 'sleep-in-atomic'];

const cFiles = cFilesBelow;

/** The tree's .c files as the index summarises them (paths relative to the root), but for the excluded folders. */
async function indexedTree(excluded: readonly string[] = ['drivers/sleepdrv/']): Promise<IndexedFile[]> {
  const parser = await sharedParser();
  const db = new AnalysisDatabase();
  const relative = cFiles(TREE)
    .map((file) => path.relative(TREE, file).split(path.sep).join('/'))
    .filter((file) => !excluded.some((folder) => file.startsWith(folder)));
  assert.ok(relative.length >= 5, 'the fixture tree has its core and arch files');
  return relative.map((file) => {
    const text = fs.readFileSync(path.join(TREE, file), 'utf8');
    return indexedFileOf(db.fileSummary(collectFileFacts(file, text, parseText(parser, text), DEFAULT_CONFIG), []));
  });
}

async function treeFacts(excluded?: readonly string[]): Promise<KernelFacts> {
  return deriveKernelFacts(await indexedTree(excluded), { root: TREE, version: '6.1.0' });
}

const lineOf = (file: string, needle: string): number => firstLineWith(TREE, file, needle);

test('a core function three calls deep that takes a mutex: the exported entry may sleep, with the chain to mutex_lock()', async () => {
  const facts = await treeFacts();
  const prepare = facts.sleeps.find((fact) => fact.name === 'sc_clk_prepare');
  assert.ok(prepare, 'sc_clk_prepare() may sleep');
  assert.equal(prepare.when, undefined);
  assert.deepEqual(prepare.sleeping, { callee: 'mutex_lock' });
  assert.deepEqual(
    prepare.chain.map((hop) => `${hop.fn}@${facts.files[hop.file]}:${hop.line}`),
    [
      `sc_clk_prepare@drivers/sleepcore/sc_clk.c:${lineOf('drivers/sleepcore/sc_clk.c', 'return sc_core_prepare(clk);')}`,
      `sc_core_prepare@drivers/sleepcore/sc_clk.c:${lineOf('drivers/sleepcore/sc_clk.c', '\tsc_prepare_lock();')}`,
      `sc_prepare_lock@drivers/sleepcore/sc_clk.c:${lineOf('drivers/sleepcore/sc_clk.c', 'mutex_lock(&sc_prepare_mutex);')}`,
    ],
  );
  const names = facts.sleeps.map((fact) => fact.name);
  // Static helpers are facts of their file only; spinning, context-asking and always-false callers are silent.
  // A catalogued name is its model row (kfree() never sleeps), for itself and its callers.
  for (const silent of ['sc_prepare_lock', 'sc_core_prepare', 'sc_clk_enable', 'sc_clk_settle', 'sc_queue_kick', 'sc_strdup', 'sc_name', 'kfree', 'sc_free_name'])
    assert.ok(!names.includes(silent), `${silent}() is not said to sleep`);
});

test('a sleep guarded by `bool wait` is a condition on the argument, passed on by a relay', async () => {
  const facts = await treeFacts();
  const flush = facts.sleeps.find((fact) => fact.name === 'sc_queue_flush');
  const sync = facts.sleeps.find((fact) => fact.name === 'sc_queue_sync');
  assert.deepEqual(flush?.when, [{ parameter: 1, nonZero: true }]);
  assert.deepEqual(flush?.sleeping, { callee: 'wait_for_completion' });
  assert.deepEqual(sync?.when, [{ parameter: 1, nonZero: true }]);
  assert.deepEqual(
    sync?.chain.map((hop) => hop.fn),
    ['sc_queue_sync', 'sc_queue_flush'],
  );
  // `if (nonblock) return -EAGAIN;` before the wait: it sleeps when the flag is false.
  assert.deepEqual(facts.sleeps.find((fact) => fact.name === 'sc_queue_read')?.when, [{ parameter: 1, nonZero: false }]);
  // `if (wait && q->can_sleep)`: the queue's own flag also decides, at run time.
  assert.ok(!facts.sleeps.some((fact) => fact.name === 'sc_queue_poll'));
});

test('GFP-passing APIs: the mask parameter that reaches an allocation, directly and through another API', async () => {
  const facts = await treeFacts();
  assert.deepEqual(
    facts.masks.map((fact) => `${fact.name}:${fact.parameter}:${fact.api}:${fact.chain.map((hop) => hop.fn).join('>')}`),
    ['sc_name:0:kmalloc:sc_name>sc_strdup', 'sc_strdup:1:kmalloc:sc_strdup'],
  );
});

test('a name defined non-static in several files sleeps only if every definition does', async () => {
  const facts = await treeFacts();
  const names = facts.sleeps.map((fact) => fact.name);
  assert.ok(names.includes('sc_arch_wait'), 'both variants of sc_arch_wait() sleep');
  assert.ok(!names.includes('sc_arch_relax'), 'one variant of sc_arch_relax() only spins');
  // Indexed with the driver folder, sc_shadowed() has a second, non-sleeping definition too.
  assert.ok(names.includes('sc_shadowed'));
  assert.ok(!(await treeFacts([])).sleeps.some((fact) => fact.name === 'sc_shadowed'));
});

test('IndexedFile and KernelFacts survive structuredClone; the facts do not depend on the order of the files', async () => {
  const files = await indexedTree();
  assert.deepEqual(structuredClone(files), files);
  const facts = deriveKernelFacts(files, { root: TREE, version: '6.1.0' });
  assert.deepEqual(structuredClone(facts), facts);
  assert.deepEqual(deriveKernelFacts([...files].reverse(), { root: TREE, version: '6.1.0' }), facts);
  assert.deepEqual(Object.keys(facts).slice(0, 2), ['root', 'version']);
  assert.equal(Object.keys(files[0])[0], 'path');
});

test('driver under a spinlock: findings from the derived facts, exactly on the annotated lines', async () => {
  const kernelFacts = await treeFacts();
  const findings = await checkFixture(DRIVER, { rules: RULES, kernelFacts });
  const prepare = findings.find((finding) => finding.message.startsWith('sc_clk_prepare()'));
  const mutexLine = lineOf('drivers/sleepcore/sc_clk.c', 'mutex_lock(&sc_prepare_mutex);');
  assert.match(
    prepare?.message ?? '',
    new RegExp(
      `^sc_clk_prepare\\(\\) may sleep: \`mutex_lock\\(\\)\` at drivers/sleepcore/sc_clk\\.c:${mutexLine} via sc_core_prepare\\(\\) → sc_prepare_lock\\(\\) .*spin_lock\\(&priv->lock\\) is held since line`,
    ),
  );
  // The chain reaches into the tree: the call of the helper and the mutex_lock() itself.
  assert.deepEqual(
    prepare?.related.filter((related) => related.file).map((related) => `${path.relative(TREE, related.file!)}:${related.span.startLine + 1}`),
    [
      `drivers/sleepcore/sc_clk.c:${lineOf('drivers/sleepcore/sc_clk.c', 'return sc_core_prepare(clk);')}`,
      `drivers/sleepcore/sc_clk.c:${lineOf('drivers/sleepcore/sc_clk.c', '\tsc_prepare_lock();')}`,
      `drivers/sleepcore/sc_clk.c:${mutexLine}`,
    ],
  );
  const flush = findings.find((finding) => finding.message.startsWith('sc_queue_flush()'));
  assert.match(flush?.message ?? '', /at drivers\/sleepcore\/sc_queue\.c:\d+, when its 2nd argument is true \(non-zero\) as it is here \(derived/);
  const name = findings.find((finding) => finding.rule === 'gfp-sleep-in-atomic');
  assert.match(name?.message ?? '', /^sc_name\(\) allocates with the mask it is given \(kmalloc\(\) at drivers\/sleepcore\/sc_name\.c:\d+ via sc_strdup\(\)\), and this passes GFP_KERNEL/);
  assert.deepEqual(
    name?.fixes.map((fix) => fix.title),
    ['Use GFP_ATOMIC', 'Use GFP_NOWAIT'],
  );
});

test('without kernel facts, and after they are dropped, the driver is silent', async () => {
  const { facts, folder } = await fixtureFacts(DRIVER);
  const db = new AnalysisDatabase();
  const atomic = () => analyzeFile(facts, folder, {}, db).findings.filter((finding) => RULES.includes(finding.rule));
  assert.deepEqual(atomic(), []);
  db.setKernelFacts(await treeFacts());
  assert.equal(atomic().length, 6);
  db.setKernelFacts(undefined);
  assert.deepEqual(atomic(), []);
});

test('the may-sleep code lens and the hover show the chain into the tree', async () => {
  const kernelFacts = await treeFacts();
  const { facts, folder } = await fixtureFacts(DRIVER);
  const db = new AnalysisDatabase();
  db.setKernelFacts(kernelFacts);
  const mutexLine = lineOf('drivers/sleepcore/sc_clk.c', 'mutex_lock(&sc_prepare_mutex);');
  const titles = codeLensesFor(db, facts, folder, { uri: 'file:///sd_main.c', uriOf: (file) => `file://${file ?? ''}`, showChainCommand: false }).map((lens) => lens.command?.title);
  assert.ok(titles.includes(`may sleep: \`mutex_lock()\` at drivers/sleepcore/sc_clk.c:${mutexLine} via sc_clk_prepare() → sc_core_prepare() → sc_prepare_lock()`), titles.join('\n'));
  const text = fs.readFileSync(DRIVER, 'utf8').split('\n');
  const processLine = text.findIndex((line, index) => line.includes('sc_clk_prepare(priv->clk);') && !line.includes('expect') && index > 0);
  const hover = hoverAt(db, facts, folder, processLine, text[processLine].indexOf('sc_clk_prepare') + 1);
  assert.match(
    hover?.markdown ?? '',
    new RegExp(`\\*\\*May sleep\\*\\* — sc_clk_prepare\\(\\) may sleep: \`mutex_lock\\(\\)\` at drivers/sleepcore/sc_clk\\.c:${mutexLine} via sc_core_prepare\\(\\) → sc_prepare_lock\\(\\)`),
  );
  // A guarded sleep says its condition, whatever this call passes.
  const falseLine = text.findIndex((line) => line.includes('sc_queue_flush(priv->queue, false);'));
  assert.match(
    hoverAt(db, facts, folder, falseLine, text[falseLine].indexOf('sc_queue_flush') + 1)?.markdown ?? '',
    /may sleep: `wait_for_completion\(\)` at .*, when its 2nd argument is true \(non-zero\) \(derived/,
  );
  // The folder's own definition wins: no tree chain on the hover of sc_shadowed().
  const shadowLine = text.findIndex((line) => line.includes('sc_shadowed();'));
  assert.doesNotMatch(hoverAt(db, facts, folder, shadowLine, text[shadowLine].indexOf('sc_shadowed') + 1)?.markdown ?? '', /May sleep/);
});
