// The CLI's whole-tree machinery, black-box on dist/cli.js: output independent of --jobs, --shard
// slices that partition the files by folder, --exclude globs, the per-file time bound.
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'node:test';
import { DIST, FIXTURES } from '../support/paths';

interface Json {
  files: number;
  diagnostics: { file: string; line: number; rule: string }[];
}

function kalloc(...args: string[]) {
  return spawnSync(process.execPath, [path.join(DIST, 'cli.js'), ...args], { encoding: 'utf8' });
}

function json(...args: string[]): { result: Json; stderr: string } {
  const run = kalloc('check', '--format', 'json', ...args);
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  return { result: JSON.parse(run.stdout) as Json, stderr: run.stderr };
}

test('the output is byte-for-byte the same with 1, 2 and 5 workers', () => {
  const outputs = ['1', '2', '5'].map((jobs) => kalloc('check', '--format', 'json', '--jobs', jobs, FIXTURES));
  for (const output of outputs) assert.ok(output.status === 0 || output.status === 1, output.stderr);
  assert.ok((JSON.parse(outputs[0].stdout) as Json).diagnostics.length > 0, 'the fixtures have findings');
  assert.equal(outputs[1].stdout, outputs[0].stdout);
  assert.equal(outputs[2].stdout, outputs[0].stdout);
});

test('--shard K/3 slices partition the files, keep folders whole, and add up to the full run', () => {
  const full = json(FIXTURES).result;
  const shards = [1, 2, 3].map((index) => json('--shard', `${index}/3`, FIXTURES).result);
  assert.equal(
    shards.reduce((sum, shard) => sum + shard.files, 0),
    full.files,
  );
  const key = (d: Json['diagnostics'][number]) => `${d.file}:${d.line}:${d.rule}`;
  const union = shards.flatMap((shard) => shard.diagnostics.map(key)).sort();
  assert.deepEqual(union, full.diagnostics.map(key).sort());
  const folderShard = new Map<string, number>();
  shards.forEach((shard, index) => {
    for (const diagnostic of shard.diagnostics) {
      const folder = path.dirname(diagnostic.file);
      assert.equal(folderShard.get(folder) ?? index, index, `${folder} is in one shard only`);
      folderShard.set(folder, index);
    }
  });
  // The same slice on every run.
  assert.deepEqual(json('--shard', '2/3', FIXTURES).result, shards[1]);
  // Each shard's SARIF stands alone.
  const sarif = kalloc('check', '--format', 'sarif', '--shard', '1/3', FIXTURES);
  assert.equal(JSON.parse(sarif.stdout).version, '2.1.0');
});

test('--shard and --jobs reject bad values with exit status 2', () => {
  for (const args of [
    ['--shard', '0/3'],
    ['--shard', '4/3'],
    ['--shard', 'x'],
    ['--jobs', '0'],
    ['--file-timeout', 'soon'],
    ['--max-file-size', '-1'],
  ]) {
    const run = kalloc('check', ...args, FIXTURES);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /^kalloc: /);
  }
});

test('--exclude drops matching folders and files, relative to the given path or by name', () => {
  const all = json(FIXTURES).result;
  const withoutSize = json('--exclude', 'size', FIXTURES).result;
  assert.ok(withoutSize.files < all.files);
  assert.ok(withoutSize.diagnostics.every((d) => !d.file.includes(`${path.sep}size${path.sep}`)));
  const withoutAtomicDir = json('--exclude', 'atomic/**', FIXTURES).result;
  assert.ok(withoutAtomicDir.diagnostics.every((d) => !d.file.includes(`${path.sep}atomic${path.sep}`)));
  const onlyHeadersGone = json('--exclude', '*.h', FIXTURES).result;
  assert.ok(onlyHeadersGone.diagnostics.every((d) => !d.file.endsWith('.h')));
  assert.ok(onlyHeadersGone.files < all.files);
});

test('a file slower than --file-timeout is skipped with a note, the others are analysed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-timeout-'));
  try {
    // About 3 MB of C: parsing alone takes far longer than 50 ms on any machine.
    const body = '\tif (x)\n\t\tp = kmalloc(64, GFP_KERNEL);\n'.repeat(70_000);
    fs.writeFileSync(path.join(dir, 'slow.c'), `void f(int x)\n{\n\tvoid *p;\n${body}}\n`);
    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'other', 'small.c'), 'void g(void)\n{\n}\n');
    const run = kalloc('check', '--format', 'json', '--file-timeout', '0.05', '--max-file-size', '8M', dir);
    assert.equal(run.status, 3, `a skipped file and no findings: exit 3. ${run.stderr}`);
    // On Linux the bound counts the worker thread's CPU time (workspace/threadClock.ts), and says so.
    const clock = process.platform === 'linux' ? ' of CPU time' : '';
    assert.match(run.stderr, new RegExp(`skipped .*slow\\.c: analysis took longer than 0\\.05s${clock} \\(--file-timeout\\)`));
    // small.c is analysed unless the machine stalls its worker for 50 ms: only the count is pinned.
    assert.match(run.stderr, /[12] files? skipped/);
    const report = JSON.parse(run.stdout) as Json & { skipped: { file: string; reason: string }[] };
    assert.ok(report.files <= 1);
    assert.ok(report.skipped.some((entry) => entry.file.endsWith('slow.c') && /--file-timeout/.test(entry.reason)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
