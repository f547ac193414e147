// analysis/sizes/valueRange.ts on its own: the usual arithmetic conversions, and the range of
// each size argument of a small file, computed in the configured data model's types.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { collectFileFacts } from '../../server/src/analysis/fileFacts';
import { argIndex } from '../../server/src/model/apis';
import { Arch } from '../../server/src/model/config';
import { commonType, sizeArgumentRange } from '../../server/src/analysis/sizes/valueRange';
import { configOf, sharedParser } from '../support/fixtures';

const INT = { bits: 32, signed: true, name: 'int' };
const UINT = { bits: 32, signed: false, name: 'unsigned int' };
const U16 = { bits: 16, signed: false, name: 'u16' };
const LONG = { bits: 64, signed: true, name: 'long' };
const ULONG = { bits: 64, signed: false, name: 'size_t' };

test('usual arithmetic conversions: promotion to int, rank, and unsigned winning at equal width', () => {
  assert.equal(commonType(U16, U16).name, 'int', 'u16 * u16 is computed in int');
  assert.equal(commonType(INT, UINT).name, 'unsigned int');
  assert.equal(commonType(UINT, LONG).name, 'long', 'a wider signed type holds every unsigned int');
  assert.equal(commonType(LONG, ULONG).name, 'size_t');
  assert.equal(commonType(U16, ULONG).name, 'size_t');
});

/** The [min, max] of each allocation's size argument in `body`, or 'unknown' / 'wraps'. */
async function ranges(body: string, arch: Arch = 'x86_64'): Promise<string[]> {
  const parser = await sharedParser();
  const config = configOf({ arch });
  const text = `struct item { u32 a; u32 b; };\nstatic void f(u16 n16, u32 n32, size_t nz, int ni)\n{\n\tvoid *p;\n${body}\n}\n`;
  const facts = new AnalysisDatabase().boundFacts(collectFileFacts('/tmp/kalloc-value-range/f.c', text, parser.parse(text)!, config), []);
  return facts.allocations.map((site) => {
    const argument = site.args[argIndex(site.api.args.size, site.args.length)!];
    const range = sizeArgumentRange(argument, site.call, facts.scope.forNode!(site.call));
    if (range.unknown) return `unknown ${range.unknown.text}`;
    if (range.wraps.length > 0) return `wraps ${range.wraps[0].node.text}`;
    return `${range.min}..${range.max}`;
  });
}

test('ranges of operators, casts and helpers', async () => {
  assert.deepEqual(
    await ranges(
      [
        'p = kmalloc((nz & 0xff) * 4, GFP_KERNEL);',
        'p = kmalloc((n32 % 8) * sizeof(struct item), GFP_KERNEL);',
        'p = kmalloc((n16 >> 4) * 2, GFP_KERNEL);',
        'p = kmalloc((n16 ? 2 : 8) * nz, GFP_KERNEL);',
        'p = kmalloc((n16 + 1) * sizeof(u64), GFP_KERNEL);',
        'p = kmalloc(n16 << 16, GFP_KERNEL);',
        'p = kmalloc(n16 << 15, GFP_KERNEL);',
        'p = kmalloc(n32 * 2, GFP_KERNEL);',
        'p = kmalloc((size_t)n32 * 2, GFP_KERNEL);',
        'p = kmalloc(strlen(s) * 2, GFP_KERNEL);',
        'p = kmalloc(min(ni, 8) * 4, GFP_KERNEL);',
        'p = kmalloc(be32_to_cpu(x) * 4, GFP_KERNEL);',
        'p = kmalloc(be32_to_cpu(x) * sizeof(u32), GFP_KERNEL);',
      ].join('\n'),
    ),
    [
      '0..1020',
      '0..56',
      '0..8190',
      'wraps (n16 ? 2 : 8) * nz',
      '8..524288',
      'wraps n16 << 16',
      '0..2147450880',
      'wraps n32 * 2',
      '0..8589934590',
      'unknown strlen(s)',
      'wraps min(ni, 8) * 4',
      'wraps be32_to_cpu(x) * 4',
      '0..17179869180',
    ],
  );
});

test('the same product in the ILP32 data model: size_t is 32 bits', async () => {
  assert.deepEqual(await ranges('p = kmalloc(n16 * sizeof(struct item), GFP_KERNEL);\np = kmalloc((size_t)n32 * 2, GFP_KERNEL);\np = kmalloc(n16 * n16, GFP_KERNEL);', 'arm'), [
    '0..524280',
    'wraps (size_t)n32 * 2',
    'wraps n16 * n16',
  ]);
});
