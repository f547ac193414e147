// The kmalloc routing and size constants against every worked example and table row of
// ../shared/kernel-alloc-facts.md §1.1, §1.3, §1.4 and §1.7.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALLOC_APIS, AllocApi, FREE_APIS, allocApi } from '../../server/src/model/apis';
import { Arch, ModelConfig, configProblem, kernelConstants, parseKernelVersion } from '../../server/src/model/config';
import { kernelMacroValues } from '../../server/src/model/kernelMacros';
import { servingRoute } from '../../server/src/model/routing';
import { devresHeaderSize, getOrder, kmallocCacheSizes, kmallocRoute, orderRoute, pageRoute } from '../../server/src/model/slab';

function config(version = '6.1', arch: Arch = 'x86_64', pageSize = 4096): ModelConfig {
  return { kernel: parseKernelVersion(version)!, arch, pageSize };
}

const X86 = config();
const ARM64_OLD = config('6.1', 'arm64');
const ARM64_NEW = config('6.6', 'arm64');
const ARM64_64K = config('6.1', 'arm64', 65536);
const MiB = 1024 * 1024;

function api(name: string): AllocApi {
  const found = allocApi(name, X86);
  assert.ok(found, `${name} is catalogued`);
  return found;
}

describe('§1.1 constants per page size', () => {
  const rows = [
    { pageSize: 4096, arch: 'x86_64' as Arch, maxCache: 8192, maxSize: 4 * MiB, maxOrder: 10, shiftHigh: 13, costlyBytes: 32 * 1024 },
    { pageSize: 4096, arch: 'arm64' as Arch, maxCache: 8192, maxSize: 4 * MiB, maxOrder: 10, shiftHigh: 13, costlyBytes: 32 * 1024 },
    { pageSize: 16384, arch: 'arm64' as Arch, maxCache: 32768, maxSize: 32 * MiB, maxOrder: 11, shiftHigh: 15, costlyBytes: 128 * 1024 },
    { pageSize: 65536, arch: 'arm64' as Arch, maxCache: 131072, maxSize: 512 * MiB, maxOrder: 13, shiftHigh: 17, costlyBytes: 512 * 1024 },
  ];
  for (const row of rows) {
    for (const version of ['6.1', '6.6', '6.8']) {
      test(`${row.arch} ${row.pageSize / 1024}K pages, ${version}`, () => {
        const c = config(version, row.arch, row.pageSize);
        const constants = kernelConstants(c);
        assert.equal(constants.kmallocShiftHigh, row.shiftHigh, 'KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1');
        assert.equal(constants.kmallocMaxCacheSize, row.maxCache, 'KMALLOC_MAX_CACHE_SIZE');
        assert.equal(constants.kmallocMaxSize, row.maxSize, 'KMALLOC_MAX_SIZE');
        assert.equal(constants.maxOrder, row.maxOrder, 'KMALLOC_MAX_ORDER / largest buddy order');
        assert.equal(constants.costlyOrder, 3, 'PAGE_ALLOC_COSTLY_ORDER');
        // "> 32 KiB costly" etc.: the largest non-costly block is 2^3 pages.
        const atThreshold = pageRoute(row.costlyBytes, constants);
        const above = pageRoute(row.costlyBytes + 1, constants);
        assert.ok(atThreshold.kind === 'pages' && !atThreshold.costly, `${row.costlyBytes} bytes is not costly`);
        assert.ok(above.kind === 'pages' && above.costly, `${row.costlyBytes + 1} bytes is costly`);
        const macros = kernelMacroValues(c);
        assert.equal(macros.get('KMALLOC_MAX_SIZE'), row.maxSize);
        assert.equal(macros.get('KMALLOC_MAX_CACHE_SIZE'), row.maxCache);
        assert.equal(macros.get('KMALLOC_MAX_ORDER'), row.maxOrder);
        assert.equal(macros.get('PAGE_SIZE'), row.pageSize);
      });
    }
  }

  test('KMALLOC_MAX_SIZE itself is served, one byte more always fails', () => {
    for (const c of [X86, config('6.1', 'arm64', 16384), ARM64_64K]) {
      const { kmallocMaxSize, maxOrder } = kernelConstants(c);
      assert.deepEqual(kmallocRoute(kmallocMaxSize, c), { kind: 'pages', order: maxOrder, bytes: kmallocMaxSize, unused: 0, costly: true });
      assert.deepEqual(kmallocRoute(kmallocMaxSize + 1, c), { kind: 'too-large', order: maxOrder + 1, limit: kmallocMaxSize });
    }
  });

  test('smallest kmalloc object per architecture (§1.4)', () => {
    assert.deepEqual(kernelConstants(X86).kmallocMinSize, { low: 8, high: 8 });
    assert.deepEqual(kernelConstants(ARM64_OLD).kmallocMinSize, { low: 128, high: 128 });
    assert.deepEqual(kernelConstants(config('6.4', 'arm64')).kmallocMinSize, { low: 128, high: 128 });
    assert.deepEqual(kernelConstants(config('6.5', 'arm64')).kmallocMinSize, { low: 8, high: 128 });
  });

  test('configurations the model cannot describe are refused with a reason', () => {
    assert.equal(configProblem(X86), undefined);
    assert.equal(configProblem(ARM64_64K), undefined);
    assert.match(configProblem(config('6.1', 'x86_64', 65536))!, /4K pages only/);
    assert.match(configProblem(config('4.19'))!, /outside the modelled range/);
    assert.match(configProblem(config('6.1', 'arm64', 8192))!, /page size must be one of/);
  });
});

describe('§1.2/§1.3 size → kmalloc cache (x86-64, 4K)', () => {
  test('the caches that exist', () => {
    assert.deepEqual(kmallocCacheSizes(kernelConstants(X86), 8), [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192]);
    // KMALLOC_MIN_SIZE 128 (arm64 ≤6.4): no kmalloc-96, no kmalloc-192.
    assert.deepEqual(kmallocCacheSizes(kernelConstants(ARM64_OLD), 128), [128, 256, 512, 1024, 2048, 4096, 8192]);
    // A 64-byte minimum keeps kmalloc-192 (192 is 64-aligned) but not kmalloc-96.
    assert.deepEqual(kmallocCacheSizes(kernelConstants(ARM64_NEW), 64), [64, 128, 192, 256, 512, 1024, 2048, 4096, 8192]);
  });

  const boundaries: [number, number][] = [
    [1, 8],
    [8, 8],
    [9, 16],
    [16, 16],
    [17, 32],
    [32, 32],
    [33, 64],
    [64, 64],
    [65, 96],
    [96, 96],
    [97, 128],
    [128, 128],
    [129, 192],
    [192, 192],
    [193, 256],
    [256, 256],
    [257, 512],
    [512, 512],
    [513, 1024],
    [1024, 1024],
    [1025, 2048],
    [2048, 2048],
    [2049, 4096],
    [4096, 4096],
    [4097, 8192],
    [8192, 8192],
  ];
  for (const [size, cache] of boundaries) {
    test(`kmalloc(${size}) → kmalloc-${cache}`, () => {
      assert.deepEqual(kmallocRoute(size, X86), { kind: 'slab', cacheSize: cache, unused: cache - size });
    });
  }

  test('8193 bytes leaves the slab caches for the page allocator', () => {
    assert.deepEqual(kmallocRoute(8193, X86), { kind: 'pages', order: 2, bytes: 16384, unused: 8191, costly: false });
  });

  test('arm64 ≤6.4 (KMALLOC_MIN_SIZE 128): 72–96 → 128, 136–192 → 256', () => {
    for (const [size, cache] of [
      [1, 128],
      [72, 128],
      [96, 128],
      [129, 256],
      [136, 256],
      [192, 256],
      [193, 256],
    ]) {
      assert.equal((kmallocRoute(size, ARM64_OLD) as { cacheSize: number }).cacheSize, cache, `kmalloc(${size})`);
    }
  });
});

describe('§1.7 worked examples', () => {
  test('kmalloc(0) → ZERO_SIZE_PTR', () => {
    assert.deepEqual(kmallocRoute(0, X86), { kind: 'zero' });
  });

  test('kmalloc(8): kmalloc-8; arm64 ≤6.4 kmalloc-128; arm64 ≥6.5 kmalloc-8 up to kmalloc-128 by boot-time alignment', () => {
    assert.deepEqual(kmallocRoute(8, X86), { kind: 'slab', cacheSize: 8, unused: 0 });
    assert.deepEqual(kmallocRoute(8, ARM64_OLD), { kind: 'slab', cacheSize: 128, unused: 120 });
    assert.deepEqual(kmallocRoute(8, ARM64_NEW), { kind: 'slab', cacheSize: 8, unused: 0, alternative: 128 });
    // The facts' example (no swiotlb, 64-byte cache line): the smallest cache is kmalloc-64.
    assert.equal(kmallocCacheSizes(kernelConstants(ARM64_NEW), 64)[0], 64);
  });

  test('kmalloc(96): kmalloc-96; arm64 ≤6.4 kmalloc-128', () => {
    assert.deepEqual(kmallocRoute(96, X86), { kind: 'slab', cacheSize: 96, unused: 0 });
    assert.deepEqual(kmallocRoute(96, ARM64_OLD), { kind: 'slab', cacheSize: 128, unused: 32 });
  });

  test('kmalloc(100) → kmalloc-128, 28 unused', () => {
    assert.deepEqual(kmallocRoute(100, X86), { kind: 'slab', cacheSize: 128, unused: 28 });
  });

  test('kmalloc(150) → kmalloc-192, 42 unused; arm64 ≤6.4 kmalloc-256', () => {
    assert.deepEqual(kmallocRoute(150, X86), { kind: 'slab', cacheSize: 192, unused: 42 });
    assert.deepEqual(kmallocRoute(150, ARM64_OLD), { kind: 'slab', cacheSize: 256, unused: 106 });
  });

  test('kmalloc(4097) → kmalloc-8k, 4095 unused', () => {
    assert.deepEqual(kmallocRoute(4097, X86), { kind: 'slab', cacheSize: 8192, unused: 4095 });
  });

  test('kmalloc(9000) → order-2 compound page, 7384 unused; 64K-page arm64 kmalloc-16k', () => {
    assert.deepEqual(kmallocRoute(9000, X86), { kind: 'pages', order: 2, bytes: 16384, unused: 7384, costly: false });
    assert.deepEqual(kmallocRoute(9000, ARM64_64K), { kind: 'slab', cacheSize: 16384, unused: 7384 });
  });

  test('kmalloc(40000) → order 4 (65536), costly, 25536 unused', () => {
    assert.deepEqual(kmallocRoute(40000, X86), { kind: 'pages', order: 4, bytes: 65536, unused: 25536, costly: true });
  });

  test('kmalloc(4 MiB) → order 10, the limit, 0 unused', () => {
    assert.deepEqual(kmallocRoute(4 * MiB, X86), { kind: 'pages', order: 10, bytes: 4 * MiB, unused: 0, costly: true });
  });

  test('kmalloc(5 MiB) → order 11 > 10: always fails (KMALLOC_MAX_SIZE 4194304)', () => {
    assert.deepEqual(kmallocRoute(5 * MiB, X86), { kind: 'too-large', order: 11, limit: 4194304 });
  });

  test('kmalloc(SZ_8M) fails with 4K pages but not with 64K pages on arm64', () => {
    assert.equal(kmallocRoute(8 * MiB, X86).kind, 'too-large');
    assert.deepEqual(kmallocRoute(8 * MiB, ARM64_64K), { kind: 'pages', order: 7, bytes: 8 * MiB, unused: 0, costly: true });
  });

  test('devm_kmalloc(dev, 4096) on 6.1 x86-64: 40-byte devres header → kmalloc-8k, 4056 unused', () => {
    assert.equal(devresHeaderSize(X86), 40);
    assert.deepEqual(servingRoute(api('devm_kmalloc'), { size: 4096 }, X86), {
      via: 'kmalloc',
      route: { kind: 'slab', cacheSize: 8192, unused: 4056 },
      requested: 4096,
      header: 40,
    });
    // arm64 6.1: data[] is __aligned(ARCH_KMALLOC_MINALIGN) = 128 (drivers/base/devres.c, 6.1).
    assert.equal(devresHeaderSize(ARM64_OLD), 128);
    assert.deepEqual(servingRoute(api('devm_kmalloc'), { size: 4096 }, ARM64_OLD), {
      via: 'kmalloc',
      route: { kind: 'slab', cacheSize: 8192, unused: 3968 },
      requested: 4096,
      header: 128,
    });
    // Later struct devres layouts were not checked (facts §8.9): no figure rather than a guess.
    assert.equal(servingRoute(api('devm_kmalloc'), { size: 4096 }, config('6.6')).via, 'unknown');
  });
});

describe('page orders and other families', () => {
  test('get_order()', () => {
    for (const [size, order] of [
      [0, 0],
      [1, 0],
      [4096, 0],
      [4097, 1],
      [8192, 1],
      [8193, 2],
      [9000, 2],
      [40000, 4],
      [4 * MiB, 10],
      [5 * MiB, 11],
    ]) {
      assert.equal(getOrder(size, 12), order, `get_order(${size})`);
    }
    assert.equal(getOrder(65536, 16), 0);
    assert.equal(getOrder(65537, 16), 1);
  });

  test('alloc_pages orders: 10 is the x86-64 limit, 11 fails; 64K arm64 goes to 13', () => {
    assert.deepEqual(orderRoute(10, X86), { kind: 'pages', order: 10, bytes: 4 * MiB, unused: 0, costly: true });
    assert.deepEqual(orderRoute(11, X86), { kind: 'too-large', order: 11, limit: 4 * MiB });
    assert.deepEqual(orderRoute(3, X86), { kind: 'pages', order: 3, bytes: 32768, unused: 0, costly: false });
    assert.equal(orderRoute(13, ARM64_64K).kind, 'pages');
    assert.equal(orderRoute(14, ARM64_64K).kind, 'too-large');
  });

  test('servingRoute per family', () => {
    assert.deepEqual(servingRoute(api('kmalloc'), { size: 100 }, X86), { via: 'kmalloc', route: { kind: 'slab', cacheSize: 128, unused: 28 }, requested: 100 });
    assert.deepEqual(servingRoute(api('alloc_pages'), { order: 2 }, X86), { via: 'pages', route: { kind: 'pages', order: 2, bytes: 16384, unused: 0, costly: false } });
    assert.deepEqual(servingRoute(api('alloc_page'), {}, X86), { via: 'pages', route: { kind: 'pages', order: 0, bytes: 4096, unused: 0, costly: false } });
    assert.deepEqual(servingRoute(api('vmalloc'), { size: 10000 }, X86), { via: 'vmalloc', pages: 3, requested: 10000 });
    assert.deepEqual(servingRoute(api('dma_alloc_coherent'), { size: 5000 }, X86), { via: 'dma', order: 1, requested: 5000 });
    assert.deepEqual(servingRoute(api('alloc_pages_exact'), { size: 5 * MiB }, X86), { via: 'pages', route: { kind: 'too-large', order: 11, limit: 4 * MiB } });
    // kvmalloc tries vmalloc only above PAGE_SIZE (mm/util.c, 6.1).
    assert.equal((servingRoute(api('kvmalloc'), { size: 4096 }, X86) as { vmallocFallback: boolean }).vmallocFallback, false);
    assert.equal((servingRoute(api('kvmalloc'), { size: 4097 }, X86) as { vmallocFallback: boolean }).vmallocFallback, true);
    assert.equal(servingRoute(api('kmalloc'), {}, X86).via, 'unknown');
    assert.equal(servingRoute(api('kmem_cache_alloc'), {}, X86).via, 'unknown');
  });
});

describe('API catalogue consistency', () => {
  test('names are unique and every free named by an allocator is catalogued', () => {
    const names = ALLOC_APIS.map((entry) => entry.name);
    assert.equal(new Set(names).size, names.length, 'allocation API names are unique');
    const frees = new Set<string>(FREE_APIS.map((entry) => entry.name));
    assert.equal(frees.size, FREE_APIS.length, 'free API names are unique');
    for (const entry of ALLOC_APIS) {
      for (const free of entry.frees) assert.ok(frees.has(free), `${entry.name}: free ${free} is catalogued`);
    }
  });

  test('APIs with a GFP argument or an implied mask have one; fixed-size families have sizes', () => {
    for (const entry of ALLOC_APIS as readonly AllocApi[]) {
      if (entry.sleeps === 'gfp') assert.ok(entry.args.gfp !== undefined || entry.defaultGfp, `${entry.name}: sleeps by gfp needs a gfp argument`);
      if (entry.size === 'size') assert.ok(entry.args.size !== undefined, `${entry.name}: size formula needs a size argument`);
      if (entry.size === 'count*size') assert.ok(entry.args.size !== undefined && entry.args.count !== undefined, `${entry.name}: count*size`);
      if (entry.size === 'pages<<order') assert.ok(entry.args.order !== undefined, `${entry.name}: order argument`);
    }
  });

  test('7.0-only helpers are unknown on 6.1', () => {
    assert.equal(allocApi('kmalloc_obj', X86), undefined);
    assert.ok(allocApi('kmalloc_obj', config('7.0')));
  });
});
