// The README's CI recipe, run as written: its check step, for every shard of its matrix, on a
// fixture tree laid out like a kernel checkout with this project at .kalloc. The shards' SARIF
// together must equal the unsharded run's: the same results, each file in exactly one shard.
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { FIXTURES, ROOT } from '../support/paths';
import { sarifSchemaErrors, tempTree } from './run';

interface Recipe {
  shards: number[];
  /** The check step's shell command, `${{ matrix.shard }}` still in it. */
  command: string;
}

function readRecipe(): Recipe {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### CI: split a tree'));
  const workflow = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(workflow, 'the CI section has a workflow');
  const shards = /^\s+shard: \[([\d, ]+)\]$/m.exec(workflow)?.[1].split(',').map(Number);
  const command = /^\s+run: (.*--shard .*)$/m.exec(workflow)?.[1];
  assert.ok(shards && command, 'a shard matrix and a run step with --shard');
  return { shards, command };
}

function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

interface SarifRun {
  results: { ruleId: string; message: { text: string }; locations: unknown[]; relatedLocations: unknown[]; partialFingerprints: unknown }[];
  artifacts: { location: { uri: string } }[];
}

test("the README's --shard matrix, run locally: the union of the shards is the unsharded run", () => {
  const { shards, command } = readRecipe();
  assert.deepEqual(
    shards,
    shards.map((_, index) => index + 1),
    'shards 1..N',
  );
  assert.match(command, new RegExp(`--shard \\$\\{\\{ matrix\\.shard \\}\\}/${shards.length} `), 'N in the command is the matrix size');

  const checkout = tempTree({});
  try {
    // A kernel-like checkout: drivers/ holds every fixture folder and a few generated ones, so
    // there are more folders than shards; this project is checked out at .kalloc as in the recipe.
    copyTree(FIXTURES, path.join(checkout.dir, 'drivers', 'fixtures'));
    copyTree(path.join(ROOT, 'examples'), path.join(checkout.dir, 'drivers', 'examples'));
    for (let index = 0; index < 8; index++) {
      fs.mkdirSync(path.join(checkout.dir, 'drivers', 'misc', `gen${index}`), { recursive: true });
      fs.writeFileSync(
        path.join(checkout.dir, 'drivers', 'misc', `gen${index}`, 'gen.c'),
        `#include <linux/slab.h>\nvoid *gen${index}(void)\n{\n\treturn kmalloc(${index + 1} * 4194304, GFP_KERNEL);\n}\n`,
      );
    }
    fs.symlinkSync(ROOT, path.join(checkout.dir, '.kalloc'), 'dir');

    const runStep = (line: string, output: string): SarifRun => {
      const step = spawnSync('bash', ['-c', line], { cwd: checkout.dir, encoding: 'utf8' });
      assert.ok(step.status === 0 || step.status === 1, `${line}: exit ${step.status} ${step.stderr}`);
      const sarif = JSON.parse(fs.readFileSync(path.join(checkout.dir, output), 'utf8'));
      assert.deepEqual(sarifSchemaErrors(sarif), [], output);
      return sarif.runs[0];
    };
    const sharded = shards.map((shard) => runStep(command.replaceAll('${{ matrix.shard }}', String(shard)), `kalloc-${shard}.sarif`));
    const full = runStep(command.replaceAll('${{ matrix.shard }}', 'all').replace(/--shard \S+ /, ''), 'kalloc-all.sarif');

    const files = (run: SarifRun) => run.artifacts.map((artifact) => artifact.location.uri);
    const shardOf = new Map<string, number>();
    sharded.forEach((run, index) => {
      for (const file of files(run)) {
        assert.equal(shardOf.get(file), undefined, `${file} is in shards ${shardOf.get(file)} and ${index + 1}`);
        shardOf.set(file, index + 1);
      }
    });
    assert.deepEqual([...shardOf.keys()].sort(), files(full).sort(), 'every file of the full run in exactly one shard');
    assert.ok(sharded.filter((run) => run.artifacts.length > 0).length >= 2, 'the work is really split');
    for (const folder of new Set(files(full).map((file) => path.posix.dirname(file)))) {
      const owners = new Set(
        files(full)
          .filter((file) => path.posix.dirname(file) === folder)
          .map((file) => shardOf.get(file)),
      );
      assert.equal(owners.size, 1, `${folder} is whole in one shard`);
    }

    // Results carry no per-run indices except artifactLocation.index: compare them without it.
    const key = (result: SarifRun['results'][number]) => JSON.stringify(result, (name, value) => (name === 'index' ? undefined : value));
    const union = sharded.flatMap((run) => run.results.map(key)).sort();
    assert.ok(union.length > 0, 'the tree has findings');
    assert.deepEqual(union, full.results.map(key).sort());
  } finally {
    checkout.remove();
  }
});
