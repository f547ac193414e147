// kmalloc size routing under SLUB: which kmalloc cache serves a size, or which page-allocator
// order, or that the request always fails. Follows kmalloc_info[], size_index[],
// setup_kmalloc_cache_index_table() (mm/slab_common.c, 6.1) and __kmalloc_large_node() (mm/slab_common.c, 6.1).
import { KernelConstants, ModelConfig, atLeast, kernelConstants } from './config';

export type KmallocRoute =
  | { kind: 'zero' }
  | { kind: 'slab'; cacheSize: number; unused: number; /** set when the boot-time minimum alignment changes the cache */ alternative?: number }
  | { kind: 'pages'; order: number; bytes: number; unused: number; costly: boolean }
  | { kind: 'too-large'; order: number; limit: number };

/** The kmalloc cache sizes that exist for a smallest object size (facts §1.2). */
export function kmallocCacheSizes(constants: KernelConstants, minSize: number): number[] {
  const sizes: number[] = [];
  for (let shift = Math.log2(minSize); shift <= constants.kmallocShiftHigh; shift++) sizes.push(2 ** shift);
  // kmalloc-96 exists iff KMALLOC_MIN_SIZE <= 32, kmalloc-192 iff KMALLOC_MIN_SIZE <= 64.
  if (minSize <= 32) sizes.push(96);
  if (minSize <= 64) sizes.push(192);
  return sizes.sort((a, b) => a - b);
}

function smallestCache(size: number, sizes: number[]): number {
  // size_index[] and fls() both pick the smallest cache that holds the request.
  return sizes.find((cache) => cache >= size) ?? sizes[sizes.length - 1];
}

/** get_order(size): the page order whose block holds `size` bytes (include/asm-generic/getorder.h). */
export function getOrder(size: number, pageShift: number): number {
  if (size <= 1) return 0;
  let order = 0;
  while (2 ** (order + pageShift) < size) order++;
  return order;
}

/** How kmalloc(size) is served for one configuration. */
export function kmallocRoute(size: number, config: ModelConfig): KmallocRoute {
  const constants = kernelConstants(config);
  if (size === 0) return { kind: 'zero' };
  if (size > constants.kmallocMaxCacheSize) return pageRoute(size, constants);
  const { low, high } = constants.kmallocMinSize;
  const cacheSize = smallestCache(size, kmallocCacheSizes(constants, low));
  const worstCase = smallestCache(size, kmallocCacheSizes(constants, high));
  const route: KmallocRoute = { kind: 'slab', cacheSize, unused: cacheSize - size };
  return worstCase === cacheSize ? route : { ...route, alternative: worstCase };
}

/** How the page allocator serves `size` bytes (large kmalloc, alloc_pages_exact). */
export function pageRoute(size: number, constants: KernelConstants): KmallocRoute {
  const order = getOrder(size, constants.pageShift);
  if (order > constants.maxOrder) return { kind: 'too-large', order, limit: constants.kmallocMaxSize };
  const bytes = 2 ** (order + constants.pageShift);
  return { kind: 'pages', order, bytes, unused: bytes - size, costly: order > constants.costlyOrder };
}

/** How the page allocator serves an order directly (alloc_pages, __get_free_pages). */
export function orderRoute(order: number, config: ModelConfig): KmallocRoute {
  const constants = kernelConstants(config);
  if (order > constants.maxOrder) return { kind: 'too-large', order, limit: 2 ** (constants.maxOrder + constants.pageShift) };
  return { kind: 'pages', order, bytes: 2 ** (order + constants.pageShift), unused: 0, costly: order > constants.costlyOrder };
}

/** The kmalloc cache family a GFP mask selects: kmalloc_type(), priority DMA > RECLAIMABLE > ACCOUNT. */
export function kmallocCachePrefix(bits: ReadonlySet<string>, config: ModelConfig): { prefix: string; condition?: string } {
  if (bits.has('__GFP_DMA')) return { prefix: 'dma-kmalloc-', condition: 'with CONFIG_ZONE_DMA' };
  if (bits.has('__GFP_RECLAIMABLE')) return { prefix: 'kmalloc-rcl-' };
  if (bits.has('__GFP_ACCOUNT') && atLeast(config, '6.1')) return { prefix: 'kmalloc-cg-', condition: 'with CONFIG_MEMCG' };
  return { prefix: 'kmalloc-' };
}

export function formatCacheSize(size: number): string {
  return size >= 1024 && size % 1024 === 0 ? `${size / 1024}k` : `${size}`;
}

/**
 * Size of struct devres in front of every devm_kmalloc() object (drivers/base/devres.c, 6.1):
 * devres_node (list_head, release, name, size) then data[] aligned to ARCH_KMALLOC_MINALIGN.
 * Later layouts were not checked (facts §8.9), so other releases get no figure.
 */
export function devresHeaderSize(config: ModelConfig): number | undefined {
  if (config.kernel.major !== 6 || config.kernel.minor !== 1) return undefined;
  if (config.arch === 'x86_64') return 40;
  if (config.arch === 'arm64') return 128;
  return undefined;
}
