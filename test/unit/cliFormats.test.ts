// The CLI output formats on a synthetic finding that carries related locations and fixes, so the
// nested key sets of the JSON schema and their SARIF mapping are pinned exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatJson, formatSarif, formatText } from '../../server/src/cliFormats';
import type { Finding } from '../../server/src/rules/rule';

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

test('JSON: exact keys at every level, 1-based, related and edit files default to the finding file', () => {
  const report = JSON.parse(formatJson(results, 2));
  assert.deepEqual(report, {
    version: 1,
    files: 2,
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

test('text: gcc-style line plus indented-free notes for related locations', () => {
  assert.equal(
    formatText(results),
    ['drv/main.c:10:5: warning: kmalloc() always fails. [kmalloc-too-large]', 'drv/main.c:3:1: note: size defined here', 'other.c:1:2: note: called from here'].join('\n'),
  );
});

test('SARIF: result, related locations and fixes map to 2.1.0 objects', () => {
  const sarif = JSON.parse(formatSarif(results, '9.9.9'));
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs[0].tool.driver.version, '9.9.9');
  const [result] = sarif.runs[0].results;
  assert.equal(result.ruleId, 'kmalloc-too-large');
  assert.equal(result.level, 'warning');
  assert.deepEqual(result.locations, [{ physicalLocation: { artifactLocation: { uri: 'drv/main.c' }, region: { startLine: 10, startColumn: 5, endLine: 10, endColumn: 31 } } }]);
  assert.deepEqual(result.relatedLocations[1], { id: 1, message: { text: 'called from here' }, physicalLocation: { artifactLocation: { uri: 'other.c' }, region: { startLine: 1, startColumn: 2 } } });
  assert.deepEqual(result.fixes, [
    {
      description: { text: 'Use kvmalloc()' },
      artifactChanges: [{ artifactLocation: { uri: 'drv/main.c' }, replacements: [{ deletedRegion: { startLine: 10, startColumn: 5, endLine: 10, endColumn: 12 }, insertedContent: { text: 'kvmalloc' } }] }],
    },
  ]);
  assert.equal(JSON.parse(formatSarif([{ file: 'a b/c.c', findings: [{ ...finding, severity: 'hint' }] }], '1')).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'a%20b/c.c');
});
