// SIGTERM and SIGINT in the middle of a run: the results so far are written as a valid report
// marked incomplete, and the exit status says which signal. The default --progress (auto) off a
// terminal is what tells the test the run is under way.
import assert from 'node:assert/strict';
import * as path from 'path';
import { test } from 'node:test';
import { interruptAfterProgress, sarifSchemaErrors, tempTree } from './run';

/** 60 folders of 20 files, each with one kmalloc-too-large: seconds of work for one worker. */
function bigTree() {
  const files: Record<string, string> = {};
  const body = Array.from({ length: 40 }, (_, index) => `static int helper${index}(int x)\n{\n\tif (x > ${index})\n\t\treturn x * ${index};\n\treturn 0;\n}\n`).join('\n');
  for (let folder = 0; folder < 60; folder++) {
    for (let file = 0; file < 20; file++) {
      files[`drivers/d${folder}/f${file}.c`] = `#include <linux/slab.h>\n${body}\nvoid *alloc${file}(void)\n{\n\treturn kmalloc(8388608, GFP_KERNEL);\n}\n`;
    }
  }
  return tempTree(files);
}

test('SIGTERM: valid JSON of the files done so far, complete: false, exit 143', async () => {
  const tree = bigTree();
  try {
    const run = await interruptAfterProgress(['check', '--format', 'json', '--jobs', '1', '--progress-interval', '0.1', 'drivers'], tree.dir, 'SIGTERM');
    assert.ok(run.doneAtSignal > 0, `a progress line appeared off a terminal with the default --progress: ${run.stderr}`);
    assert.equal(run.signal, null, 'the CLI handled the signal itself');
    assert.equal(run.code, 143, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.complete, false);
    assert.equal(report.interrupted, 'SIGTERM');
    assert.equal(run.total, 1200);
    assert.equal(report.summary.analysed + report.summary.skipped + report.summary.notReached, 1200, 'every file is accounted for');
    assert.ok(report.summary.notReached > 0, 'stopped before the end');
    assert.ok(report.files >= run.doneAtSignal, 'nothing done before the signal is lost');
    // Each analysed file has its one finding: the partial results are whole per file.
    assert.equal(report.diagnostics.filter((d: { rule: string }) => d.rule === 'kmalloc-too-large').length, report.files);
    assert.match(run.stderr, /kalloc: interrupted by SIGTERM; \d+ of 1200 files not reached, results so far written\n/);
  } finally {
    tree.remove();
  }
});

test('SIGINT: valid SARIF with executionSuccessful false and an interruption notification, exit 130', async () => {
  const tree = bigTree();
  try {
    const run = await interruptAfterProgress(['check', '--format', 'sarif', '--jobs', '1', '--progress', 'always', '--progress-interval', '0.1', 'drivers'], tree.dir, 'SIGINT');
    assert.equal(run.code, 130, run.stderr);
    const sarif = JSON.parse(run.stdout);
    assert.deepEqual(sarifSchemaErrors(sarif), []);
    const [invocation] = sarif.runs[0].invocations;
    assert.equal(invocation.executionSuccessful, false);
    assert.equal(invocation.exitCode, 130);
    assert.equal(invocation.exitSignalName, 'SIGINT');
    const interrupted = invocation.toolExecutionNotifications.filter((n: { descriptor: { id: string } }) => n.descriptor.id === 'run-interrupted');
    assert.equal(interrupted.length, 1);
    assert.match(interrupted[0].message.text, /^interrupted by SIGINT: \d+ files analysed, [1-9]\d* not reached$/);
    assert.equal(sarif.runs[0].artifacts.length, 1200, 'every file of the run is an artifact, reached or not');
    assert.ok(sarif.runs[0].results.length >= run.doneAtSignal);
    for (const result of sarif.runs[0].results) assert.equal(path.posix.dirname(result.locations[0].physicalLocation.artifactLocation.uri).split('/')[0], 'drivers');
  } finally {
    tree.remove();
  }
});
