// The kernel headers' types from the index (analysis/index/headerTypes.ts): `kalloc index` of the
// fixture tree (test/fixtures/kernel-tree/include/linux/hdr_*.h), copied twice to a temp folder,
// one copy with a .config and one without, then `kalloc check --kernel-dir` of the drivers whose
// sizes need those types (drivers/hdrdemo) or shadow them with their own (drivers/hdrshadow).
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { after, before, describe, test } from 'node:test';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { FIXTURES } from '../support/paths';
import { kalloc } from './run';
import { firstLineWith } from '../support/fixtureText';

const FIXTURE_TREE = path.join(FIXTURES, 'kernel-tree');
const DOT_CONFIG = ['CONFIG_X86_64=y', 'CONFIG_64BIT=y', 'CONFIG_SMP=y', 'CONFIG_HDR_MUTEX_SPIN_ON_OWNER=y', '# CONFIG_HDR_DEBUG_SPINLOCK is not set', ''].join('\n');

const lineOf = (file: string, needle: string): number => firstLineWith(FIXTURE_TREE, file, needle);

const SLOTS = lineOf('drivers/hdrdemo/hdr_demo.c', 'kzalloc(1024 * sizeof(*demo->slots)');
const RINGS = lineOf('drivers/hdrdemo/hdr_demo.c', 'kcalloc(64, sizeof(struct hdr_ring)');

describe('kernel-header types from the index', () => {
  let work = '';
  let previousCache: string | undefined;
  const tree = (name: string) => path.join(work, name);

  before(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-hdr-')));
    previousCache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = path.join(work, 'cache');
    for (const name of ['plain', 'configured']) fs.cpSync(FIXTURE_TREE, tree(name), { recursive: true });
    fs.writeFileSync(path.join(tree('configured'), '.config'), DOT_CONFIG);
    for (const name of ['plain', 'configured']) {
      const run = kalloc(['index', '--jobs', '1', tree(name)]);
      assert.equal(run.status, 0, run.stderr);
    }
  });
  after(() => {
    if (previousCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = previousCache;
    fs.rmSync(work, { recursive: true, force: true });
  });

  const check = (name: string, ...extra: string[]) =>
    kalloc(['check', ...extra, '--kernel-dir', tree(name), path.join(tree(name), 'drivers', 'hdrdemo'), path.join(tree(name), 'drivers', 'hdrshadow')]);

  test('with the .config: a struct holding a header mutex has its size, and the finding names the header', () => {
    const run = check('configured');
    assert.equal(run.status, 1, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `hdr_demo\\.c:${SLOTS}:\\d+: warning: kzalloc\\(\\) of 40960 bytes = 40 KiB .* at order 4 .*Size: sizeof\\(\\*demo->slots\\) = sizeof\\(struct hdr_demo_slot\\) = 40 \\(hdr_demo\\.c\\): lock 32 @0, tag 8 @32; from the kernel headers: struct hdr_mutex \\(include/linux/hdr_lock\\.h\\)\\. \\[kmalloc-costly-order\\]`,
      ),
    );
    assert.match(
      run.stdout,
      new RegExp(
        `hdr_demo\\.c:${RINGS}:\\d+: warning: kcalloc\\(\\) of 33280 bytes .*Size: sizeof\\(struct hdr_ring\\) = 520 \\(include/linux/hdr_ring\\.h\\): head 4 @0, tail 4 @4, slots 512 @8; 64 × 520 = 33280\\. \\[kmalloc-costly-order\\]`,
      ),
    );
    // Only those two: the 640-byte spare and the shadowing driver's own struct hdr_mutex stay clean.
    assert.equal(run.stdout.match(/warning:|information:|hint:|error:/g)?.length, 2, run.stdout);
    assert.doesNotMatch(run.stdout, /hdr_shadow\.c/);
  });

  test('without a .config: the config-dependent mutex is unknown (silent); the ring, which depends on none, is not', () => {
    const run = check('plain');
    assert.equal(run.status, 1, run.stderr);
    assert.doesNotMatch(run.stdout, new RegExp(`hdr_demo\\.c:${SLOTS}:`));
    assert.match(run.stdout, new RegExp(`hdr_demo\\.c:${RINGS}:\\d+: warning: kcalloc\\(\\) of 33280 bytes`));
    assert.equal(run.stdout.match(/warning:|information:|hint:|error:/g)?.length, 1, run.stdout);
  });

  test('--no-index: no header types, every size above is unknown', () => {
    const run = check('configured', '--no-index');
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /hdr_demo\.c:\d+/);
  });

  const storedTables = () =>
    fs.readdirSync(path.join(work, 'cache', 'kernel-alloc-lens', 'index')).map((name) => {
      const stored = v8.deserialize(fs.readFileSync(path.join(work, 'cache', 'kernel-alloc-lens', 'index', name, 'facts.v8'))) as {
        root: string;
        facts: { headerTypes?: { sourceKey?: string; kconfigKey?: string; leftOut: number; records: { name?: string; file?: string }[]; typedefs: { name: string }[] } };
      };
      return { root: stored.root, table: stored.facts.headerTypes! };
    });

  test('the table is stored with the facts: the .config decides which spinlock header is compiled', () => {
    const tables = storedTables();
    const configured = tables.find((entry) => entry.root === tree('configured'))!.table;
    const plain = tables.find((entry) => entry.root === tree('plain'))!.table;
    assert.ok(configured.kconfigKey && plain.kconfigKey === undefined);
    // The fixture tree's other headers (other tests' cases) are not this test's subject.
    const own = (record: { file?: string }) => /\/hdr_[a-z_]+\.h$/.test(record.file ?? '');
    assert.deepEqual(
      configured.records
        .filter(own)
        .map((record) => `${record.name} ${record.file}`)
        .sort(),
      ['hdr_mutex include/linux/hdr_lock.h', 'hdr_raw_spinlock include/linux/hdr_spinlock_types.h', 'hdr_ring include/linux/hdr_ring.h', 'hdr_spin_queue include/linux/hdr_lock.h'],
    );
    // linux/hdr_spinlock_types_up.h is included only under !CONFIG_SMP: left out, so hdr_spinlock_t is defined once.
    assert.equal(configured.leftOut, 1);
    assert.deepEqual(
      configured.typedefs.map((typedef) => typedef.name),
      ['hdr_spinlock_t'],
    );
    // Without the .config: hdr_spinlock_t has two definitions and struct hdr_mutex an undecided member.
    assert.deepEqual(
      plain.records
        .filter(own)
        .map((record) => record.name)
        .sort(),
      ['hdr_ring', 'hdr_spin_queue'],
    );
    assert.deepEqual(plain.typedefs, []);
  });

  test('re-indexing reuses the table while no header changed; an edited header is read again', () => {
    const keyOf = () => storedTables().find((entry) => entry.root === tree('plain'))!.table.sourceKey;
    const first = keyOf();
    assert.ok(first);
    assert.equal(kalloc(['index', '--jobs', '1', tree('plain')]).status, 0);
    assert.equal(keyOf(), first, 'nothing changed: the same table');
    const ring = path.join(tree('plain'), 'include', 'linux', 'hdr_ring.h');
    fs.writeFileSync(ring, fs.readFileSync(ring, 'utf8').replace('#define HDR_RING_SLOTS 64', '#define HDR_RING_SLOTS 32'));
    const run = kalloc(['index', '--jobs', '1', tree('plain')]);
    assert.equal(run.status, 0, run.stderr);
    assert.notEqual(keyOf(), first);
    // 64 rings of 8 + 32 * 8 = 264 bytes: 16896 bytes, order 3, not above the costly order.
    assert.doesNotMatch(check('plain').stdout, new RegExp(`hdr_demo\\.c:${RINGS}:`));
  });
});
