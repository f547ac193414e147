// The layers of the kernel's allocation stack (../shared/kernel-alloc-facts.md §3 diagram), bottom
// (page allocator) to top (devres, mempool, dma_pool). Hovers print paths through these; the
// allocator-map view draws them.

export type LayerId =
  | 'buddy'
  | 'cma'
  | 'slub'
  | 'kmalloc-large'
  | 'vmalloc'
  | 'kvmalloc'
  | 'dma-api'
  | 'dma-pool'
  | 'devres'
  | 'mempool'
  | 'percpu';

export interface Layer {
  id: LayerId;
  /** 0 = page allocator, 3 = wrappers over other layers. */
  level: 0 | 1 | 2 | 3;
  title: string;
  description: string;
}

export const LAYERS = [
  { id: 'buddy', level: 0, title: 'page allocator (buddy)', description: 'physically contiguous blocks of 2^order pages, naturally aligned (mm/page_alloc.c)' },
  { id: 'cma', level: 0, title: 'CMA', description: 'contiguous ranges beyond the buddy limit by migrating movable pages (mm/cma.c)' },
  { id: 'slub', level: 1, title: 'SLUB', description: 'object caches carved from slab pages the page allocator supplies (mm/slub.c)' },
  { id: 'kmalloc-large', level: 1, title: 'large kmalloc', description: 'kmalloc above the largest kmalloc cache: a compound page from the page allocator' },
  { id: 'vmalloc', level: 1, title: 'vmalloc', description: 'order-0 pages mapped into the vmalloc area: virtually, not physically, contiguous (mm/vmalloc.c)' },
  { id: 'kvmalloc', level: 2, title: 'kvmalloc', description: 'kmalloc first, vmalloc fallback for sizes above a page when blocking is allowed' },
  { id: 'dma-api', level: 2, title: 'DMA API', description: 'coherent or streaming DMA memory: per-device pool, dma-direct (CMA or pages) or IOMMU (kernel/dma/)' },
  { id: 'dma-pool', level: 3, title: 'dma_pool', description: 'small coherent DMA blocks carved from dma_alloc_coherent pages (mm/dmapool.c)' },
  { id: 'devres', level: 3, title: 'devres', description: 'managed resources freed automatically on driver detach (drivers/base/devres.c)' },
  { id: 'mempool', level: 3, title: 'mempool', description: 'reserved elements over any allocator for forward progress (mm/mempool.c)' },
  { id: 'percpu', level: 2, title: 'percpu', description: 'one copy per possible CPU from percpu chunks (mm/percpu.c)' },
] as const satisfies readonly Layer[];

/**
 * The API boxes across the top of the allocator map, as in the seed's Figure 9.6: each names
 * catalogue rows (model/apis.ts) that enter the stack the same way; the first row's `layers` gives
 * the box's arrows. An allocation whose API is in no box gets a box of its own.
 */
export const MAP_ENTRY_APIS = [
  ['kmalloc', 'kzalloc'],
  ['kmem_cache_alloc'],
  ['kvmalloc', 'kvzalloc'],
  ['vmalloc', 'vzalloc'],
  ['alloc_pages', '__get_free_pages'],
  ['dma_alloc_coherent'],
  ['dma_pool_alloc'],
  ['devm_kzalloc'],
] as const satisfies readonly (readonly string[])[];

/**
 * The arrows of a path through the layers (top first): consecutive layers on one level are
 * alternatives (kvmalloc's SLUB or vmalloc, the DMA API's CMA or buddy), so every layer of one
 * level points at every layer of the next level down the path. The first group is what the API
 * itself enters.
 */
export function layerTiers(path: readonly LayerId[]): LayerId[][] {
  const tiers: LayerId[][] = [];
  for (const id of path) {
    const last = tiers[tiers.length - 1];
    if (last && layer(last[0]).level === layer(id).level) last.push(id);
    else tiers.push([id]);
  }
  return tiers;
}

const layersById = new Map<LayerId, Layer>(LAYERS.map((layer) => [layer.id, layer]));

export function layer(id: LayerId): Layer {
  const found = layersById.get(id);
  if (!found) throw new Error(`unknown layer ${id}`);
  return found;
}
