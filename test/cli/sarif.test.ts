// SARIF from real runs of dist/cli.js: valid against the OASIS 2.1.0 schema, URIs that resolve
// against SRCROOT to the files, evidence as relatedLocations, fingerprints that survive an edit
// above the finding, and rule links that land on the README's own headings.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import { test } from 'node:test';
import { RULES } from '../../server/src/rules/index';
import { FIXTURES, ROOT } from '../support/paths';
import { kalloc, sarifSchemaErrors, tempTree } from './run';

interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn: number } };
  message?: { text: string };
}
interface SarifResult {
  ruleId: string;
  locations: SarifLocation[];
  relatedLocations: SarifLocation[];
  partialFingerprints: Record<string, string>;
}

function sarifRun(args: string[], cwd: string) {
  const run = kalloc(['check', '--format', 'sarif', ...args], cwd);
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  const sarif = JSON.parse(run.stdout);
  assert.deepEqual(sarifSchemaErrors(sarif), []);
  return sarif.runs[0];
}

test('the fixture tree: schema-valid, every URI resolves against SRCROOT to the file JSON names', () => {
  const run = sarifRun(['test/fixtures'], ROOT);
  const json = JSON.parse(kalloc(['check', '--format', 'json', 'test/fixtures'], ROOT).stdout);
  const base = run.originalUriBaseIds.SRCROOT.uri;
  assert.equal(base, `${pathToFileURL(ROOT).href}/`);
  const resolve = (location: SarifLocation) => {
    const { uri, uriBaseId } = location.physicalLocation.artifactLocation;
    assert.equal(uriBaseId, 'SRCROOT', uri);
    assert.ok(!uri.startsWith('/') && !uri.includes(':'), `${uri} is relative`);
    return fileURLToPath(new URL(uri, base));
  };
  const results = run.results as SarifResult[];
  assert.equal(results.length, json.diagnostics.length);
  assert.ok(
    results.some((result) => result.relatedLocations.length > 0),
    'the fixtures have findings with evidence',
  );
  results.forEach((result, index) => {
    const diagnostic = json.diagnostics[index];
    assert.equal(result.ruleId, diagnostic.rule);
    assert.equal(resolve(result.locations[0]), path.resolve(ROOT, diagnostic.file));
    assert.deepEqual(
      result.relatedLocations.map((related) => ({ file: resolve(related), line: related.physicalLocation.region.startLine, message: related.message?.text })),
      diagnostic.related.map((related: { file: string; line: number; message: string }) => ({ file: path.resolve(ROOT, related.file), line: related.line, message: related.message })),
    );
  });
  const fingerprints = results.map((result) => result.partialFingerprints['kallocLineHash/v1']);
  assert.equal(new Set(fingerprints).size, fingerprints.length, 'one fingerprint per result');
  assert.equal(run.artifacts.length, json.summary.analysed + json.summary.skipped);
  for (const artifact of run.artifacts) assert.ok(fs.existsSync(fileURLToPath(new URL(artifact.location.uri, base))), artifact.location.uri);
});

test('fingerprints stay when lines are added above the findings; their line numbers move', () => {
  const source = fs.readFileSync(path.join(FIXTURES, 'cli', 'tree', 'big.c'), 'utf8');
  const tree = tempTree({ 'drv/big.c': source });
  try {
    const before = sarifRun(['drv'], tree.dir).results as SarifResult[];
    fs.writeFileSync(path.join(tree.dir, 'drv', 'big.c'), `/* SPDX-License-Identifier: GPL-2.0 */\n/* three */\n/* lines */\n${source}`);
    const after = sarifRun(['drv'], tree.dir).results as SarifResult[];
    assert.ok(before.length >= 2);
    assert.deepEqual(
      after.map((result) => result.partialFingerprints),
      before.map((result) => result.partialFingerprints),
    );
    assert.deepEqual(
      after.map((result) => result.locations[0].physicalLocation.region.startLine),
      before.map((result) => result.locations[0].physicalLocation.region.startLine + 3),
    );
  } finally {
    tree.remove();
  }
});

/** GitHub's heading anchors, written out independently of the CLI's own. */
function readmeAnchors(): Map<string, string> {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const anchors = new Map<string, string>();
  for (const [, heading] of readme.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.set(
      heading
        .toLowerCase()
        .replace(/[`:()'",.!?/]/g, '')
        .replace(/ /g, '-'),
      heading,
    );
  }
  return anchors;
}

test("each rule's helpUri lands on that rule's README heading", () => {
  const run = sarifRun(['test/fixtures/cli/clean.c'], ROOT);
  const anchors = readmeAnchors();
  const repository = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).repository.url as string).replace(/\.git$/, '');
  assert.equal(run.tool.driver.rules.length, RULES.length);
  for (const rule of run.tool.driver.rules) {
    const [page, anchor] = (rule.helpUri as string).split('#');
    assert.equal(page, repository, 'the README of the repository package.json names');
    assert.equal(anchors.get(anchor), `\`${rule.id}\``, `${rule.helpUri} is the heading of ${rule.id}`);
    assert.ok(rule.help.markdown.includes(rule.helpUri));
  }
});

test("the README's example summary line is what the CLI prints for examples/", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const shown = /^kalloc: 1 file analysed.*$/m.exec(readme)?.[0];
  const printed = kalloc(['check', 'examples/'], ROOT).stdout.trimEnd().split('\n').at(-1);
  assert.equal(shown, printed);
});
