// GFP flags as data: the bits of include/linux/gfp_types.h and the composites built from them,
// with the releases where a definition changed (../shared/kernel-alloc-facts.md §2).
import { ModelConfig, atLeast, compareVersion } from './config';

export interface GfpBit {
  name: string;
  /** Value where it is fixed across configurations; config-dependent bits have none. */
  value?: number;
  meaning: string;
  /** Present from / until (inclusive) this release; absent = always. */
  since?: string;
  until?: string;
  /** The upstream commit that added or removed it, when confirmed (then since/until are exact). */
  changedBy?: string;
}

/** Commit 2973d8229b78 (NeilBrown, the last of Mel Gorman's "Discard __GFP_ATOMIC" series), first in v6.3. */
const DISCARD_GFP_ATOMIC = 'commit 2973d8229b78 "mm: discard __GFP_ATOMIC" (v6.3)';

export const GFP_BITS = [
  { name: '__GFP_DMA', value: 0x01, meaning: 'allocate from ZONE_DMA (legacy; prefer the DMA API)' },
  { name: '__GFP_HIGHMEM', value: 0x02, meaning: 'may use highmem pages (not for kmalloc)' },
  { name: '__GFP_DMA32', value: 0x04, meaning: 'allocate from ZONE_DMA32 (never honoured by kmalloc)' },
  { name: '__GFP_MOVABLE', value: 0x08, meaning: 'page can be migrated or placed in ZONE_MOVABLE' },
  { name: '__GFP_RECLAIMABLE', value: 0x10, meaning: 'reclaimable slab (kmalloc-rcl-* caches)' },
  { name: '__GFP_HIGH', value: 0x20, meaning: 'high priority: may use part of the memory reserves' },
  { name: '__GFP_IO', value: 0x40, meaning: 'reclaim may start physical I/O' },
  { name: '__GFP_FS', value: 0x80, meaning: 'reclaim may call into the filesystem' },
  { name: '__GFP_ZERO', value: 0x100, meaning: 'return zeroed memory' },
  // 6.1 include/linux/gfp_types.h: `#define ___GFP_ATOMIC 0x200u`. 6.3 leaves 0x200 unused, so the
  // bits above keep their values (the 6.10 enum keeps a ___GFP_UNUSED_BIT in its place).
  { name: '__GFP_ATOMIC', value: 0x200, meaning: 'caller cannot reclaim or sleep and is high priority', until: '6.2', changedBy: DISCARD_GFP_ATOMIC },
  { name: '__GFP_DIRECT_RECLAIM', value: 0x400, meaning: 'may enter direct reclaim: the allocation may sleep' },
  { name: '__GFP_KSWAPD_RECLAIM', value: 0x800, meaning: 'wakes kswapd at the low watermark (does not sleep)' },
  { name: '__GFP_WRITE', value: 0x1000, meaning: 'caller intends to dirty the page' },
  { name: '__GFP_NOWARN', value: 0x2000, meaning: 'no allocation-failure report' },
  { name: '__GFP_RETRY_MAYFAIL', value: 0x4000, meaning: 'retry hard, but may fail' },
  { name: '__GFP_NOFAIL', value: 0x8000, meaning: 'never fails: retries forever (needs __GFP_DIRECT_RECLAIM)' },
  { name: '__GFP_NORETRY', value: 0x10000, meaning: 'light reclaim only, no OOM kill, fails early' },
  { name: '__GFP_MEMALLOC', value: 0x20000, meaning: 'may use all memory reserves' },
  { name: '__GFP_COMP', value: 0x40000, meaning: 'compound page metadata' },
  { name: '__GFP_NOMEMALLOC', value: 0x80000, meaning: 'never use memory reserves' },
  { name: '__GFP_HARDWALL', value: 0x100000, meaning: 'enforce the cpuset memory policy' },
  { name: '__GFP_THISNODE', value: 0x200000, meaning: 'only this NUMA node, no fallback' },
  { name: '__GFP_ACCOUNT', value: 0x400000, meaning: 'charged to kmemcg (kmalloc-cg-* caches)' },
  { name: '__GFP_ZEROTAGS', value: 0x800000, meaning: 'zero memory tags with __GFP_ZERO (arm64 MTE)' },
  { name: '__GFP_SKIP_ZERO', meaning: 'skip zeroing on free (KASAN_HW_TAGS only, else 0)' },
  // Read in 6.6 (K66) and later; the release that merged the two 6.1 bits into it was not confirmed.
  { name: '__GFP_SKIP_KASAN', meaning: 'skip KASAN poisoning (KASAN_HW_TAGS only, else 0)', since: '6.6' },
  { name: '__GFP_SKIP_KASAN_POISON', meaning: 'skip KASAN poisoning on free (KASAN_HW_TAGS only, else 0)', until: '6.1' },
  { name: '__GFP_SKIP_KASAN_UNPOISON', meaning: 'skip KASAN unpoisoning on allocation (KASAN_HW_TAGS only, else 0)', until: '6.1' },
  { name: '__GFP_NOLOCKDEP', meaning: 'no lockdep reclaim annotation (LOCKDEP only, else 0)' },
] as const satisfies readonly GfpBit[];

export interface GfpCompositeVariant {
  /** First and last release this definition holds for; absent = open-ended. */
  since?: string;
  until?: string;
  parts: readonly string[];
  /** The upstream commit that made this definition, when confirmed. */
  changedBy?: string;
}

export interface GfpComposite {
  name: string;
  summary: string;
  variants: readonly GfpCompositeVariant[];
  /** Releases between variants where the exact change was not confirmed (facts §8). */
  unverifiedChange?: string;
}

// Composites name their parts as in the header; parts are bits or other composites.
export const GFP_COMPOSITES = [
  {
    name: 'GFP_KERNEL',
    summary: 'normal kernel allocation: may sleep, reclaim, start I/O and call into filesystems',
    variants: [{ parts: ['__GFP_RECLAIM', '__GFP_IO', '__GFP_FS'] }],
  },
  {
    name: 'GFP_KERNEL_ACCOUNT',
    summary: 'GFP_KERNEL charged to the memory cgroup (for untrusted, user-triggered allocations)',
    variants: [{ parts: ['GFP_KERNEL', '__GFP_ACCOUNT'] }],
  },
  {
    name: 'GFP_ATOMIC',
    summary: 'cannot sleep, may use part of the reserves: for atomic context',
    // 6.1: `(__GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM)`; from 6.3 `(__GFP_HIGH|__GFP_KSWAPD_RECLAIM)`.
    variants: [
      { until: '6.2', parts: ['__GFP_HIGH', '__GFP_ATOMIC', '__GFP_KSWAPD_RECLAIM'] },
      { since: '6.3', parts: ['__GFP_HIGH', '__GFP_KSWAPD_RECLAIM'], changedBy: DISCARD_GFP_ATOMIC },
    ],
  },
  {
    name: 'GFP_NOWAIT',
    summary: 'cannot sleep and does not touch the reserves: fails fast',
    variants: [
      { until: '6.6', parts: ['__GFP_KSWAPD_RECLAIM'] },
      { since: '6.8', parts: ['__GFP_KSWAPD_RECLAIM', '__GFP_NOWARN'] },
    ],
    unverifiedChange: '__GFP_NOWARN was added to GFP_NOWAIT after 6.6 and is present by 6.8 (release not confirmed)',
  },
  {
    name: 'GFP_NOIO',
    summary: 'may sleep and reclaim but starts no I/O (prefer memalloc_noio_save())',
    variants: [{ parts: ['__GFP_RECLAIM'] }],
  },
  {
    name: 'GFP_NOFS',
    summary: 'may sleep and start I/O but does not call into filesystems (prefer memalloc_nofs_save())',
    variants: [{ parts: ['__GFP_RECLAIM', '__GFP_IO'] }],
  },
  {
    name: 'GFP_USER',
    summary: 'userspace allocation the kernel or hardware also accesses directly',
    variants: [{ parts: ['__GFP_RECLAIM', '__GFP_IO', '__GFP_FS', '__GFP_HARDWALL'] }],
  },
  { name: 'GFP_DMA', summary: 'ZONE_DMA only (legacy; prefer the DMA API)', variants: [{ parts: ['__GFP_DMA'] }] },
  { name: 'GFP_DMA32', summary: 'ZONE_DMA32 only (not honoured by kmalloc)', variants: [{ parts: ['__GFP_DMA32'] }] },
  {
    name: 'GFP_HIGHUSER',
    summary: 'userspace page that may live in highmem',
    variants: [{ parts: ['GFP_USER', '__GFP_HIGHMEM'] }],
  },
  {
    name: 'GFP_HIGHUSER_MOVABLE',
    summary: 'userspace page that may be in highmem and migrated',
    variants: [
      { until: '6.1', parts: ['GFP_HIGHUSER', '__GFP_MOVABLE', '__GFP_SKIP_KASAN_POISON', '__GFP_SKIP_KASAN_UNPOISON'] },
      { since: '6.6', parts: ['GFP_HIGHUSER', '__GFP_MOVABLE', '__GFP_SKIP_KASAN'] },
    ],
    unverifiedChange: 'the KASAN skip bits were merged into __GFP_SKIP_KASAN between 6.2 and 6.6',
  },
  {
    name: 'GFP_TRANSHUGE_LIGHT',
    summary: 'transparent huge page without direct reclaim',
    variants: [{ parts: ['GFP_HIGHUSER_MOVABLE', '__GFP_COMP', '__GFP_NOMEMALLOC', '__GFP_NOWARN', '-__GFP_RECLAIM'] }],
  },
  {
    name: 'GFP_TRANSHUGE',
    summary: 'transparent huge page, may reclaim directly',
    variants: [{ parts: ['GFP_TRANSHUGE_LIGHT', '__GFP_DIRECT_RECLAIM'] }],
  },
  {
    name: '__GFP_RECLAIM',
    summary: 'direct reclaim and kswapd wake-up',
    variants: [{ parts: ['__GFP_DIRECT_RECLAIM', '__GFP_KSWAPD_RECLAIM'] }],
  },
] as const satisfies readonly GfpComposite[];

const bitsByName = new Map<string, GfpBit>(GFP_BITS.map((bit) => [bit.name, bit]));
const compositesByName = new Map<string, GfpComposite>(GFP_COMPOSITES.map((flag) => [flag.name, flag]));

export function gfpBit(name: string): GfpBit | undefined {
  return bitsByName.get(name);
}

export function gfpComposite(name: string): GfpComposite | undefined {
  return compositesByName.get(name);
}

export function isGfpName(name: string): boolean {
  return bitsByName.has(name) || compositesByName.has(name);
}

function inRange(config: ModelConfig, since?: string, until?: string): boolean {
  return (!since || atLeast(config, since)) && (!until || compareVersion(config.kernel, until) <= 0);
}

export function bitExists(bit: GfpBit, config: ModelConfig): boolean {
  return inRange(config, bit.since, bit.until);
}

export interface CompositeDefinition {
  parts: readonly string[];
  /** Set when the configured release falls between two known definitions. */
  uncertainty?: string;
  changedBy?: string;
}

// The releases whose include/linux/gfp_types.h the tables were read from (facts §2); 6.1 is the
// extracted linux-source-6.1 tree.
const GFP_HEADERS_READ = ['6.1', '6.6', '6.8'] as const;

/**
 * Where a GFP card's figures come from for the configured kernel: the newest header read at or
 * below it, e.g. `include/linux/gfp_types.h (6.1)`.
 */
export function gfpSource(config: ModelConfig): string {
  return `include/linux/gfp_types.h (${gfpHeaderRelease(config)})`;
}

/** The newest release whose gfp_types.h was read at or below the configured one. */
export function gfpHeaderRelease(config: ModelConfig): string {
  return [...GFP_HEADERS_READ].reverse().find((release) => atLeast(config, release)) ?? GFP_HEADERS_READ[0];
}

/**
 * The definition of a composite for the configured kernel. Between two confirmed definitions the
 * older one is returned with the uncertainty spelled out, so callers can say so.
 */
export function compositeDefinition(flag: GfpComposite, config: ModelConfig): CompositeDefinition {
  const exact = flag.variants.find((variant) => inRange(config, variant.since, variant.until));
  if (exact) return { parts: exact.parts, ...(exact.changedBy ? { changedBy: exact.changedBy } : {}) };
  const older = [...flag.variants].reverse().find((variant) => !variant.since || atLeast(config, variant.since));
  return { parts: (older ?? flag.variants[0]).parts, uncertainty: flag.unverifiedChange };
}

/** A set of GFP bit names, with any uncertainty met on the way. */
export interface GfpValue {
  bits: ReadonlySet<string>;
  uncertainty: string[];
}

/** Expands a flag name to its bits for the configured kernel; undefined for an unknown name. */
export function expandGfpName(name: string, config: ModelConfig): GfpValue | undefined {
  const bit = bitsByName.get(name);
  if (bit) return { bits: new Set(bitExists(bit, config) ? [name] : []), uncertainty: [] };
  const flag = compositesByName.get(name);
  if (!flag) return undefined;
  const definition = compositeDefinition(flag, config);
  const bits = new Set<string>();
  const uncertainty = definition.uncertainty ? [definition.uncertainty] : [];
  const removed: string[] = [];
  for (const part of definition.parts) {
    const negated = part.startsWith('-');
    const inner = expandGfpName(negated ? part.slice(1) : part, config);
    if (!inner) return undefined;
    uncertainty.push(...inner.uncertainty);
    if (negated) removed.push(...inner.bits);
    else inner.bits.forEach((name) => bits.add(name));
  }
  removed.forEach((name) => bits.delete(name));
  return { bits, uncertainty };
}

/** Every bit that exists in the configured kernel: the universe `~flag` complements against. */
export function allGfpBits(config: ModelConfig): Set<string> {
  return new Set(GFP_BITS.filter((bit) => bitExists(bit, config)).map((bit) => bit.name));
}

/** gfpflags_allow_blocking(): an allocation may sleep iff __GFP_DIRECT_RECLAIM is set (sched/mm.h). */
export function gfpAllowsBlocking(value: GfpValue): boolean {
  return value.bits.has('__GFP_DIRECT_RECLAIM');
}

/** Bits in value order, for display. */
export function sortedBits(bits: ReadonlySet<string>): GfpBit[] {
  return GFP_BITS.filter((bit) => bits.has(bit.name));
}

export function formatBitValue(bit: GfpBit): string {
  return bit.value === undefined ? 'config-dependent' : `0x${bit.value.toString(16)}`;
}

/**
 * What __GFP_RETRY_MAYFAIL does for a costly order, from the 6.1 source. include/linux/gfp_types.h:
 * "The VM implementation will retry memory reclaim procedures that have previously failed if
 * there is some indication that progress has been made else where. [...] There is still a
 * definite limit to the number of retries [...] Allocations with this flag may fail [...] While
 * these allocations do not directly trigger the OOM killer [...] The caller must handle failure".
 * mm/page_alloc.c __alloc_pages_slowpath(): "Do not retry costly high order allocations unless
 * they are __GFP_RETRY_MAYFAIL and we can compact"; __alloc_pages_may_oom(): no OOM kill above
 * PAGE_ALLOC_COSTLY_ORDER or with __GFP_RETRY_MAYFAIL. mm/util.c kvmalloc_node(): above
 * PAGE_SIZE the kmalloc attempt gets __GFP_NORETRY only when the mask lacks __GFP_RETRY_MAYFAIL
 * ("__GFP_RETRY_MAYFAIL is supported").
 */
export const RETRY_MAYFAIL_COSTLY = {
  flag: '__GFP_RETRY_MAYFAIL',
  retries: 'will retry memory reclaim procedures that have previously failed if there is some indication that progress has been made',
  limit: 'There is still a definite limit to the number of retries',
  mayFail: true,
  invokesOomKiller: false,
  kvmallocKeepsRetrying: true,
  readIn: 'include/linux/gfp_types.h, mm/page_alloc.c __alloc_pages_slowpath(), mm/util.c kvmalloc_node(), 6.1',
} as const;
