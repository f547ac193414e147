// Every diagnostic's codeDescription.href must land on its rule's section of the README on GitHub:
// the README must have a heading whose GitHub anchor is the link's fragment, and only one.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { describe, test } from 'node:test';
import { REPOSITORY_URL, githubAnchor, ruleDocumentationUrl } from '../../server/src/features/ruleLinks';
import { RULES } from '../../server/src/rules/index';
import { ROOT } from '../support/paths';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
/** Headings outside fenced code blocks, as GitHub renders them. */
const headings = readme
  .replace(/^```[\s\S]*?^```/gm, '')
  .split('\n')
  .flatMap((line) => /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1] ?? []);

describe('rule documentation links', () => {
  test('GitHub anchors: lower case, code spans and punctuation dropped, spaces as dashes', () => {
    assert.equal(githubAnchor('`kmalloc-too-large`'), 'kmalloc-too-large');
    assert.equal(githubAnchor('The allocator model'), 'the-allocator-model');
    assert.equal(githubAnchor('Neovim / Helix (0.11+)'), 'neovim--helix-011');
    assert.equal(githubAnchor('snake_case_rule'), 'snake_case_rule');
  });

  test('the links point at the repository package.json names', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.equal(REPOSITORY_URL, manifest.repository.url.replace(/\.git$/, ''));
  });

  for (const rule of RULES) {
    test(`${rule.id}: the link's anchor is exactly one README heading`, () => {
      const url = new URL(ruleDocumentationUrl(rule.id));
      assert.equal(`${url.origin}${url.pathname}`, REPOSITORY_URL);
      const anchor = url.hash.slice(1);
      assert.ok(anchor.length > 0);
      const matching = headings.filter((heading) => githubAnchor(heading) === anchor);
      assert.equal(matching.length, 1, `README headings with anchor #${anchor}: ${JSON.stringify(matching)}`);
    });
  }
});
