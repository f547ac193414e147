// `kalloc check --kernel-dir` on a driver handing buffers to core helpers of another folder of the
// fixture tree (test/fixtures/kernel-tree/drivers/bufidxdrv → drivers/bufidxcore): the tree's
// index follows a stack or vmalloc buffer to the DMA sink two calls down, with the chain; without
// it only the helper of the driver's own folder is followed.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { after, before, describe, test } from 'node:test';
import * as os from 'os';
import * as path from 'path';
import { FIXTURES } from '../support/paths';
import { kalloc } from './run';

/** 1-based line of the first line of `file` containing `needle`. */
function lineOf(file: string, needle: string): number {
  const index = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(needle));
  assert.ok(index >= 0, `${needle} in ${file}`);
  return index + 1;
}

describe('noncontiguous-dma through helpers of the kernel index', () => {
  let work = '';
  let tree = '';
  let saved: string | undefined;
  const driver = () => path.join(tree, 'drivers', 'bufidxdrv');
  const main = () => path.join(driver(), 'bid_main.c');
  /** The noncontiguous-dma lines of bid_main.c in a run's text output. */
  const reported = (stdout: string) => [...stdout.matchAll(/bid_main\.c:(\d+):\d+: warning: .*\[noncontiguous-dma\]$/gm)].map((match) => Number(match[1]));

  before(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-dmaidx-')));
    tree = path.join(work, 'linux');
    fs.cpSync(path.join(FIXTURES, 'kernel-tree'), tree, { recursive: true });
    saved = process.env.XDG_CACHE_HOME;
    // The CLI runs in a child process that inherits this environment.
    process.env.XDG_CACHE_HOME = path.join(work, 'cache');
    const index = kalloc(['index', '--jobs', '2', tree]);
    assert.equal(index.status, 0, index.stderr);
  });
  after(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('--kernel-dir: the stack and vmalloc buffers handed to the core are reported at the call, with the chain to the sink', () => {
    const run = kalloc(['check', '--kernel-dir', tree, driver()]);
    assert.equal(run.status, 1, run.stderr);
    assert.deepEqual(reported(run.stdout), [
      lineOf(main(), 'return bic_get_descriptor(bd->udev, 0x21, status, sizeof(status));'),
      lineOf(main(), 'ret = bid_query(bd, 0x30, &version, 1);'),
      lineOf(main(), 'phys = bic_phys_of(table);'),
    ]);
    const sink = lineOf(path.join(tree, 'drivers/bufidxcore/bic_xfer.c'), 'return usb_control_msg(');
    assert.match(
      run.stdout,
      new RegExp(`passed to bic_get_descriptor\\(\\), which passes it to \`usb_control_msg\\(\\)\` at drivers/bufidxcore/bic_xfer\\.c:${sink} via bic_control\\(\\) → bic_submit\\(\\)`),
    );
  });

  test('--no-index: only the helper in the driver folder itself is followed', () => {
    const run = kalloc(['check', '--no-index', driver()]);
    assert.equal(run.status, 1, run.stderr);
    assert.deepEqual(reported(run.stdout), [lineOf(main(), 'ret = bid_query(bd, 0x30, &version, 1);')]);
  });
});
