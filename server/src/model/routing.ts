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
