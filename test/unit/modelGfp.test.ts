// GFP composites → bits per release and the blocking predicate, against
// ../shared/kernel-alloc-facts.md §2 (and include/linux/gfp_types.h, 6.1).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ModelConfig, parseKernelVersion } from '../../server/src/model/config';
import { GFP_BITS, GFP_COMPOSITES, expandGfpName, gfpAllowsBlocking, isGfpName } from '../../server/src/model/gfp';
import { evaluateGfpText } from '../../server/src/analysis/gfpMask';
import { kmallocCachePrefix } from '../../server/src/model/slab';

function at(version: string): ModelConfig {
  return { kernel: parseKernelVersion(version)!, arch: 'x86_64', pageSize: 4096 };
}

function bits(name: string, version: string): string[] {
  const value = expandGfpName(name, at(version));
  assert.ok(value, `${name} is known`);
  return [...value.bits].sort();
}

const RECLAIM = ['__GFP_DIRECT_RECLAIM', '__GFP_KSWAPD_RECLAIM'];
const KERNEL = [...RECLAIM, '__GFP_IO', '__GFP_FS'];

describe('§2.1 bit values', () => {
  test('bit values follow gfp_types.h', () => {
    const values = Object.fromEntries(GFP_BITS.filter((bit) => 'value' in bit).map((bit) => [bit.name, (bit as { value: number }).value]));
    assert.deepEqual(values, {
      __GFP_DMA: 0x01,
      __GFP_HIGHMEM: 0x02,
      __GFP_DMA32: 0x04,
      __GFP_MOVABLE: 0x08,
      __GFP_RECLAIMABLE: 0x10,
      __GFP_HIGH: 0x20,
      __GFP_IO: 0x40,
      __GFP_FS: 0x80,
      __GFP_ZERO: 0x100,
      __GFP_ATOMIC: 0x200,
      __GFP_DIRECT_RECLAIM: 0x400,
      __GFP_KSWAPD_RECLAIM: 0x800,
      __GFP_WRITE: 0x1000,
      __GFP_NOWARN: 0x2000,
      __GFP_RETRY_MAYFAIL: 0x4000,
      __GFP_NOFAIL: 0x8000,
      __GFP_NORETRY: 0x10000,
      __GFP_MEMALLOC: 0x20000,
      __GFP_COMP: 0x40000,
      __GFP_NOMEMALLOC: 0x80000,
      __GFP_HARDWALL: 0x100000,
      __GFP_THISNODE: 0x200000,
      __GFP_ACCOUNT: 0x400000,
      __GFP_ZEROTAGS: 0x800000,
    });
  });

  test('__GFP_ATOMIC exists up to 6.2: commit 2973d8229b78 removed it in 6.3', () => {
    assert.deepEqual(bits('__GFP_ATOMIC', '6.1'), ['__GFP_ATOMIC']);
    assert.deepEqual(bits('__GFP_ATOMIC', '6.2'), ['__GFP_ATOMIC']);
    assert.deepEqual(bits('__GFP_ATOMIC', '6.3'), []);
    assert.deepEqual(bits('__GFP_ATOMIC', '6.6'), []);
  });

  test('the KASAN skip bits: two in 6.1, one from 6.6 (the release in between is not claimed)', () => {
    assert.deepEqual(bits('__GFP_SKIP_KASAN_POISON', '6.1'), ['__GFP_SKIP_KASAN_POISON']);
    assert.deepEqual(bits('__GFP_SKIP_KASAN', '6.1'), []);
    assert.deepEqual(bits('__GFP_SKIP_KASAN', '6.6'), ['__GFP_SKIP_KASAN']);
    assert.deepEqual(bits('__GFP_SKIP_KASAN_UNPOISON', '6.6'), []);
    assert.equal(expandGfpName('GFP_HIGHUSER_MOVABLE', at('6.3'))!.uncertainty.length, 1);
  });

  test('every composite expands in every modelled release', () => {
    for (const version of ['5.4', '6.1', '6.4', '6.6', '6.7', '6.8', '6.12', '7.0']) {
      for (const flag of GFP_COMPOSITES) assert.ok(expandGfpName(flag.name, at(version)), `${flag.name} on ${version}`);
    }
    assert.equal(expandGfpName('GFP_BOGUS', at('6.1')), undefined);
    assert.equal(isGfpName('GFP_KERNEL'), true);
    assert.equal(isGfpName('__GFP_NOWARN'), true);
    assert.equal(isGfpName('gfp'), false);
  });
});

describe('§2.2 composites', () => {
  test('GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS in every release', () => {
    for (const version of ['5.4', '6.1', '6.6', '6.8']) assert.deepEqual(bits('GFP_KERNEL', version), [...KERNEL].sort());
  });

  test('GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT', () => {
    assert.deepEqual(bits('GFP_KERNEL_ACCOUNT', '6.1'), [...KERNEL, '__GFP_ACCOUNT'].sort());
  });

  test('GFP_ATOMIC has __GFP_ATOMIC in 6.1, not in 6.6', () => {
    assert.deepEqual(bits('GFP_ATOMIC', '6.1'), ['__GFP_ATOMIC', '__GFP_HIGH', '__GFP_KSWAPD_RECLAIM']);
    assert.deepEqual(bits('GFP_ATOMIC', '6.6'), ['__GFP_HIGH', '__GFP_KSWAPD_RECLAIM']);
    assert.deepEqual(expandGfpName('GFP_ATOMIC', at('6.6'))!.uncertainty, []);
  });

  test('GFP_ATOMIC is exact on both sides of the 6.3 change', () => {
    assert.deepEqual(bits('GFP_ATOMIC', '6.2'), ['__GFP_ATOMIC', '__GFP_HIGH', '__GFP_KSWAPD_RECLAIM']);
    assert.deepEqual(bits('GFP_ATOMIC', '6.3'), ['__GFP_HIGH', '__GFP_KSWAPD_RECLAIM']);
    for (const version of ['6.2', '6.3', '6.4', '6.5']) assert.deepEqual(expandGfpName('GFP_ATOMIC', at(version))!.uncertainty, [], version);
  });

  test('GFP_NOWAIT gains __GFP_NOWARN in 6.8, not in 6.6', () => {
    assert.deepEqual(bits('GFP_NOWAIT', '6.6'), ['__GFP_KSWAPD_RECLAIM']);
    assert.deepEqual(bits('GFP_NOWAIT', '6.8'), ['__GFP_KSWAPD_RECLAIM', '__GFP_NOWARN']);
    assert.deepEqual(bits('GFP_NOWAIT', '6.1'), ['__GFP_KSWAPD_RECLAIM']);
    assert.match(expandGfpName('GFP_NOWAIT', at('6.7'))!.uncertainty.join(), /NOWARN/);
  });

  test('GFP_NOIO, GFP_NOFS, GFP_USER, GFP_DMA, GFP_DMA32, GFP_HIGHUSER', () => {
    assert.deepEqual(bits('GFP_NOIO', '6.1'), [...RECLAIM].sort());
    assert.deepEqual(bits('GFP_NOFS', '6.1'), [...RECLAIM, '__GFP_IO'].sort());
    assert.deepEqual(bits('GFP_USER', '6.1'), [...KERNEL, '__GFP_HARDWALL'].sort());
    assert.deepEqual(bits('GFP_DMA', '6.1'), ['__GFP_DMA']);
    assert.deepEqual(bits('GFP_DMA32', '6.1'), ['__GFP_DMA32']);
    assert.deepEqual(bits('GFP_HIGHUSER', '6.1'), [...KERNEL, '__GFP_HARDWALL', '__GFP_HIGHMEM'].sort());
  });

  test('GFP_HIGHUSER_MOVABLE: two KASAN skip bits in 6.1, one in 6.6', () => {
    const base = [...KERNEL, '__GFP_HARDWALL', '__GFP_HIGHMEM', '__GFP_MOVABLE'];
    assert.deepEqual(bits('GFP_HIGHUSER_MOVABLE', '6.1'), [...base, '__GFP_SKIP_KASAN_POISON', '__GFP_SKIP_KASAN_UNPOISON'].sort());
    assert.deepEqual(bits('GFP_HIGHUSER_MOVABLE', '6.6'), [...base, '__GFP_SKIP_KASAN'].sort());
  });

  test('GFP_TRANSHUGE_LIGHT removes __GFP_RECLAIM (& ~__GFP_RECLAIM); GFP_TRANSHUGE adds direct reclaim back', () => {
    const light = bits('GFP_TRANSHUGE_LIGHT', '6.6');
    assert.deepEqual(light, ['__GFP_COMP', '__GFP_FS', '__GFP_HARDWALL', '__GFP_HIGHMEM', '__GFP_IO', '__GFP_MOVABLE', '__GFP_NOMEMALLOC', '__GFP_NOWARN', '__GFP_SKIP_KASAN']);
    assert.deepEqual(bits('GFP_TRANSHUGE', '6.6'), [...light, '__GFP_DIRECT_RECLAIM'].sort());
  });
});

describe('gfpAllowsBlocking (gfpflags_allow_blocking)', () => {
  const cases: [string, boolean][] = [
    ['GFP_KERNEL', true],
    ['GFP_KERNEL_ACCOUNT', true],
    ['GFP_NOIO', true],
    ['GFP_NOFS', true],
    ['GFP_USER', true],
    ['GFP_HIGHUSER', true],
    ['GFP_HIGHUSER_MOVABLE', true],
    ['GFP_TRANSHUGE', true],
    ['GFP_ATOMIC', false],
    ['GFP_NOWAIT', false],
    ['GFP_TRANSHUGE_LIGHT', false],
    ['GFP_DMA', false],
    ['__GFP_KSWAPD_RECLAIM', false],
    ['__GFP_DIRECT_RECLAIM', true],
  ];
  for (const [name, blocks] of cases) {
    test(`${name} ${blocks ? 'may sleep' : 'does not sleep'}`, () => {
      for (const version of ['6.1', '6.8']) assert.equal(gfpAllowsBlocking(expandGfpName(name, at(version))!), blocks);
    });
  }

  test('expressions: GFP_KERNEL & ~__GFP_DIRECT_RECLAIM does not sleep; GFP_ATOMIC | __GFP_NOWARN does not; GFP_DMA | GFP_KERNEL does', () => {
    const config = at('6.1');
    const eval_ = (text: string) => evaluateGfpText(text, config, new Map());
    assert.equal(gfpAllowsBlocking(eval_('GFP_KERNEL & ~__GFP_DIRECT_RECLAIM')!), false);
    assert.equal(gfpAllowsBlocking(eval_('GFP_ATOMIC | __GFP_NOWARN')!), false);
    assert.equal(gfpAllowsBlocking(eval_('GFP_DMA | GFP_KERNEL')!), true);
    assert.equal(gfpAllowsBlocking(eval_('(gfp_t)GFP_KERNEL')!), true);
    assert.equal(eval_('flags'), undefined, 'a variable is unknown, never guessed');
  });
});

describe('kmalloc_type() cache family', () => {
  test('priority __GFP_DMA > __GFP_RECLAIMABLE > __GFP_ACCOUNT', () => {
    const config = at('6.1');
    assert.equal(kmallocCachePrefix(new Set(['__GFP_DMA', '__GFP_ACCOUNT', '__GFP_RECLAIMABLE']), config).prefix, 'dma-kmalloc-');
    assert.equal(kmallocCachePrefix(new Set(['__GFP_ACCOUNT', '__GFP_RECLAIMABLE']), config).prefix, 'kmalloc-rcl-');
    assert.equal(kmallocCachePrefix(expandGfpName('GFP_KERNEL_ACCOUNT', config)!.bits, config).prefix, 'kmalloc-cg-');
    assert.equal(kmallocCachePrefix(expandGfpName('GFP_KERNEL', config)!.bits, config).prefix, 'kmalloc-');
  });
});
