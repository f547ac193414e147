// The committed TextMate injection grammar must be what scripts/generateGrammar.ts makes from the
// model today, and its patterns must scope every catalogued name and nothing around them.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { GRAMMAR_PATH, grammarText } from '../../scripts/generateGrammar';
import { ALLOC_APIS, FREE_APIS } from '../../server/src/model/apis';
import { GFP_BITS, GFP_COMPOSITES } from '../../server/src/model/gfp';
import { ROOT } from '../support/paths';

const committed = fs.readFileSync(path.join(ROOT, GRAMMAR_PATH), 'utf8');
const grammar = JSON.parse(committed);

test('syntaxes/kernel-alloc.injection.json is up to date with the model (run `npm run grammar`)', () => {
  assert.equal(committed, grammarText());
});

test('package.json contributes the grammar under the same scope name, injected into source.c', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const entry = manifest.contributes.grammars.find((g: { path: string }) => path.normalize(g.path) === path.normalize(`./${GRAMMAR_PATH}`));
  assert.ok(entry, 'package.json points at the grammar');
  assert.equal(entry.scopeName, grammar.scopeName);
  assert.deepEqual(entry.injectTo, ['source.c']);
  assert.match(grammar.injectionSelector, /source\.c/);
});

function matches(rule: string, text: string): string[] {
  return [...text.matchAll(new RegExp(grammar.repository[rule].match, 'g'))].map((match) => match[0]);
}

test('every allocation API is scoped where it is called', () => {
  for (const api of ALLOC_APIS) assert.deepEqual(matches('alloc-function', `p = ${api.name}(x);`), [api.name], api.name);
  assert.deepEqual(matches('alloc-function', 'p = kmalloc (n, GFP_KERNEL);'), ['kmalloc']);
});

test('every free API is scoped where it is called', () => {
  for (const api of FREE_APIS) assert.deepEqual(matches('free-function', `${api.name}(p);`), [api.name], api.name);
});

test('every GFP bit and composite is scoped', () => {
  for (const flag of [...GFP_BITS, ...GFP_COMPOSITES]) assert.deepEqual(matches('gfp-flag', `f(${flag.name} | x)`), [flag.name], flag.name);
});

test('longer identifiers, members and non-calls are left alone', () => {
  assert.deepEqual(matches('alloc-function', 'my_kmalloc(x); kmalloc_foo(x); s->kmalloc = 1; int kmalloc;'), []);
  assert.deepEqual(matches('free-function', 'kfree_skb(skb); xkfree(p);'), []);
  assert.deepEqual(matches('gfp-flag', 'MY_GFP_KERNEL GFP_KERNEL_X gfp'), []);
});
