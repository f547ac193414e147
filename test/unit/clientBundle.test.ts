// The VS Code client stays thin: its bundle holds the client's own modules and the shared
// protocol module, never server code (no parser, model or analysis in the extension host).
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { DIST, ROOT } from '../support/paths';

test('dist/client.js bundles client/src and server/src/protocol.ts only, besides libraries', () => {
  const map = JSON.parse(fs.readFileSync(path.join(DIST, 'client.js.map'), 'utf8')) as { sources: string[] };
  const ours = map.sources.map((source) => path.relative(ROOT, path.resolve(DIST, source))).filter((source) => !source.split(path.sep).includes('node_modules'));
  assert.ok(ours.includes(path.join('client', 'src', 'extension.ts')), ours.join(', '));
  assert.ok(ours.includes(path.join('server', 'src', 'protocol.ts')), 'the client sends with the shared protocol types');
  const foreign = ours.filter((source) => !source.startsWith(path.join('client', 'src') + path.sep) && source !== path.join('server', 'src', 'protocol.ts'));
  assert.deepEqual(foreign, []);
});
