// The size scope is bound from per-file data (analysis/sizes/sizeData.ts): a sibling header's
// #defines and struct definitions reach a file's sizes without the header's tree, and a keystroke
// inside a function body re-merges no header macros, rescans no declarations and rebuilds no
// folder type layer (AnalysisDatabase.sizeWork counts each).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { FileFacts, collectFileFacts } from '../../server/src/analysis/fileFacts';
import { configOf, parseText, sharedParser } from '../support/fixtures';

const HEADER = `#ifndef RINGDRV_H
#define RINGDRV_H
#define RING_ENTRIES 64
struct ring_entry {
\tu64 addr;
\tu32 len;
\tu32 flags;
};
#endif
`;

const SOURCE = `#include <linux/slab.h>
#include "ringdrv.h"

static int ring_alloc(void **out)
{
\tstruct ring_entry *ring;

\tring = kmalloc(sizeof(*ring) * RING_ENTRIES, GFP_KERNEL);
\tif (!ring)
\t\treturn -ENOMEM;
\t*out = ring;
\treturn 0;
}
`;

const DIR = '/nonexistent/kalloc-test/ringdrv';

async function factsOf(name: string, text: string): Promise<FileFacts> {
  return collectFileFacts(`${DIR}/${name}`, text, parseText(await sharedParser(), text), configOf());
}

/** The file's facts with its tree deleted: anything that still reads the tree throws. */
function withoutTree(facts: FileFacts): FileFacts {
  facts.tree.delete();
  const gone = (): never => {
    throw new Error(`${facts.path}: its tree was deleted`);
  };
  return {
    path: facts.path,
    text: facts.text,
    config: facts.config,
    macros: facts.macros,
    scope: facts.scope,
    get tree() {
      return gone();
    },
    get calls() {
      return gone();
    },
    callsTo: gone,
    get allocations() {
      return gone();
    },
    get frees() {
      return gone();
    },
    get functions() {
      return gone();
    },
    get topLevel() {
      return gone();
    },
  };
}

function requested(facts: FileFacts): { value?: number; steps: string } {
  assert.equal(facts.allocations.length, 1);
  const bytes = facts.allocations[0].requestedBytes;
  return { value: bytes?.value, steps: bytes?.steps.join('; ') ?? '' };
}

test('a size from a sibling header (macro and struct) is bound from its data after its tree is deleted', async () => {
  const db = new AnalysisDatabase();
  const header = withoutTree(await factsOf('ringdrv.h', HEADER));
  const source = await factsOf('ringdrv.c', SOURCE);
  const bound = db.boundFacts(source, [header]);
  const size = requested(bound);
  assert.equal(size.value, 16 * 64);
  assert.match(size.steps, /RING_ENTRIES = 64 \(ringdrv\.h\)/);
  assert.match(size.steps, /sizeof\(struct ring_entry\) = 16/);
  // The same table serves the GFP and path evaluators of the file.
  assert.equal(db.macroScopeOf(source, [header]).macros.get('RING_ENTRIES')?.file, 'ringdrv.h');
  // The facts the view came from are untouched (facts are immutable).
  assert.equal(requested(source).value, undefined);
});

test('a keystroke inside a function body re-merges no macros, rescans no declarations, rebuilds no folder types', async () => {
  const db = new AnalysisDatabase();
  const header = await factsOf('ringdrv.h', HEADER);
  const folder = [header];
  assert.equal(requested(db.boundFacts(await factsOf('ringdrv.c', SOURCE), folder)).value, 1024);
  const first = { ...db.sizeWork };
  assert.deepEqual(first, { declarationScans: 2, headerMacroMerges: 1, folderTypeLayers: 1 });

  // One character typed inside ring_alloc()'s body, then another: a new version each time.
  const typed = SOURCE.replace('sizeof(*ring) *', 'sizeof(*ring)  *');
  for (const text of [typed, typed.replace('return -ENOMEM;', 'return -ENOMEMX;')]) {
    assert.equal(requested(db.boundFacts(await factsOf('ringdrv.c', text), folder)).value, 1024);
  }
  assert.deepEqual(db.sizeWork, first);

  // Controls: an edit outside any body rescans the file's declarations only; a new version of
  // the header merges its macros and rebuilds the folder's types once.
  const declared = await factsOf('ringdrv.c', `${SOURCE}\nstruct ring_stats { u32 drops; };\n`);
  assert.equal(requested(db.boundFacts(declared, folder)).value, 1024);
  assert.deepEqual(db.sizeWork, { ...first, declarationScans: first.declarationScans + 1 });
  const header2 = await factsOf('ringdrv.h', HEADER.replace('RING_ENTRIES 64', 'RING_ENTRIES 32'));
  assert.equal(requested(db.boundFacts(declared, [header2])).value, 16 * 32);
  assert.deepEqual(db.sizeWork, { declarationScans: first.declarationScans + 2, headerMacroMerges: 2, folderTypeLayers: 2 });
});
