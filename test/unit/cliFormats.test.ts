// The CLI output formats on a synthetic report: a finding that carries related locations and fixes,
// a skipped file, a rule failure, so the nested key sets of the JSON schema and their SARIF mapping
// are pinned exactly.
import assert from 'node:assert/strict';
import * as path from 'path';
import { test } from 'node:test';
import { CheckReport, formatJson, formatSarif, formatText, headingAnchor } from '../../server/src/cliFormats';
import { RULES } from '../../server/src/rules/index';
import type { Finding } from '../../server/src/rules/rule';
import { sarifSchemaErrors } from '../cli/run';

const finding: Finding = {
  rule: 'kmalloc-too-large',
  severity: 'warning',
  span: { startLine: 9, startColumn: 4, endLine: 9, endColumn: 30 },
  message: 'kmalloc() always fails.',
  related: [
    { span: { startLine: 2, startColumn: 0, endLine: 2, endColumn: 10 }, message: 'size defined here' },
    { file: 'other.c', span: { startLine: 0, startColumn: 1, endLine: 0, endColumn: 2 }, message: 'called from here' },
  ],
  fixes: [{ title: 'Use kvmalloc()', edits: [{ span: { startLine: 9, startColumn: 4, endLine: 9, endColumn: 11 }, newText: 'kvmalloc' }] }],
};
const results = [{ file: 'drv/main.c', findings: [finding] }];
const report = (extra: Partial<CheckReport> = {}): CheckReport => ({
  analysed: ['drv/main.c', 'drv/clean.c'],
  results,
  skipped: [],
  ruleFailures: [],
  notes: [],
  notReached: [],
  ...extra,
});
const ROOT = path.resolve('/src/linux');
const LINES: Record<string, string[]> = { 'drv/main.c': Array.from({ length: 20 }, (_, index) => `\tline ${index + 1};`) };
const sarifOf = (input: CheckReport, lines = LINES) => JSON.parse(formatSarif(input, { toolVersion: '9.9.9', root: ROOT, exitCode: 1, sourceLine: (file, line) => lines[file]?.[line - 1] }));

test('JSON: exact keys at every level, 1-based, related and edit files default to the finding file', () => {
  const json = JSON.parse(formatJson(report({ skipped: [{ file: 'drv/blob.c', reason: 'binary' }] })));
  assert.deepEqual(json, {
    version: 1,
    complete: true,
    interrupted: null,
    files: 2,
    summary: { analysed: 2, skipped: 1, ruleFailures: 0, notReached: 0, findings: { error: 0, warning: 1, information: 0, hint: 0 } },
    skipped: [{ file: 'drv/blob.c', reason: 'binary' }],
    ruleFailures: [],
    diagnostics: [
      {
        file: 'drv/main.c',
        line: 10,
        column: 5,
        endLine: 10,
        endColumn: 31,
        rule: 'kmalloc-too-large',
        severity: 'warning',
        message: 'kmalloc() always fails.',
        related: [
          { file: 'drv/main.c', line: 3, column: 1, message: 'size defined here' },
          { file: 'other.c', line: 1, column: 2, message: 'called from here' },
        ],
        fixes: [{ title: 'Use kvmalloc()', edits: [{ file: 'drv/main.c', line: 10, column: 5, endLine: 10, endColumn: 12, newText: 'kvmalloc' }] }],
      },
    ],
  });
});

test('JSON: an interrupted run is marked incomplete and counts the files not reached', () => {
  const json = JSON.parse(formatJson(report({ interrupted: 'SIGTERM', notReached: ['drv/late.c'] })));
  assert.equal(json.complete, false);
  assert.equal(json.interrupted, 'SIGTERM');
  assert.equal(json.summary.notReached, 1);
});

test('text: gcc-style line plus notes for related locations, then the summary line', () => {
  assert.equal(
    formatText(report({ skipped: [{ file: 'drv/blob.c', reason: 'binary' }] })),
    [
      'drv/main.c:10:5: warning: kmalloc() always fails. [kmalloc-too-large]',
      'drv/main.c:3:1: note: size defined here',
      'other.c:1:2: note: called from here',
      'kalloc: 2 files analysed, 1 skipped; findings: 0 errors, 1 warning, 0 information, 0 hints',
    ].join('\n'),
  );
  assert.equal(
    formatText(report({ analysed: ['a.c'], results: [], ruleFailures: [{ file: 'a.c', rule: 'free-mismatch', message: 'boom' }], interrupted: 'SIGINT', notReached: ['b.c', 'c.c'] })),
    'kalloc: 1 file analysed, 0 skipped, 1 rule failure, 2 not reached (interrupted by SIGINT); findings: 0 errors, 0 warnings, 0 information, 0 hints',
  );
});

test('SARIF: result, related locations and fixes map to 2.1.0 objects with URIs relative to SRCROOT', () => {
  const sarif = sarifOf(report());
  assert.deepEqual(sarifSchemaErrors(sarif), []);
  assert.equal(sarif.version, '2.1.0');
  const [run] = sarif.runs;
  assert.equal(run.tool.driver.version, '9.9.9');
  assert.deepEqual(run.originalUriBaseIds, { SRCROOT: { uri: `file://${ROOT.split(path.sep).join('/').replace(/^\/?/, '/')}/` } });
  assert.deepEqual(run.artifacts, [{ location: { uri: 'drv/main.c', uriBaseId: 'SRCROOT' } }, { location: { uri: 'drv/clean.c', uriBaseId: 'SRCROOT' } }]);
  const [result] = run.results;
  assert.equal(result.ruleId, 'kmalloc-too-large');
  assert.equal(
    result.ruleIndex,
    RULES.findIndex((rule) => rule.id === 'kmalloc-too-large'),
  );
  assert.equal(result.level, 'warning');
  assert.deepEqual(result.locations, [
    { physicalLocation: { artifactLocation: { uri: 'drv/main.c', uriBaseId: 'SRCROOT', index: 0 }, region: { startLine: 10, startColumn: 5, endLine: 10, endColumn: 31 } } },
  ]);
  assert.deepEqual(result.relatedLocations, [
    { id: 0, message: { text: 'size defined here' }, physicalLocation: { artifactLocation: { uri: 'drv/main.c', uriBaseId: 'SRCROOT', index: 0 }, region: { startLine: 3, startColumn: 1 } } },
    { id: 1, message: { text: 'called from here' }, physicalLocation: { artifactLocation: { uri: 'other.c', uriBaseId: 'SRCROOT' }, region: { startLine: 1, startColumn: 2 } } },
  ]);
  assert.deepEqual(result.fixes, [
    {
      description: { text: 'Use kvmalloc()' },
      artifactChanges: [
        {
          artifactLocation: { uri: 'drv/main.c', uriBaseId: 'SRCROOT', index: 0 },
          replacements: [{ deletedRegion: { startLine: 10, startColumn: 5, endLine: 10, endColumn: 12 }, insertedContent: { text: 'kvmalloc' } }],
        },
      ],
    },
  ]);
  assert.deepEqual(run.invocations, [{ executionSuccessful: true, exitCode: 1, toolExecutionNotifications: [] }]);
  const spaced = sarifOf(report({ analysed: ['a b/c.c'], results: [{ file: 'a b/c.c', findings: [{ ...finding, severity: 'hint' }] }] }));
  assert.equal(spaced.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'a%20b/c.c');
  const outside = sarifOf(report({ analysed: ['../elsewhere/x.c'], results: [{ file: '../elsewhere/x.c', findings: [finding] }] }));
  const outsideLocation = outside.runs[0].results[0].locations[0].physicalLocation.artifactLocation;
  assert.equal(outsideLocation.uriBaseId, undefined, 'a file outside the root has an absolute URI');
  assert.match(outsideLocation.uri, /^file:\/\/.*\/src\/elsewhere\/x\.c$/);
});

test('SARIF: skipped files, rule failures, notes and an interruption are toolExecutionNotifications', () => {
  const sarif = sarifOf(
    report({
      skipped: [{ file: 'drv/blob.c', reason: 'contains NUL bytes' }],
      ruleFailures: [{ file: 'drv/main.c', rule: 'free-mismatch', message: 'boom' }],
      notes: ['a sibling was left out'],
      interrupted: 'SIGTERM',
      notReached: ['drv/late.c'],
    }),
  );
  assert.deepEqual(sarifSchemaErrors(sarif), []);
  const [run] = sarif.runs;
  const [invocation] = run.invocations;
  assert.equal(invocation.executionSuccessful, false);
  assert.equal(invocation.exitSignalName, 'SIGTERM');
  const descriptors = run.tool.driver.notifications.map((descriptor: { id: string }) => descriptor.id);
  const notifications = invocation.toolExecutionNotifications.map(
    (n: { descriptor: { id: string; index: number }; level: string; locations?: { physicalLocation: { artifactLocation: { uri: string } } }[]; associatedRule?: { id: string } }) => ({
      id: n.descriptor.id,
      indexMatches: descriptors[n.descriptor.index] === n.descriptor.id,
      level: n.level,
      uri: n.locations?.[0].physicalLocation.artifactLocation.uri,
      rule: n.associatedRule?.id,
    }),
  );
  assert.deepEqual(notifications, [
    { id: 'run-interrupted', indexMatches: true, level: 'error', uri: undefined, rule: undefined },
    { id: 'file-skipped', indexMatches: true, level: 'warning', uri: 'drv/blob.c', rule: undefined },
    { id: 'rule-failed', indexMatches: true, level: 'error', uri: 'drv/main.c', rule: 'free-mismatch' },
    { id: 'note', indexMatches: true, level: 'note', uri: undefined, rule: undefined },
  ]);
  assert.deepEqual(
    run.artifacts.map((artifact: { location: { uri: string } }) => artifact.location.uri),
    ['drv/main.c', 'drv/clean.c', 'drv/blob.c', 'drv/late.c'],
  );
});

test('SARIF: the fingerprint follows the line text, not its number, and tells repeats apart', () => {
  const print = (input: CheckReport, lines: Record<string, string[]>) =>
    sarifOf(input, lines).runs[0].results.map((result: { partialFingerprints: Record<string, string> }) => result.partialFingerprints['kallocLineHash/v1']);
  const at = (line: number): Finding => ({ ...finding, span: { ...finding.span, startLine: line - 1, endLine: line - 1 } });
  const source = ['int a;', '\tbuf = kmalloc(SZ_8M, GFP_KERNEL);', 'int b;', '    buf = kmalloc(SZ_8M,   GFP_KERNEL);'];
  const moved = ['/* new */', '', ...source.map((line) => `  ${line}`)];
  const before = print(report({ results: [{ file: 'drv/main.c', findings: [at(2), at(4)] }] }), { 'drv/main.c': source });
  const after = print(report({ results: [{ file: 'drv/main.c', findings: [at(4), at(6)] }] }), { 'drv/main.c': moved });
  assert.deepEqual(after, before, 'two lines inserted above and re-indented: same fingerprints');
  assert.match(before[0], /^[0-9a-f]{32}:1$/);
  assert.equal(before[1], `${before[0].split(':')[0]}:2`, 'the same text twice: the second occurrence');
  const otherRule = print(report({ results: [{ file: 'drv/main.c', findings: [{ ...at(2), rule: 'free-mismatch' }] }] }), { 'drv/main.c': source });
  assert.notEqual(otherRule[0], before[0]);
  const otherFile = print(report({ analysed: ['drv/two.c'], results: [{ file: 'drv/two.c', findings: [at(2)] }] }), { 'drv/two.c': source });
  assert.notEqual(otherFile[0], before[0]);
  const otherText = print(report({ results: [{ file: 'drv/main.c', findings: [at(1)] }] }), { 'drv/main.c': ['\tbuf = kmalloc(SZ_4M, GFP_KERNEL);'] });
  assert.notEqual(otherText[0], before[0]);
});

test('SARIF: every rule has its README anchor as helpUri and its docs as help text and markdown', () => {
  const { rules } = sarifOf(report()).runs[0].tool.driver;
  assert.deepEqual(
    rules.map((rule: { id: string }) => rule.id),
    RULES.map((rule) => rule.id),
  );
  for (const [index, rule] of RULES.entries()) {
    const sarifRule = rules[index];
    assert.equal(sarifRule.helpUri, `https://github.com/kernel-alloc-lens/kernel-alloc-lens#${rule.id}`);
    for (const part of [rule.docs.summary, rule.docs.bad, rule.docs.good]) {
      assert.ok(sarifRule.help.text.includes(part), `${rule.id}: help.text has ${part}`);
      assert.ok(sarifRule.help.markdown.includes(part), `${rule.id}: help.markdown has ${part}`);
    }
    assert.ok(sarifRule.help.markdown.includes('```c\n' + rule.docs.bad + '\n```'));
  }
});

test("headingAnchor is GitHub's: backticks and punctuation dropped, spaces become hyphens", () => {
  assert.equal(headingAnchor('`kmalloc-too-large`'), 'kmalloc-too-large');
  assert.equal(headingAnchor('Command line'), 'command-line');
  assert.equal(headingAnchor('CI: split a tree (--shard)'), 'ci-split-a-tree---shard');
});
