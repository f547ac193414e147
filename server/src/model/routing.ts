// Which layer and block size serve a request, per allocator family: kmalloc caches, page orders,
// vmalloc pages. Pure functions of the API row, the evaluated size or order, and the configuration.
import { AllocApi } from './apis';
import { ModelConfig, compareVersion, kernelConstants } from './config';
import { KmallocRoute, devresHeaderSize, getOrder, kmallocRoute, orderRoute, pageRoute } from './slab';

export type ServingRoute =
  | { via: 'kmalloc'; route: KmallocRoute; requested: number; header?: number }
  | { via: 'kvmalloc'; route: KmallocRoute; requested: number; vmallocFallback: boolean }
  | { via: 'pages'; route: KmallocRoute }
  | { via: 'vmalloc'; pages: number; requested: number }
  | { via: 'dma'; order: number; requested: number }
  | { via: 'unknown'; reason: string };

export interface RequestFigures {
  /** Bytes asked for, when known. */
  size?: number;
  /** Page order asked for, when the API takes one. */
  order?: number;
}

export function servingRoute(api: AllocApi, figures: RequestFigures, config: ModelConfig): ServingRoute {
  const { size, order } = figures;
  const constants = kernelConstants(config);
  switch (api.family) {
    case 'slab':
      return size === undefined ? unknownSize() : { via: 'kmalloc', route: kmallocRoute(size, config), requested: size };
    case 'devres':
    case 'devres_raw': {
      if (size === undefined) return unknownSize();
      const header = devresHeaderSize(config);
      if (header === undefined) return { via: 'unknown', reason: 'the struct devres header size is modelled for 6.1 only' };
      return { via: 'kmalloc', route: kmallocRoute(size + header, config), requested: size, header };
    }
    case 'kvmalloc':
      if (size === undefined) return unknownSize();
      // mm/util.c (6.1): the vmalloc fallback is tried only above PAGE_SIZE.
      return { via: 'kvmalloc', route: kmallocRoute(size, config), requested: size, vmallocFallback: size > config.pageSize };
    case 'pages':
    case 'page_address':
    case 'folio':
    case 'devres_pages':
      if (order !== undefined) return { via: 'pages', route: orderRoute(order, config) };
      if (api.size === 'page') return { via: 'pages', route: orderRoute(0, config) };
      return { via: 'unknown', reason: 'the order is not a constant' };
    case 'pages_exact':
      return size === undefined ? unknownSize() : { via: 'pages', route: pageRoute(size, constants) };
    case 'vmalloc':
      return size === undefined ? unknownSize() : { via: 'vmalloc', pages: Math.ceil(size / config.pageSize), requested: size };
    case 'dma_coherent':
    case 'dma_coherent_managed':
    case 'dma_noncoherent':
    case 'dma_pages':
      // dma-direct allocates whole pages: the buffer is aligned to get_order(size) (dma-api.rst).
      return size === undefined ? unknownSize() : { via: 'dma', order: getOrder(size, constants.pageShift), requested: size };
    case 'usb_coherent':
      return { via: 'unknown', reason: 'the host controller decides: a dma_pool block, dma_alloc_coherent() pages, or kmalloc() on a PIO controller (drivers/usb/core/buffer.c, 6.1)' };
    default:
      return { via: 'unknown', reason: 'the size depends on a cache or pool created elsewhere' };
  }
}

function unknownSize(): ServingRoute {
  return { via: 'unknown', reason: 'the size is not a constant the model can evaluate' };
}

/**
 * kvmalloc_node()'s vmalloc fallback with a mask that does not allow blocking. 6.1.192 (the 6.1
 * stable tree read, mm/util.c): `if (!gfpflags_allow_blocking(flags)) return NULL;` — kmalloc only.
 * Upstream commit c6307674ed82 "mm: kvmalloc: add non-blocking support for vmalloc" (posted
 * 2025-10, after the 6.18 merge window) lets it fall back; its first release is not confirmed.
 */
export const KVMALLOC_NONBLOCKING = {
  readIn: 'mm/util.c kvmalloc_node(), 6.1.192',
  noFallbackThrough: '6.18',
  change: 'commit c6307674ed82 "mm: kvmalloc: add non-blocking support for vmalloc"',
} as const;

/** 'no' where the modelled release has no vmalloc fallback for a non-blocking mask; 'unconfirmed' after. */
export function kvmallocNonBlockingFallback(config: ModelConfig): 'no' | 'unconfirmed' {
  return compareVersion(config.kernel, KVMALLOC_NONBLOCKING.noFallbackThrough) <= 0 ? 'no' : 'unconfirmed';
}

/**
 * The zone modifiers a mask may carry (include/linux/gfp_types.h, 6.1), and which allocators
 * honour them. A buffer that asks for ZONE_DMA or ZONE_DMA32 is a device buffer whose physical
 * address matters.
 */
export const ZONE_MODIFIERS = ['__GFP_DMA', '__GFP_DMA32'] as const;
export type ZoneModifier = (typeof ZONE_MODIFIERS)[number];

/**
 * kvmalloc_node() and zone modifiers (mm/util.c, 6.1): "@flags: gfp mask for the allocation -
 * must be compatible (superset) with GFP_KERNEL", and above PAGE_SIZE a failed kmalloc falls back
 * to __vmalloc_node_range() with the same flags, whose kernel-doc says "Zone modifiers are not
 * supported" (mm/vmalloc.c, 6.1). vmalloc memory is not physically contiguous either.
 */
export const KVMALLOC_ZONE_MODIFIERS = {
  supported: false,
  readIn: 'mm/util.c kvmalloc_node(), mm/vmalloc.c __vmalloc_node_range(), 6.1',
  /** vmalloc() itself: the same kernel-doc; vmalloc() takes no mask at all. */
  vmallocReadIn: 'mm/vmalloc.c __vmalloc_node_range(), 6.1',
} as const;

/**
 * kmalloc() and __GFP_DMA32: GFP_SLAB_BUG_MASK is (__GFP_DMA32|__GFP_HIGHMEM|~__GFP_BITS_MASK)
 * (mm/internal.h, 6.1); __kmalloc_large_node() and new_slab() pass such a mask to
 * kmalloc_fix_flags(), which clears those bits, prints "Unexpected gfp: … Fix your code!" and
 * dumps the stack (mm/slab_common.c, mm/slub.c, 6.1). kmalloc() serves __GFP_DMA from the
 * kmalloc-dma-* caches or ZONE_DMA pages, but never __GFP_DMA32.
 */
export const SLAB_REJECTED_BITS = {
  bits: ['__GFP_DMA32', '__GFP_HIGHMEM'],
  warning: 'Unexpected gfp: … Fix your code!',
  readIn: 'GFP_SLAB_BUG_MASK (mm/internal.h), kmalloc_fix_flags() (mm/slab_common.c), 6.1',
} as const;

/**
 * dma_alloc_coherent() picks the zone itself: dma_alloc_attrs() clears __GFP_DMA, __GFP_DMA32 and
 * __GFP_HIGHMEM ("let the implementation decide on the zone to allocate from",
 * kernel/dma/mapping.c, 6.1) and dma-direct chooses GFP_DMA or GFP_DMA32 from the device's
 * coherent_dma_mask and bus_dma_limit (dma_direct_optimal_gfp_mask(), kernel/dma/direct.c, 6.1).
 */
export const DMA_COHERENT_ZONE = {
  fromDeviceMask: true,
  readIn: 'dma_alloc_attrs() (kernel/dma/mapping.c), dma_direct_optimal_gfp_mask() (kernel/dma/direct.c), 6.1',
} as const;

/** The zone modifiers a mask carries, in value order. */
export function zoneModifiersOf(bits: ReadonlySet<string>): ZoneModifier[] {
  return ZONE_MODIFIERS.filter((bit) => bits.has(bit));
}
