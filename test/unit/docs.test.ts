// README.md documents what ships: one Rules subsection per registered rule, every setting the
// extension contributes, and the two quick-start commands.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { LAYERS, MAP_ENTRY_APIS } from '../../server/src/model/layers';
import { RULES } from '../../server/src/rules/index';
import { ROOT } from '../support/paths';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test('README has a Rules subsection for every registered rule', () => {
  for (const rule of RULES) assert.ok(readme.includes(`### \`${rule.id}\``), `README: ### \`${rule.id}\``);
});

test('README documents every contributed setting', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const key of Object.keys(manifest.contributes.configuration.properties)) assert.ok(readme.includes(`\`${key}\``), `README: ${key}`);
});

test('README quick start: the example check and npm test', () => {
  assert.ok(readme.includes('npm ci && npm run build && node dist/cli.js check examples/'));
  assert.match(readme, /```sh\nnpm test\n```/);
  assert.ok(fs.existsSync(path.join(ROOT, 'CONTRIBUTING.md')));
});

test("README's allocator map paragraph names every API box and layer the map draws", () => {
  const paragraph = /- \*\*Allocator map\*\*[\s\S]*?\n\n/.exec(readme)?.[0] ?? '';
  assert.ok(paragraph, 'README: the Allocator map paragraph');
  for (const names of MAP_ENTRY_APIS) assert.ok(paragraph.includes(names.map((name) => `\`${name}\``).join('/')), `README map paragraph: ${names.join('/')}`);
  for (const layer of LAYERS) assert.ok(paragraph.includes(layer.title), `README map paragraph: layer ${layer.title}`);
});
