// The CLI is never falsely green and never silent: every kind of skipped file makes the run exit 3
// (unless --allow-skipped) and is listed in every format; a run with nothing to check says why
// and exits 2; progress lines off a terminal. Black-box on dist/cli.js.
import assert from 'node:assert/strict';
import * as path from 'path';
import { describe, test } from 'node:test';
import { kalloc, sarifSchemaErrors, tempTree } from './run';

const CLEAN = 'void f(void)\n{\n}\n';
const FINDING = '#include <linux/slab.h>\nvoid *f(void)\n{\n\treturn kmalloc(8388608, GFP_KERNEL);\n}\n';

/** One file per way a .c/.h file can be skipped (unreadable is not testable as root). */
const SKIPPED_KINDS: Record<string, string | Buffer> = {
  'binary/blob.c': Buffer.from([0x69, 0x6e, 0x74, 0x00, 0x01]),
  'latin1/name.c': Buffer.from('/* Jos\xe9 */\nint x;\n', 'latin1'),
  'deep/nested.h': `int x = ${'('.repeat(300)}1${')'.repeat(300)};\n`,
  'large/big.c': `/* ${'x'.repeat(3000)} */\nint y;\n`,
};

interface Report {
  files: number;
  complete: boolean;
  summary: { analysed: number; skipped: number; findings: Record<string, number> };
  skipped: { file: string; reason: string }[];
  diagnostics: { rule: string; severity: string }[];
}

describe('skipped files are never green', () => {
  test('each kind of skip (binary, not UTF-8, nested too deeply, too large) is listed with its reason; exit 3', () => {
    const tree = tempTree({ ...SKIPPED_KINDS, 'ok/clean.c': CLEAN });
    try {
      const run = kalloc(['check', '--format', 'json', '--max-file-size', '2K', tree.dir]);
      assert.equal(run.status, 3, run.stderr);
      const report = JSON.parse(run.stdout) as Report;
      const reasons = Object.fromEntries(report.skipped.map(({ file, reason }) => [path.relative(tree.dir, file).split(path.sep).join('/'), reason]));
      assert.deepEqual(Object.keys(reasons).sort(), Object.keys(SKIPPED_KINDS).sort());
      assert.match(reasons['binary/blob.c'], /NUL bytes/);
      assert.match(reasons['latin1/name.c'], /UTF-8/);
      assert.match(reasons['deep/nested.h'], /nest deeper/);
      assert.match(reasons['large/big.c'], /--max-file-size/);
      assert.equal(report.files, 1);
      assert.deepEqual({ analysed: report.summary.analysed, skipped: report.summary.skipped }, { analysed: 1, skipped: 4 });
      for (const file of Object.keys(SKIPPED_KINDS)) assert.ok(run.stderr.includes(`skipped ${path.join(tree.dir, file)}: `), file);
      assert.match(run.stderr, /kalloc: 4 files skipped\n/);
    } finally {
      tree.remove();
    }
  });

  test('--allow-skipped: the same run exits 0', () => {
    const tree = tempTree({ 'binary/blob.c': SKIPPED_KINDS['binary/blob.c'], 'ok/clean.c': CLEAN });
    try {
      assert.equal(kalloc(['check', tree.dir]).status, 3);
      const allowed = kalloc(['check', '--allow-skipped', tree.dir]);
      assert.equal(allowed.status, 0, allowed.stderr);
      assert.match(allowed.stdout, /^kalloc: 1 file analysed, 1 skipped; findings: 0 errors, 0 warnings, 0 information, 0 hints\n$/);
      assert.match(allowed.stderr, /skipped .*blob\.c/, 'still reported');
    } finally {
      tree.remove();
    }
  });

  test('findings win over skipped files: exit 1, and the summary still counts the skip', () => {
    const tree = tempTree({ 'binary/blob.c': SKIPPED_KINDS['binary/blob.c'], 'drv/big.c': FINDING });
    try {
      const run = kalloc(['check', tree.dir]);
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stdout.trimEnd().split('\n').at(-1) ?? '', /^kalloc: 1 file analysed, 1 skipped; findings: 1 error, 0 warnings, 0 information, 0 hints$/);
      // Only information-level findings do not fail the run; the skip still does.
      const quiet = kalloc(['check', '--rule', 'kmalloc-too-large=information', tree.dir]);
      assert.equal(quiet.status, 3, quiet.stderr);
    } finally {
      tree.remove();
    }
  });

  test('SARIF lists every skipped file as a toolExecutionNotification at its artifact', () => {
    const tree = tempTree({ ...SKIPPED_KINDS, 'drv/big.c': FINDING });
    try {
      const run = kalloc(['check', '--format', 'sarif', '--max-file-size', '2K', '.'], tree.dir);
      assert.equal(run.status, 1, run.stderr);
      const sarif = JSON.parse(run.stdout);
      assert.deepEqual(sarifSchemaErrors(sarif), []);
      const [invocation] = sarif.runs[0].invocations;
      assert.equal(invocation.executionSuccessful, true);
      assert.equal(invocation.exitCode, 1);
      const skipped = invocation.toolExecutionNotifications.filter((n: { descriptor: { id: string } }) => n.descriptor.id === 'file-skipped');
      assert.deepEqual(
        skipped.map((n: { level: string; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }[] }) => [
          n.level,
          n.locations[0].physicalLocation.artifactLocation.uri,
          n.locations[0].physicalLocation.artifactLocation.uriBaseId,
        ]),
        Object.keys(SKIPPED_KINDS)
          .sort()
          .map((file) => ['warning', file, 'SRCROOT']),
      );
    } finally {
      tree.remove();
    }
  });
});

describe('silence is explained: one line and exit 2', () => {
  const cases: [string, Record<string, string>, (dir: string) => string[], RegExp][] = [
    ['a folder without .c or .h files', { 'README.md': '# hi\n', 'src/main.rs': 'fn main() {}\n' }, (dir) => ['check', dir], /^kalloc: nothing to check: no \.c or \.h files under .+\n$/],
    [
      'everything excluded',
      { 'a/x.c': CLEAN, 'b/y.h': CLEAN },
      (dir) => ['check', '--exclude', 'a', '--exclude', '*.h', dir],
      /^kalloc: nothing to check: no \.c or \.h files under .+ outside --exclude \(2 paths excluded\)\n$/,
    ],
    ['an explicit non-C file', { 'notes.txt': 'hello\n' }, (dir) => ['check', path.join(dir, 'notes.txt')], /^kalloc: .+notes\.txt is not a \.c or \.h file; nothing was checked\n$/],
    ['an explicit non-C file beside a C file', { 'notes.txt': 'hello\n', 'a.c': CLEAN }, (dir) => ['check', path.join(dir, 'a.c'), path.join(dir, 'notes.txt')], /notes\.txt is not a \.c or \.h file/],
  ];
  for (const [name, files, args, message] of cases) {
    test(name, () => {
      const tree = tempTree(files);
      try {
        for (const format of ['text', 'json', 'sarif']) {
          const run = kalloc([...args(tree.dir), '--format', format]);
          assert.equal(run.status, 2, `${format}: ${run.stderr}`);
          assert.equal(run.stdout, '', 'no report for a run that did not run');
          assert.match(run.stderr, message);
          assert.match(run.stderr, /^kalloc: [^\n]+\n$/, 'exactly one line');
        }
      } finally {
        tree.remove();
      }
    });
  }

  test('a setting the CLI rejects never says it is "using the defaults"', () => {
    const tree = tempTree({ 'a.c': CLEAN });
    try {
      for (const args of [
        ['--page-size', '65536'],
        ['--kernel-version', 'banana'],
        ['--arch', 'sparc'],
        ['--page-size', '3000'],
      ]) {
        const run = kalloc(['check', ...args, tree.dir]);
        assert.equal(run.status, 2);
        assert.equal(run.stdout, '');
        assert.doesNotMatch(run.stderr, /using/, `${args.join(' ')}: ${run.stderr}`);
      }
    } finally {
      tree.remove();
    }
  });

  test('an empty --shard slice is not an error: a note, a complete empty report, exit 0', () => {
    const tree = tempTree({ 'only/a.c': FINDING });
    try {
      const runs = [1, 2].map((index) => kalloc(['check', '--format', 'sarif', '--shard', `${index}/2`, tree.dir]));
      const empty = runs.find((run) => run.status === 0);
      const full = runs.find((run) => run.status === 1);
      assert.ok(empty && full, 'one folder: one slice has it, the other is empty');
      assert.match(empty.stderr, /^kalloc: shard [12]\/2 holds none of the 1 files found \(slices are whole folders\); nothing to check\n$/);
      const sarif = JSON.parse(empty.stdout);
      assert.deepEqual(sarifSchemaErrors(sarif), []);
      assert.deepEqual(sarif.runs[0].results, []);
      assert.equal(sarif.runs[0].invocations[0].executionSuccessful, true);
    } finally {
      tree.remove();
    }
  });
});

describe('--progress', () => {
  const files = Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`d${index % 4}/f${index}.c`, FINDING]));

  test('always: a start line and plain progress lines, without terminal control codes', () => {
    const tree = tempTree(files);
    try {
      const run = kalloc(['check', '--progress', 'always', '--progress-interval', '0.001', '--jobs', '1', tree.dir]);
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /^kalloc: checking 40 files\n/);
      assert.match(run.stderr, /\nkalloc: \d+\/40 files, [\d.]+ files\/s, ETA \S+\n/, 'a progress line (the run outlasts a 1 ms interval)');
      // No carriage return and no ESC (a terminal's control sequences) off a terminal.
      assert.ok(!run.stderr.includes('\r') && !run.stderr.includes('\u001b'), run.stderr);
    } finally {
      tree.remove();
    }
  });

  test('never: no progress line, however short the interval', () => {
    const tree = tempTree(files);
    try {
      const run = kalloc(['check', '--progress', 'never', '--progress-interval', '0.001', '--jobs', '1', tree.dir]);
      assert.equal(run.status, 1, run.stderr);
      assert.equal(run.stderr, '');
    } finally {
      tree.remove();
    }
  });

  test('bad values are usage errors', () => {
    for (const args of [['--progress', 'sometimes'], ['--progress-interval', 'soon'], ['--allow-skipped=yes']]) {
      const run = kalloc(['check', ...args, '.']);
      assert.equal(run.status, 2, args.join(' '));
      assert.match(run.stderr, /^kalloc: [^\n]+\(see 'kalloc --help'\)\n$/);
    }
  });
});
