// `kalloc index` on the fixture kernel tree (test/fixtures/kernel-tree/, copied to a temp folder so
// its files can be touched), with the cache in a temp XDG_CACHE_HOME; and `kalloc check` reading it.
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { after, before, describe, test } from 'node:test';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { FIXTURES } from '../support/paths';
import { CLI, interruptAfterProgress, kalloc } from './run';

const FIXTURE_TREE = path.join(FIXTURES, 'kernel-tree');
/** Every .c of the fixture tree, found by walking it here (other suites add files to the same tree). */
const SOURCES = (fs.readdirSync(FIXTURE_TREE, { recursive: true }) as string[])
  .filter((file) => file.endsWith('.c'))
  .map((file) => file.split(path.sep).join('/'))
  .sort();
const N = SOURCES.length;

describe('kalloc index', () => {
  let work = '';
  let tree = '';
  let cache = '';
  const indexRoot = () => path.join(cache, 'kernel-alloc-lens', 'index');
  /** The one index folder of the run (there is one tree). */
  const indexDir = () => {
    const names = fs.readdirSync(indexRoot());
    assert.equal(names.length, 1, `one index folder: ${names.join(', ')}`);
    return path.join(indexRoot(), names[0]);
  };
  const storedFiles = () => v8.deserialize(fs.readFileSync(path.join(indexDir(), 'files.v8'))) as { entries: Record<string, { file: { path: string; functions: { name: string }[] } }> };
  const index = (...args: string[]) => kalloc(['index', '--jobs', '2', ...args, tree]);

  before(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-index-')));
    tree = path.join(work, 'linux');
    fs.cpSync(FIXTURE_TREE, tree, { recursive: true });
    cache = path.join(work, 'cache');
    // The CLI runs in a child process that inherits this environment.
    process.env.XDG_CACHE_HOME = cache;
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  test('summarises every .c file of the tree into the cache, keyed by the tree and its release', () => {
    const run = index();
    assert.equal(run.status, 0, run.stderr);
    const sources = SOURCES;
    assert.match(run.stdout, new RegExp(`indexed ${tree} \\(kernel 6\\.1\\.0\\): ${sources.length} \\.c files, 0 reused, ${sources.length} summarised, 0 failed`));
    assert.match(path.basename(indexDir()), /^[0-9a-f]{16}-6\.1\.0$/);
    assert.match(run.stdout, /B on disk in /);
    const entries = storedFiles().entries;
    assert.deepEqual(Object.keys(entries).sort(), sources);
    assert.equal(entries['core/idxcore/idx_core.c'].file.path, 'core/idxcore/idx_core.c', 'paths are relative to the tree');
    assert.ok(fs.existsSync(path.join(indexDir(), 'facts.v8')));
    const account = JSON.parse(fs.readFileSync(path.join(indexDir(), 'index.json'), 'utf8'));
    assert.equal(account.complete, true);
    assert.equal(account.root, tree);
    // Atomic writes leave no temporary file behind.
    assert.deepEqual(fs.readdirSync(indexDir()).sort(), ['facts.v8', 'files.v8', 'index.json']);
  });

  test('a second run reuses every unchanged file', () => {
    const run = index();
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`${N} \\.c files, ${N} reused, 0 summarised, 0 failed`));
  });

  test('an edited file is summarised again, and only it', () => {
    const file = path.join(tree, 'core/idxcore/idx_alloc.c');
    fs.appendFileSync(file, '\nvoid idx_core_drop(void *slot)\n{\n\tkfree(slot);\n}\n');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    const run = index();
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`${N} \\.c files, ${N - 1} reused, 1 summarised, 0 failed`));
    assert.deepEqual(
      storedFiles().entries['core/idxcore/idx_alloc.c'].file.functions.map((fn) => fn.name),
      ['idx_core_slot', 'idx_core_drop'],
    );
  });

  test('a file that cannot be analysed is left out with a note, the rest is indexed', () => {
    const bad = path.join(tree, 'drivers/idxdemo/idx_blob.c');
    fs.writeFileSync(bad, Buffer.from([0x69, 0x6e, 0x74, 0x00, 0x01, 0x02]));
    try {
      const run = index();
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /left out of the index: drivers\/idxdemo\/idx_blob\.c: .*binary/);
      assert.match(run.stdout, new RegExp(`${N + 1} \\.c files, ${N} reused, 0 summarised, 1 failed`));
    } finally {
      fs.rmSync(bad);
    }
  });

  test('a corrupt cache is rebuilt, with a message', () => {
    fs.writeFileSync(path.join(indexDir(), 'files.v8'), 'not an index');
    const run = index();
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /files\.v8 is corrupt .*; rebuilding the index from scratch/);
    assert.match(run.stdout, new RegExp(`${N} \\.c files, 0 reused, ${N} summarised, 0 failed`));
  });

  test('a cache of another format is rebuilt, with a message', () => {
    const file = path.join(indexDir(), 'files.v8');
    const stored = v8.deserialize(fs.readFileSync(file)) as { format: number };
    fs.writeFileSync(file, v8.serialize({ ...stored, format: 0 }));
    const run = index();
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /has format 0, this version of kalloc writes format \d+; rebuilding the index from scratch/);
    assert.match(run.stdout, new RegExp(`0 reused, ${N} summarised`));
  });

  test('the tree is found from the current folder, as the editor finds it', () => {
    const run = kalloc(['index', '--jobs', '1'], path.join(tree, 'drivers', 'idxdemo'));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`indexed ${tree} .*${N} reused`));
  });

  test('a folder that is not a kernel tree is refused with a clear message and no cache', () => {
    const plain = path.join(work, 'plain');
    fs.mkdirSync(plain);
    fs.writeFileSync(path.join(plain, 'Makefile'), 'obj-m := plain.o\n');
    const before = fs.readdirSync(indexRoot());
    const run = kalloc(['index', plain]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /is not a kernel source tree: its Makefile sets no VERSION and PATCHLEVEL/);
    assert.equal(run.stdout, '');
    assert.deepEqual(fs.readdirSync(indexRoot()), before);
    const missing = kalloc(['index', path.join(work, 'nowhere')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read .*nowhere: ENOENT/);
    const none = kalloc(['index'], work);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no kernel tree given, and none found from/);
  });

  test('a cache folder that cannot be written is a clear error, not a crash', () => {
    // A file where the cache folder should be: no permission trick needed (tests may run as root).
    const blocked = path.join(work, 'blocked-cache');
    fs.writeFileSync(blocked, '');
    const run = spawnSync(process.execPath, [CLI, 'index', tree], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: blocked } });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^kalloc: cannot create the index folder .*blocked-cache\/kernel-alloc-lens\/index\/[0-9a-f]{16}-6\.1\.0: E[A-Z]+\n$/);
  });

  describe('kalloc check with the index', () => {
    const driver = () => path.join(tree, 'drivers', 'idxdemo');

    test('--kernel-dir: the summary line says which index was used', () => {
      const run = kalloc(['check', '--kernel-dir', tree, driver()]);
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stdout, new RegExp(`; kernel index: ${tree} \\(kernel 6\\.1\\.0, ${N} files\\)$`, 'm'));
      // The callee's mutex is two folders away (core/idxcore): only the index's derived facts see it.
      assert.match(run.stdout, /idx_demo\.c:19:2: warning: idx_core_flush\(\) may sleep: `mutex_lock\(\)` at core\/idxcore\/idx_core\.c:\d+ .*\[sleep-in-atomic\]/);
      assert.doesNotMatch(run.stdout, /idx_demo\.c:20:/);
    });

    test("--kernel-dir: a driver's ops initialiser of a field the tree calls only under a spinlock is atomic; other fields are not", () => {
      const folder = path.join(tree, 'drivers', 'fxdrv');
      const source = fs.readFileSync(path.join(folder, 'fx_drv.c'), 'utf8').split('\n');
      const annotated = source.flatMap((line, index) => (/\/\/ expect: /.test(line) ? [`${index + 1}:${/expect: ([a-z-]+)/.exec(line)![1]}`] : [])).sort();
      assert.equal(annotated.length, 3, 'the fixture annotates .start (twice) and .poll');
      const reported = (run: { stdout: string }) => [...run.stdout.matchAll(/fx_drv\.c:(\d+):\d+: \w+: .*\[([a-z-]+)\]$/gm)].map((match) => `${match[1]}:${match[2]}`).sort();
      const run = kalloc(['check', '--kernel-dir', tree, folder]);
      assert.equal(run.status, 1, run.stderr);
      assert.deepEqual(reported(run), annotated, run.stdout);
      assert.match(
        run.stdout,
        /fxd_start\(\) is a `\.start` of struct fx_ops stored at line \d+, which the kernel tree calls only in atomic context \(entered with `spin_lock_irqsave\(&dev->lock\)` held: core\/fxcore\/fx_core\.c:\d+ calls `dev->ops->start` in fx_core_kick\(\)\)/,
      );
      const without = kalloc(['check', '--no-index', folder]);
      assert.equal(without.status, 0, without.stderr);
      assert.deepEqual(reported(without), []);
    });

    test('a tree found above the checked folder gives its index too; --no-index leaves it out', () => {
      const found = kalloc(['check', driver()]);
      assert.equal(found.status, 1, found.stderr);
      assert.match(found.stdout, /; kernel index: /);
      assert.match(found.stdout, /idx_core_flush\(\) may sleep/);
      const skipped = kalloc(['check', '--no-index', driver()]);
      assert.equal(skipped.status, 0, skipped.stderr);
      assert.doesNotMatch(skipped.stdout, /kernel index/);
      assert.doesNotMatch(skipped.stdout, /may sleep/);
    });

    test('an unusable index is not used, with a note saying how to rebuild it', () => {
      const facts = path.join(indexDir(), 'facts.v8');
      const saved = fs.readFileSync(facts);
      fs.writeFileSync(facts, saved.subarray(0, 10));
      try {
        const run = kalloc(['check', '--kernel-dir', tree, driver()]);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stderr, /facts\.v8 is corrupt .*checking without the index \(kalloc index .* rebuilds it\)/);
        assert.doesNotMatch(run.stdout, /kernel index/);
      } finally {
        fs.writeFileSync(facts, saved);
      }
    });

    test('a tree without an index is checked without one, with a note', () => {
      const other = path.join(work, 'other-linux');
      fs.cpSync(FIXTURE_TREE, other, { recursive: true });
      const run = kalloc(['check', '--kernel-dir', other, path.join(other, 'drivers', 'idxdemo')]);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /no index of .*other-linux yet \(kalloc index .* builds it\); checking without one/);
      assert.doesNotMatch(run.stdout, /kernel index/);
    });
  });
});

describe('kalloc index, interrupted', () => {
  let work = '';
  before(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-index-int-')));
    process.env.XDG_CACHE_HOME = path.join(work, 'cache');
    // 40 folders of 20 files: seconds of work for one worker.
    fs.writeFileSync(path.join(work, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\n');
    const body = Array.from({ length: 30 }, (_, index) => `static int helper${index}(int x)\n{\n\tif (x > ${index})\n\t\treturn x * ${index};\n\treturn 0;\n}\n`).join('\n');
    for (let folder = 0; folder < 40; folder++) {
      fs.mkdirSync(path.join(work, 'drivers', `d${folder}`), { recursive: true });
      for (let file = 0; file < 20; file++) fs.writeFileSync(path.join(work, 'drivers', `d${folder}`, `f${file}.c`), body);
    }
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  test('SIGINT keeps the files summarised so far, writes no facts and no temporary file; the next run reuses them', async () => {
    const run = await interruptAfterProgress(['index', '--jobs', '1', '--progress-interval', '0.1', work], undefined, 'SIGINT');
    assert.ok(run.doneAtSignal > 0, `a progress line appeared: ${run.stderr}`);
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /interrupted by SIGINT; the \d+ files indexed so far are kept for the next run/);
    const kept = Number(/incomplete: 800 \.c files, 0 reused, (\d+) summarised, 0 failed/.exec(run.stdout)?.[1]);
    assert.ok(kept >= run.doneAtSignal && kept < 800, `summarised before the signal: ${run.stdout}`);
    const root = path.join(work, 'cache', 'kernel-alloc-lens', 'index');
    const [dir] = fs.readdirSync(root);
    assert.deepEqual(fs.readdirSync(path.join(root, dir)).sort(), ['files.v8', 'index.json'], 'no facts from an incomplete run, no temporary file');

    const again = kalloc(['index', '--jobs', '2', work]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`800 \\.c files, ${kept} reused, ${800 - kept} summarised, 0 failed`));
    assert.ok(fs.existsSync(path.join(root, dir, 'facts.v8')));
  });
});
