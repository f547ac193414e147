// Card texts that depend on the configuration, checked on the pure functions (the LSP tests check
// the same cards through the server for the default configuration).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeKmallocRoute, expandMaskMacros, gfpCard } from '../../server/src/features/cards';
import { Arch, ModelConfig, parseKernelVersion } from '../../server/src/model/config';
import { kmallocRoute } from '../../server/src/model/slab';

function config(version: string, arch: Arch = 'x86_64', pageSize = 4096): ModelConfig {
  return { kernel: parseKernelVersion(version)!, arch, pageSize };
}

test('arm64 ≥6.5: the smallest cache depends on boot-time alignment, and the card says so', () => {
  const c = config('6.6', 'arm64');
  assert.equal(
    describeKmallocRoute(kmallocRoute(8, c), c),
    'slab cache kmalloc-8, 0 bytes unused — up to kmalloc-128 (120 bytes unused) when the boot-time minimum kmalloc alignment is larger (arm64 ≥6.5: without swiotlb it is the DMA cache-line alignment)',
  );
  const old = config('6.1', 'arm64');
  assert.equal(describeKmallocRoute(kmallocRoute(8, old), old), 'slab cache kmalloc-128, 120 bytes unused');
});

test('64K pages: 9000 bytes is a slab object, 8 MiB an order-7 compound page', () => {
  const c = config('6.1', 'arm64', 65536);
  assert.equal(describeKmallocRoute(kmallocRoute(9000, c), c), 'slab cache kmalloc-16k, 7384 bytes unused');
  assert.match(describeKmallocRoute(kmallocRoute(8 * 1024 * 1024, c), c), /^page allocator, order 7 \(8 MiB compound page\), 0 bytes unused — above PAGE_ALLOC_COSTLY_ORDER/);
});

test('always-fails names KMALLOC_MAX_SIZE for kmalloc and only the order for the page allocator', () => {
  const c = config('6.1');
  const route = kmallocRoute(5 * 1024 * 1024, c);
  assert.match(describeKmallocRoute(route, c), /order 11 is above the largest page-allocator order 10; KMALLOC_MAX_SIZE is 4194304 bytes \(4 MiB\)/);
  assert.doesNotMatch(describeKmallocRoute(route, c, 'kmalloc-', false), /KMALLOC_MAX_SIZE/);
});

test('GFP cards: C precedence, zone modifiers, per-release bits', () => {
  const c61 = config('6.1');
  const c66 = config('6.6');
  assert.match(gfpCard('GFP_TRANSHUGE_LIGHT', c66)!, /`GFP_TRANSHUGE_LIGHT = \(GFP_HIGHUSER_MOVABLE \| __GFP_COMP \| __GFP_NOMEMALLOC \| __GFP_NOWARN\) & ~__GFP_RECLAIM`/);
  assert.match(gfpCard('GFP_DMA', c61)!, /A zone modifier: combine it with GFP_KERNEL or GFP_ATOMIC/);
  assert.doesNotMatch(gfpCard('GFP_DMA', c61)!, /Does \*\*not\*\* sleep/);
  assert.match(gfpCard('GFP_ATOMIC', c61)!, /\| __GFP_ATOMIC \| 0x200 \|/);
  assert.doesNotMatch(gfpCard('GFP_ATOMIC', c66)!, /__GFP_ATOMIC \|/);
  assert.match(gfpCard('GFP_ATOMIC', c66)!, /not in NMI or raw_spinlock_t sections/);
  assert.match(gfpCard('GFP_NOWAIT', config('6.7'))!, /_.*NOWARN.*release not confirmed.*_/);
  assert.match(
    gfpCard('__GFP_ATOMIC', c66)!,
    /^\*\*__GFP_ATOMIC\*\* — not in kernel 6\.6 · x86_64 · 4K pages: present up to 6\.2; removed by commit 2973d8229b78 "mm: discard __GFP_ATOMIC" \(v6\.3\)\.$/,
  );
  assert.match(gfpCard('__GFP_ATOMIC', config('6.2'))!, /^\*\*__GFP_ATOMIC\*\* = 0x200/);
  // 6.3 cards are exact: no "not confirmed" hedge, the commit of the change named.
  const atomic63 = gfpCard('GFP_ATOMIC', config('6.3'))!;
  assert.match(atomic63, /`GFP_ATOMIC = __GFP_HIGH \| __GFP_KSWAPD_RECLAIM`/);
  assert.doesNotMatch(atomic63, /not confirmed/);
  assert.match(atomic63, /since commit 2973d8229b78/);
  // A 6.1 card cites 6.1's own header; a 6.6 card the 6.6 header read.
  assert.match(gfpCard('GFP_ATOMIC', c61)!, /raw_spinlock_t sections \(the GFP_ATOMIC comment of include\/linux\/gfp_types\.h, 6\.1\)/);
  assert.match(gfpCard('GFP_KERNEL', c61)!, /Source: include\/linux\/gfp_types\.h \(6\.1\)\._$/);
  assert.match(gfpCard('GFP_KERNEL', c66)!, /Source: include\/linux\/gfp_types\.h \(6\.6\)\._$/);
  assert.equal(gfpCard('GFP_WHATEVER', c61), undefined);
});

test("a #define'd mask expands to the kernel names it stands for, parentheses kept where they matter", () => {
  const macros = new Map([
    ['DEFAULT_GFP', { name: 'DEFAULT_GFP', body: '(GFP_KERNEL | __GFP_NORETRY)', line: 0 }],
    ['SPLIT_GFP', { name: 'SPLIT_GFP', body: '(GFP_KERNEL) | (__GFP_NOWARN)', line: 1 }],
    ['WRAP', { name: 'WRAP', body: 'x', params: ['x'], line: 2 }],
    ['EITHER', { name: 'EITHER', body: 'GFP_KERNEL', line: 3, conflicting: true }],
  ]);
  assert.equal(expandMaskMacros('DEFAULT_GFP', macros), 'GFP_KERNEL | __GFP_NORETRY');
  assert.equal(expandMaskMacros('SPLIT_GFP', macros), '(GFP_KERNEL) | (__GFP_NOWARN)');
  assert.equal(expandMaskMacros('DEFAULT_GFP | __GFP_ZERO', macros), '(GFP_KERNEL | __GFP_NORETRY) | __GFP_ZERO');
  assert.equal(expandMaskMacros('GFP_KERNEL', macros), undefined);
  assert.equal(expandMaskMacros('WRAP(GFP_KERNEL)', macros), undefined);
  assert.equal(expandMaskMacros('EITHER', macros), undefined);
});
