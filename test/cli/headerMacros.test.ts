// The kernel headers' function-like macros from the index (analysis/index/headerMacros.ts):
// `kalloc index` of the fixture tree (test/fixtures/kernel-tree/include/linux/hdr_poll.h), copied
// to a temp folder, then `kalloc check --kernel-dir` of the driver that uses them
// (drivers/hdrmacro): the sleeping poll with a nonzero sleep_us and the nap under the header's
// lock macro are found, with the macros and the header named; the constant-0 poll, the _atomic
// poll and the driver's own definition of a header macro's name stay silent.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { after, before, describe, test } from 'node:test';
import * as os from 'os';
import * as path from 'path';
import { FIXTURES } from '../support/paths';
import { kalloc } from './run';
import { firstLineWith } from '../support/fixtureText';

const FIXTURE_TREE = path.join(FIXTURES, 'kernel-tree');
const DRIVER = 'drivers/hdrmacro/hm_main.c';
const lineOf = (needle: string): number => firstLineWith(FIXTURE_TREE, DRIVER, needle);

const POLL = lineOf('hm->val & 1, 20, 100); /* sleeps */');
const LOCK = lineOf('spin_lock(&hm->lock);');
const NAP = lineOf('hdr_nap(1); /* under');
const OBJ_LOCK = lineOf('hdr_obj_lock(hm);');
const POLL_HEADER = firstLineWith(FIXTURE_TREE, 'include/linux/hdr_poll.h', '#define hdr_poll_timeout(');
const READL_HEADER = firstLineWith(FIXTURE_TREE, 'include/linux/hdr_poll.h', '#define hdr_readl_poll(');

describe("kernel-header macros from the index's header pass", () => {
  let work = '';
  let previousCache: string | undefined;
  const tree = () => path.join(work, 'tree');

  before(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-hdrmacro-')));
    previousCache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = path.join(work, 'cache');
    fs.cpSync(FIXTURE_TREE, tree(), { recursive: true });
    const run = kalloc(['index', '--jobs', '1', tree()]);
    assert.equal(run.status, 0, run.stderr);
  });
  after(() => {
    if (previousCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = previousCache;
    fs.rmSync(work, { recursive: true, force: true });
  });

  const check = (...extra: string[]) => kalloc(['check', ...extra, '--kernel-dir', tree(), path.join(tree(), 'drivers', 'hdrmacro')]);

  test('a header poll macro with a nonzero sleep_us and a header nap under a header lock macro are found', () => {
    const run = check();
    assert.equal(run.status, 1, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `hm_main\\.c:${POLL}:\\d+: warning: hdr_readl_poll\\(\\) expands to hdr_poll_timeout\\(\\) → usleep_range\\(\\), which sleeps .*\\(include/linux/hdr_poll\\.h:${READL_HEADER}; include/linux/hdr_poll\\.h:${POLL_HEADER}; .*spin_lock\\(&hm->lock\\) is held since line ${LOCK}\\. .*\\[sleep-in-atomic\\]`,
      ),
    );
    assert.match(
      run.stdout,
      new RegExp(`hm_main\\.c:${NAP}:\\d+: warning: hdr_nap\\(\\) expands to msleep\\(\\), .*hdr_obj_lock\\(\\) \\(which takes spin_lock\\(&\\(o\\)->lock\\)\\) is held since line ${OBJ_LOCK}\\.`),
    );
    // Only those two: the constant-0 poll, the _atomic poll, the driver's own hdr_settle() and the uses after unlocking stay silent.
    assert.equal(run.stdout.match(/warning:|information:|hint:|error:/g)?.length, 2, run.stdout);
  });

  test('--no-index: the header macros are unknown, nothing is reported', () => {
    const run = check('--no-index');
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /hm_main\.c:\d+/);
  });
});
