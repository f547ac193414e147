// The kernel configuration a figure holds for: version, architecture, page size. Every
// version-dependent constant is derived here from ../shared/kernel-alloc-facts.md §1.1 and §1.4,
// so the rest of the model reads numbers instead of restating kernel history.

export type Arch = 'x86_64' | 'arm64' | 'arm';
export const ARCHES: readonly Arch[] = ['x86_64', 'arm64', 'arm'];
export const PAGE_SIZES: readonly number[] = [4096, 16384, 65536];

/** Oldest and newest kernel the model has facts for. */
export const OLDEST_KERNEL = '5.4';
export const NEWEST_KERNEL = '7.0';
export const DEFAULT_KERNEL = '6.1';

export interface KernelVersion {
  major: number;
  minor: number;
}

/**
 * The Kconfig options of the tree's `.config` (`CONFIG_X` → `y`, `m`, or a value; options the file
 * says are "not set" are absent). `source` and `key` (the file's path and a digest of its text) make
 * a config with options a different cache key from one without: JSON.stringify writes a Map as {}.
 */
export interface KconfigOptions {
  source: string;
  key: string;
  options: ReadonlyMap<string, string>;
}

export interface ModelConfig {
  kernel: KernelVersion;
  arch: Arch;
  pageSize: number;
  /** The tree's .config when one was detected; `#if CONFIG_…` groups are then evaluated. */
  kconfig?: KconfigOptions;
}

export const DEFAULT_CONFIG: ModelConfig = {
  kernel: { major: 6, minor: 1 },
  arch: 'x86_64',
  pageSize: 4096,
};

export function parseKernelVersion(text: string): KernelVersion | undefined {
  const match = /^\s*v?(\d+)\.(\d+)(?:\.\d+)?(?:-rc\d+)?\s*$/.exec(text);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

export function formatKernelVersion(version: KernelVersion): string {
  return `${version.major}.${version.minor}`;
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b` ("6.4"). */
export function compareVersion(a: KernelVersion, b: string): number {
  const other = parseKernelVersion(b);
  if (!other) throw new Error(`bad version literal ${b}`);
  return a.major !== other.major ? a.major - other.major : a.minor - other.minor;
}

export function atLeast(config: ModelConfig, version: string): boolean {
  return compareVersion(config.kernel, version) >= 0;
}

/** Why a configuration cannot be modelled, or undefined when it can. */
export function configProblem(config: ModelConfig): string | undefined {
  if (compareVersion(config.kernel, OLDEST_KERNEL) < 0 || compareVersion(config.kernel, NEWEST_KERNEL) > 0) {
    return `kernel ${formatKernelVersion(config.kernel)} is outside the modelled range ${OLDEST_KERNEL}–${NEWEST_KERNEL}`;
  }
  if (!ARCHES.includes(config.arch)) return `unknown architecture ${config.arch}`;
  if (!PAGE_SIZES.includes(config.pageSize)) return `page size must be one of ${PAGE_SIZES.join(', ')}`;
  if (config.arch !== 'arm64' && config.pageSize !== 4096) {
    return `${config.arch} has 4K pages only (16K and 64K pages are an arm64 option)`;
  }
  return undefined;
}

/** Size constants for one configuration, as include/linux/slab.h and mmzone.h compute them. */
export interface KernelConstants {
  pageShift: number;
  /** Largest order the buddy allocator serves, inclusive (6.1 MAX_ORDER - 1; ≥6.4 MAX_ORDER; ≥6.8 MAX_PAGE_ORDER). */
  maxOrder: number;
  /** KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1 under SLUB. */
  kmallocShiftHigh: number;
  /** KMALLOC_MAX_CACHE_SIZE: largest request served by a kmalloc slab cache. */
  kmallocMaxCacheSize: number;
  /** KMALLOC_MAX_SIZE: anything above always fails. */
  kmallocMaxSize: number;
  /** PAGE_ALLOC_COSTLY_ORDER (include/linux/mmzone.h). */
  costlyOrder: number;
  /**
   * Bounds of the smallest kmalloc object. On arm64 ≥6.5 it is chosen at boot from
   * swiotlb and the cache line (facts §1.4), so the model carries both ends.
   */
  kmallocMinSize: { low: number; high: number };
}

export function kernelConstants(config: ModelConfig): KernelConstants {
  const pageShift = Math.log2(config.pageSize);
  // Default arm64 ARCH_FORCE_MAX_ORDER gives the same inclusive limit per page size (facts §1.1);
  // x86_64 and arm use MAX_ORDER 11 exclusive = 10 inclusive.
  const maxOrder = config.arch === 'arm64' ? ({ 12: 10, 14: 11, 16: 13 }[pageShift] ?? 10) : 10;
  const kmallocShiftHigh = pageShift + 1;
  return {
    pageShift,
    maxOrder,
    kmallocShiftHigh,
    kmallocMaxCacheSize: 2 ** kmallocShiftHigh,
    kmallocMaxSize: 2 ** (maxOrder + pageShift),
    costlyOrder: 3,
    kmallocMinSize: kmallocMinSize(config),
  };
}

function kmallocMinSize(config: ModelConfig): { low: number; high: number } {
  switch (config.arch) {
    case 'x86_64':
      return { low: 8, high: 8 };
    case 'arm64':
      // ≤6.4 ARCH_KMALLOC_MINALIGN = ARCH_DMA_MINALIGN = 128; ≥6.5 8 with swiotlb, else the
      // cache line (CTR_EL0.CWG, fallback 128) — facts §1.4, P-MINALIGN.
      return atLeast(config, '6.5') ? { low: 8, high: 128 } : { low: 128, high: 128 };
    case 'arm':
      // ARCH_KMALLOC_MINALIGN = L1_CACHE_BYTES = 1 << CONFIG_ARM_L1_CACHE_SHIFT (5 or 6).
      return { low: 32, high: 64 };
  }
}

export function describeConfig(config: ModelConfig): string {
  const pages = config.pageSize >= 1024 ? `${config.pageSize / 1024}K` : `${config.pageSize}`;
  return `kernel ${formatKernelVersion(config.kernel)} · ${config.arch} · ${pages} pages`;
}

/** Pointer width in bytes for the configured architecture (LP64 or ILP32). */
export function pointerSize(config: ModelConfig): number {
  return config.arch === 'arm' ? 4 : 8;
}
