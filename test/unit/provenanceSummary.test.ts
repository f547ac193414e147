// Provenance summaries on small functions: allocation families of locals and fields, what a
// function returns, frees and sink uses, all as plain data; and the folder composition reading a
// sibling's summary only, with the sibling's tree deleted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { FileFacts, collectFileFacts } from '../../server/src/analysis/fileFacts';
import type { PointerSource, ProvenanceSummary, SymbolicProvenance } from '../../server/src/analysis/provenance/provenanceFacts';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { freeMismatch } from '../../server/src/rules/freeMismatch';
import { noncontiguousDma } from '../../server/src/rules/noncontiguousDma';
import { parseText, sharedParser } from '../support/fixtures';

async function factsOf(text: string, path: string): Promise<FileFacts> {
  const parser = await sharedParser();
  return collectFileFacts(path, text, parseText(parser, text), DEFAULT_CONFIG);
}

/** The origins and steps a provenance names, as `origin via…` strings. */
function described(sources: readonly PointerSource[]): string[] {
  return sources.map((source) => [source.origin, ...source.via].join(' / '));
}

/** The terms of a file-local provenance, without resolving anything: `source:vmalloc`, `helper:make`, `field:->buf`. */
function terms(provenance: SymbolicProvenance | null | undefined): string[] {
  assert.ok(provenance, 'a provenance');
  return provenance.terms.map((term) => (term.kind === 'source' ? `source:${term.source.origin}` : term.kind === 'helper' ? `helper:${term.name}` : `field:${term.read.operator}${term.read.field}`));
}

function returnsOf(summary: ProvenanceSummary, name: string): SymbolicProvenance | null {
  const fn = summary.functions.find((candidate) => candidate.name === name);
  assert.ok(fn, `function ${name}()`);
  return fn.returns;
}

const LOCAL = `struct drv {
	void *buf;
	void *tbl;
	u8 *cmd;
};

static void *make(size_t n)
{
	return vzalloc(n);
}

static int count(void)
{
	return 3;
}

void nothing(void)
{
}

int setup(struct device *dev, struct drv *d)
{
	void *p = kmalloc(64, GFP_KERNEL);
	u8 stackbuf[16];

	d->buf = p;
	d->tbl = make(128);
	d->cmd = stackbuf;
	dma_map_single(dev, d->tbl, 128, DMA_TO_DEVICE);
	kfree(d->buf);
	vfree(p);
	return 0;
}
`;

test('a summary holds the families of locals and fields, returns, frees and sinks as data', async () => {
  const db = new AnalysisDatabase();
  const facts = await factsOf(LOCAL, '/drv/local.c');
  const summary = db.provenanceSummary(facts);
  // Returns: an allocation family, a number (no memory), no return statement at all.
  assert.deepEqual(terms(returnsOf(summary, 'make')), ['source:vmalloc']);
  assert.deepEqual(terms(returnsOf(summary, 'count')), []);
  assert.equal(returnsOf(summary, 'count')?.unknown, false);
  assert.equal(returnsOf(summary, 'nothing'), null);
  // Field writes: a local's allocation, a helper's return (a reference the folder resolves), a stack array.
  assert.deepEqual(terms(summary.writes.get('buf')?.[0].value), ['source:slab']);
  assert.deepEqual(terms(summary.writes.get('tbl')?.[0].value), ['helper:make']);
  assert.deepEqual(terms(summary.writes.get('cmd')?.[0].value), ['source:stack']);
  assert.deepEqual(summary.writes.get('buf')?.[0].owner, { type: 'struct drv', members: [] });
  // Frees: the pointer argument of each, reading a field or a local.
  assert.deepEqual(
    summary.frees.map((free) => [free.api, free.pointer?.text, terms(free.pointer?.provenance)]),
    [
      ['kfree', 'd->buf', ['field:->buf']],
      ['vfree', 'p', ['source:slab']],
    ],
  );
  // The use that rejects vmalloc memory, with the buffer's provenance.
  assert.deepEqual(
    summary.rejectingUses.map((use) => [use.sink, use.line, terms(use.buffer)]),
    [[{ kind: 'call', name: 'dma_map_single' }, 28, ['field:->tbl']]],
  );
  // Spans are document rows of this version: kmalloc() is on line 23 (0-based 22).
  const kmalloc = summary.writes.get('buf')?.[0].value.terms[0];
  assert.equal(kmalloc?.kind === 'source' && kmalloc.source.span.startLine, 22);
  // Plain data: a structured clone is the same summary.
  assert.deepEqual(structuredClone(summary), summary);
  // The composition resolves the references: the field holds kmalloc memory, the helper vmalloc memory.
  const composed = db.provenance(facts, []);
  const free = summary.frees[0];
  assert.deepEqual(described(composed.resolve(free.pointer!.provenance).sources), ['slab / field ->buf']);
  assert.deepEqual(described(composed.resolve(summary.rejectingUses[0].buffer).sources), ['vmalloc / returned by make() / field ->tbl']);
});

test('free-mismatch and noncontiguous-dma read the composed facts of one file', async () => {
  const db = new AnalysisDatabase();
  const facts = await factsOf(LOCAL, '/drv/local.c');
  const frees = freeMismatch.check({ facts, folder: [], db });
  assert.deepEqual(
    frees.map((finding) => [finding.span.startLine, /^vfree\(\) of memory from kmalloc\(\) at line 23/.test(finding.message)]),
    [[30, true]],
  );
  const dma = noncontiguousDma.check({ facts, folder: [], db });
  assert.equal(dma.length, 1);
  assert.match(dma[0].message, /vzalloc\(\) at line 9 \(returned by make\(\), field ->tbl\)/);
});

const LOAD = `struct drv {
	void *buf;
};

void *drv_table(void)
{
	return vmalloc(8192);
}

int drv_load(struct drv *d)
{
	d->buf = vzalloc(4096);
	return d->buf ? 0 : -ENOMEM;
}
`;

const CORE = `struct drv {
	void *buf;
};

void *drv_table(void);

int drv_start(struct device *dev, struct drv *d)
{
	dma_map_single(dev, d->buf, 4096, DMA_TO_DEVICE);
	return 0;
}

void drv_stop(struct drv *d)
{
	kfree(drv_table());
}
`;

test("a sibling's provenance summary, not its tree, gives the cross-file findings", async () => {
  const db = new AnalysisDatabase();
  const load = await factsOf(LOAD, '/drv/load.c');
  const core = await factsOf(CORE, '/drv/core.c');
  db.provenanceSummary(load);
  // From here on, reading the sibling's tree fails.
  load.tree.delete();
  const dma = noncontiguousDma.check({ facts: core, folder: [load], db });
  assert.equal(dma.length, 1);
  assert.match(dma[0].message, /`d->buf` is vmalloc memory \(from vzalloc\(\) at load\.c:12 \(field ->buf\)\)/);
  assert.equal(dma[0].related[0].file, '/drv/load.c');
  assert.equal(dma[0].related[0].span.startLine, 11);
  const frees = freeMismatch.check({ facts: core, folder: [load], db });
  assert.equal(frees.length, 1);
  assert.match(frees[0].message, /^kfree\(\) of memory from vmalloc\(\) at load\.c:7 \(returned by drv_table\(\)\)/);
});

const VERSIONED = `static void *pool;

void pool_set(void)
{
	pool = vmalloc(4096);
}

void *pool_get(void)
{
	return pool;
}

void *table_new(void)
{
	void *t = vzalloc(64);
	return t;
}
`;

test('an edit re-summarises the edited function and those reading outside themselves; the rest is reused, moved', async () => {
  const db = new AnalysisDatabase();
  const entry = (summary: ProvenanceSummary, name: string) => summary.entries[summary.functions.findIndex((fn) => fn.name === name)];
  const sourceOf = (summary: ProvenanceSummary, name: string) => {
    const term = entry(summary, name).returns?.terms[0];
    assert.ok(term?.kind === 'source', `${name}() returns an allocation`);
    return term.source;
  };
  const first = db.provenanceSummary(await factsOf(VERSIONED, '/drv/pool.c'));
  assert.equal(entry(first, 'table_new').selfContained, true);
  // pool_get() reads a file-scope variable: it does not depend on its own text alone.
  assert.equal(entry(first, 'pool_get').selfContained, false);
  assert.equal(sourceOf(first, 'pool_get').origin, 'vmalloc');

  // An edit in the last function: the others keep their entries as they were.
  const tableEdit = VERSIONED.replace('vzalloc(64)', 'vzalloc(128)');
  const second = db.provenanceSummary(await factsOf(tableEdit, '/drv/pool.c'));
  assert.equal(entry(second, 'pool_set'), entry(first, 'pool_set'));
  assert.deepEqual(second, new AnalysisDatabase().provenanceSummary(await factsOf(tableEdit, '/drv/pool.c')));

  // One line more in pool_set(), and kmalloc() instead of vmalloc(): table_new() moves one row
  // down with its entry, pool_get() is re-summarised and sees the new allocation.
  const setEdit = tableEdit.replace('\tpool = vmalloc(4096);', '\tpr_debug("set\\n");\n\tpool = kmalloc(4096, GFP_KERNEL);');
  const third = db.provenanceSummary(await factsOf(setEdit, '/drv/pool.c'));
  assert.deepEqual(third, new AnalysisDatabase().provenanceSummary(await factsOf(setEdit, '/drv/pool.c')));
  assert.equal(sourceOf(third, 'table_new').span.startLine, sourceOf(second, 'table_new').span.startLine + 1);
  assert.equal(sourceOf(third, 'pool_get').origin, 'slab');
  assert.equal(sourceOf(third, 'pool_get').span.startLine, 5);
});
