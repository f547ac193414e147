// Fixture files are the spec: a line ending in `// expect: rule-a, rule-b` must produce exactly
// those findings (starting on that line); every other line must stay silent for the rules under
// test. The real analyzeFile runs on the fixture with its directory siblings as the driver folder.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Parser, Tree } from 'web-tree-sitter';
import { type FileFacts, collectFileFacts } from '../../server/src/analysis/fileFacts';
import { analyzeFile } from '../../server/src/analyzeFile';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import type { KernelFacts } from '../../server/src/analysis/index/kernelFacts';
import { parseKernelVersion, Arch, DEFAULT_CONFIG, ModelConfig } from '../../server/src/model/config';
import { parseSource } from '../../server/src/parsing/parseSource';
import { createParser } from '../../server/src/parsing/parser';
import { RULES } from '../../server/src/rules/index';
import type { Finding } from '../../server/src/rules/rule';
import { FolderFactsCache } from '../../server/src/workspace/folderFacts';
import { DIST } from './paths';

export interface FixtureOptions {
  kernelVersion?: string;
  arch?: Arch;
  pageSize?: number;
  /** Rules under test; default: every rule. Findings of other rules are ignored. */
  rules?: readonly string[];
  /** The fixture's text after an edit (a fix applied), analysed in place of the file's own, with the same siblings. */
  text?: string;
  /** A kernel tree's derived sleep facts, set on the database the fixture is analysed with. */
  kernelFacts?: KernelFacts;
}

// `rule-id(hint)` also pins the finding's severity.
const EXPECT = /\/[/*]\s*expect:\s*([a-z0-9-]+(?:\([a-z]+\))?(?:\s*,\s*[a-z0-9-]+(?:\([a-z]+\))?)*)/;
const ANNOTATION = /^([a-z0-9-]+)(?:\(([a-z]+)\))?$/;

let parserPromise: Promise<Parser> | undefined;
export function sharedParser(): Promise<Parser> {
  parserPromise ??= createParser(DIST);
  return parserPromise;
}

/** A tree of `text` as the server and the CLI parse it (kernel macros rewritten, node.text the user's). */
export function parseText(parser: Parser, text: string): Tree {
  const parsed = parseSource(parser, text);
  assert.ok(parsed, 'tree-sitter returned a tree');
  return parsed.tree;
}

export function configOf(options: FixtureOptions = {}): ModelConfig {
  return {
    kernel: options.kernelVersion ? parseKernelVersion(options.kernelVersion)! : DEFAULT_CONFIG.kernel,
    arch: options.arch ?? DEFAULT_CONFIG.arch,
    pageSize: options.pageSize ?? DEFAULT_CONFIG.pageSize,
  };
}

/** A fixture's facts (of `options.text` when given) and its driver folder, as the CLI collects them. */
export async function fixtureFacts(file: string, options: FixtureOptions = {}): Promise<{ facts: FileFacts; folder: FileFacts[] }> {
  const parser = await sharedParser();
  const config = configOf(options);
  const text = options.text ?? fs.readFileSync(file, 'utf8');
  const tree = parseText(parser, text);
  const facts = collectFileFacts(file, text, tree, config);
  const folder = new FolderFactsCache(parser, 4 * 1024 * 1024).siblingsOf(file, config);
  return { facts, folder };
}

/** Runs the analysis on a file exactly as the CLI does; returns its findings. */
export async function analyzeFixture(file: string, options: FixtureOptions = {}): Promise<Finding[]> {
  const { facts, folder } = await fixtureFacts(file, options);
  const db = new AnalysisDatabase();
  db.setKernelFacts(options.kernelFacts);
  const report = analyzeFile(facts, folder, {}, db);
  // A skipped file has no findings: without this, a fixture with no `expect:` lines would pass.
  assert.equal(report.skipped, undefined, `${file} was analysed, not skipped`);
  assert.deepEqual(report.failures, [], `no rule threw on ${file}`);
  const rules = options.rules ?? RULES.map((rule) => rule.id);
  return report.findings.filter((finding) => rules.includes(finding.rule));
}

/** The `// expect:` annotations of a fixture as sorted "line:rule" strings (1-based lines). */
export function expectedFindings(text: string, rules?: readonly string[]): string[] {
  const expected: string[] = [];
  text.split('\n').forEach((line, index) => {
    const match = EXPECT.exec(line);
    if (!match) return;
    for (const annotation of match[1].split(',').map((id) => id.trim())) {
      const rule = ANNOTATION.exec(annotation)![1];
      if (!rules || rules.includes(rule)) expected.push(`${index + 1}:${rule}`);
    }
  });
  return expected.sort();
}

/** The severities annotated as `rule-id(severity)`, as sorted "line:rule:severity" strings. */
export function expectedSeverities(text: string): string[] {
  const expected: string[] = [];
  text.split('\n').forEach((line, index) => {
    const match = EXPECT.exec(line);
    if (!match) return;
    for (const annotation of match[1].split(',').map((id) => id.trim())) {
      const [, rule, severity] = ANNOTATION.exec(annotation)!;
      if (severity) expected.push(`${index + 1}:${rule}:${severity}`);
    }
  });
  return expected.sort();
}

/** Asserts a fixture produces exactly its annotated findings, and returns them for further checks. */
export async function checkFixture(file: string, options: FixtureOptions = {}): Promise<Finding[]> {
  const findings = await analyzeFixture(file, options);
  const actual = findings.map((finding) => `${finding.span.startLine + 1}:${finding.rule}`).sort();
  const expected = expectedFindings(fs.readFileSync(file, 'utf8'), options.rules);
  assert.deepEqual(
    actual,
    expected,
    `${path.basename(file)}: findings (line:rule) differ from the // expect: annotations\n${findings.map((f) => `  ${f.span.startLine + 1}: ${f.rule}: ${f.message}`).join('\n')}`,
  );
  const severities = expectedSeverities(fs.readFileSync(file, 'utf8'));
  const pinned = new Set(severities.map((entry) => entry.split(':').slice(0, 2).join(':')));
  assert.deepEqual(
    findings
      .filter((finding) => pinned.has(`${finding.span.startLine + 1}:${finding.rule}`))
      .map((finding) => `${finding.span.startLine + 1}:${finding.rule}:${finding.severity}`)
      .sort(),
    severities,
    `${path.basename(file)}: severities differ from the // expect: rule(severity) annotations`,
  );
  return findings;
}
