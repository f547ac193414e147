// The allocation and free API catalogue: one row per function or macro, with argument roles,
// family, layer path, contiguity, whether it may sleep and what frees it
// (../shared/kernel-alloc-facts.md §3). Rules, hovers, quick fixes and the grammar read it from here.
import { ModelConfig, atLeast, compareVersion } from './config';
import { LayerId } from './layers';

/** Which allocator a pointer comes from; frees name the families they release. */
export type AllocFamily =
  | 'slab'
  | 'kmem_cache'
  | 'kvmalloc'
  | 'vmalloc'
  | 'vmap'
  | 'pages'
  | 'page_address'
  | 'pages_exact'
  | 'folio'
  | 'contig'
  | 'devres'
  | 'devres_raw'
  | 'devres_pages'
  | 'dma_coherent'
  | 'dma_coherent_managed'
  | 'dma_noncoherent'
  | 'dma_pages'
  | 'dma_pool'
  | 'usb_coherent'
  | 'mempool'
  | 'percpu'
  | 'cma'
  | 'const_string'
  | 'cache_object'
  | 'pool_object';

/**
 * 0-based argument positions; a negative index counts from the end (-1 = last), for APIs whose
 * leading arguments changed between releases but whose trailing ones did not.
 */
export interface ArgRoles {
  size?: number;
  count?: number;
  gfp?: number;
  order?: number;
  cache?: number;
  device?: number;
  pointer?: number;
  node?: number;
}

/** How the requested byte count follows from the arguments. */
export type SizeFormula =
  | 'size'
  | 'count*size'
  | 'size+1'
  | 'pages<<order'
  | 'page'
  | 'count*page'
  | 'cache-object'
  | 'string'
  | 'type'
  | 'none';

export interface AllocApi {
  name: string;
  summary: string;
  family: AllocFamily;
  args: ArgRoles;
  size: SizeFormula;
  /** GFP mask used when the API has no GFP argument, or when its GFP argument is left out. */
  defaultGfp?: string;
  /** Bits the API always adds to the caller's mask (kzalloc adds __GFP_ZERO). */
  addsGfp?: readonly string[];
  /** The allocator layers that serve it, top first. */
  layers: readonly LayerId[];
  /** Physically contiguous: 'maybe' where it depends on size or on the IOMMU. */
  contiguous: 'yes' | 'no' | 'maybe';
  /** 'gfp' = iff the mask has __GFP_DIRECT_RECLAIM. */
  sleeps: 'gfp' | 'always' | 'never';
  frees: readonly string[];
  returns: 'pointer' | 'page' | 'address' | 'folio' | 'cache' | 'pool' | 'percpu' | 'count';
  since?: string;
  until?: string;
  notes?: readonly string[];
  source: string;
}

export interface FreeApi {
  name: string;
  summary: string;
  /** Families this function releases correctly. */
  releases: readonly AllocFamily[];
  /** Families it releases only from this release on (kfree of kmem_cache objects, ≥6.4). */
  releasesSince?: readonly { family: AllocFamily; since: string }[];
  args: ArgRoles;
  /**
   * 'irqs-enabled': must run with IRQs on (WARN_ON(irqs_disabled())) and may vunmap() on
   * non-coherent platforms; 'unstated': the model makes no claim.
   */
  sleeps: 'never' | 'always' | 'unless-interrupt' | 'irqs-enabled' | 'unstated';
  notes?: readonly string[];
  source: string;
}

const SLAB_FREE = ['kfree', 'kvfree'] as const;

export const ALLOC_APIS = [
  // §3.1 slab / kmalloc
  { name: 'kmalloc', summary: 'Allocate physically contiguous kernel memory from a kmalloc slab cache, or from the page allocator above the largest cache.', family: 'slab', args: { size: 0, gfp: 1 }, size: 'size', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kzalloc', summary: 'kmalloc() with __GFP_ZERO: zeroed, physically contiguous kernel memory.', family: 'slab', args: { size: 0, gfp: 1 }, size: 'size', addsGfp: ['__GFP_ZERO'], layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kmalloc_array', summary: 'kmalloc() of n * size bytes, returning NULL when the product overflows.', family: 'slab', args: { count: 0, size: 1, gfp: 2 }, size: 'count*size', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kcalloc', summary: 'Zeroed kmalloc_array(): n * size bytes, NULL on overflow.', family: 'slab', args: { count: 0, size: 1, gfp: 2 }, size: 'count*size', addsGfp: ['__GFP_ZERO'], layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'krealloc', summary: 'Resize a kmalloc() object (in place when ksize() suffices); new_size 0 frees it. The old pointer stays valid on failure.', family: 'slab', args: { pointer: 0, size: 1, gfp: 2 }, size: 'size', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', notes: ['__must_check: `p = krealloc(p, …)` leaks p on failure (checkpatch KREALLOC_ARG_REUSE).'], source: 'mm/slab_common.c (6.1)' },
  { name: 'krealloc_array', summary: 'krealloc() to n * size bytes, NULL on overflow.', family: 'slab', args: { pointer: 0, count: 1, size: 2, gfp: 3 }, size: 'count*size', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kmemdup', summary: 'kmalloc() a copy of len bytes from src.', family: 'slab', args: { size: 1, gfp: 2 }, size: 'size', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'mm/util.c (6.1)' },
  { name: 'kmemdup_nul', summary: 'kmalloc() a NUL-terminated copy of len bytes (len + 1 allocated).', family: 'slab', args: { size: 1, gfp: 2 }, size: 'size+1', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'mm/util.c (6.1)' },
  { name: 'kstrdup', summary: 'kmalloc() a copy of a string (strlen + 1 bytes).', family: 'slab', args: { gfp: 1 }, size: 'string', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'mm/util.c (6.1)' },
  { name: 'kstrndup', summary: 'kmalloc() a copy of at most max characters of a string, NUL-terminated.', family: 'slab', args: { gfp: 2 }, size: 'string', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'mm/util.c (6.1)' },
  { name: 'kstrdup_const', summary: 'Return the string itself when it lives in .rodata, else a kstrdup() copy.', family: 'const_string', args: { gfp: 1 }, size: 'string', layers: ['slub', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kfree_const'], returns: 'pointer', notes: ['Free with kfree_const(), never kfree() or krealloc().'], source: 'mm/util.c (6.1)' },
  { name: 'kmalloc_node', summary: 'kmalloc() preferring a NUMA node.', family: 'slab', args: { size: 0, gfp: 1, node: 2 }, size: 'size', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kzalloc_node', summary: 'Zeroed kmalloc_node().', family: 'slab', args: { size: 0, gfp: 1, node: 2 }, size: 'size', addsGfp: ['__GFP_ZERO'], layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kcalloc_node', summary: 'Zeroed kmalloc_array_node().', family: 'slab', args: { count: 0, size: 1, gfp: 2, node: 3 }, size: 'count*size', addsGfp: ['__GFP_ZERO'], layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kmalloc_array_node', summary: 'kmalloc_array() preferring a NUMA node.', family: 'slab', args: { count: 0, size: 1, gfp: 2, node: 3 }, size: 'count*size', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kmem_cache_alloc', summary: 'Allocate one object from a dedicated slab cache.', family: 'kmem_cache', args: { cache: 0, gfp: 1 }, size: 'cache-object', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['kmem_cache_free'], returns: 'pointer', notes: ['kfree() of a kmem_cache_alloc() object is allowed from 6.4 (SLOB removal).'], source: 'mm/slub.c (6.1)' },
  { name: 'kmem_cache_alloc_node', summary: 'kmem_cache_alloc() preferring a NUMA node.', family: 'kmem_cache', args: { cache: 0, gfp: 1, node: 2 }, size: 'cache-object', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['kmem_cache_free'], returns: 'pointer', source: 'mm/slub.c (6.1)' },
  { name: 'kmem_cache_alloc_lru', summary: 'kmem_cache_alloc() that also allocates list_lru memory for the object.', family: 'kmem_cache', args: { cache: 0, gfp: 2 }, size: 'cache-object', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['kmem_cache_free'], returns: 'pointer', source: 'mm/slub.c (6.1)' },
  { name: 'kmem_cache_zalloc', summary: 'Zeroed kmem_cache_alloc() (not on caches with a constructor).', family: 'kmem_cache', args: { cache: 0, gfp: 1 }, size: 'cache-object', addsGfp: ['__GFP_ZERO'], layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['kmem_cache_free'], returns: 'pointer', notes: ['__GFP_ZERO on a cache with a ctor triggers WARN_ON_ONCE in mm/slub.c.'], source: 'include/linux/slab.h (6.1)' },
  { name: 'kmem_cache_alloc_bulk', summary: 'Fill an array with objects from a slab cache; returns how many.', family: 'kmem_cache', args: { cache: 0, gfp: 1, count: 2 }, size: 'cache-object', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['kmem_cache_free_bulk'], returns: 'count', source: 'mm/slub.c (6.1)' },
  { name: 'kmem_cache_create', summary: 'Create a slab cache. Cannot be called from interrupt context.', family: 'kmem_cache', args: { size: 1 }, size: 'none', layers: ['slub'], contiguous: 'yes', sleeps: 'always', frees: ['kmem_cache_destroy'], returns: 'cache', source: 'mm/slab_common.c (6.1)' },
  { name: 'kmem_cache_create_usercopy', summary: 'Create a slab cache with a hardened-usercopy whitelist region.', family: 'kmem_cache', args: { size: 1 }, size: 'none', layers: ['slub'], contiguous: 'yes', sleeps: 'always', frees: ['kmem_cache_destroy'], returns: 'cache', source: 'mm/slab_common.c (6.1)' },
  { name: 'KMEM_CACHE', summary: 'Create a slab cache named after and sized for a struct.', family: 'kmem_cache', args: {}, size: 'none', layers: ['slub'], contiguous: 'yes', sleeps: 'always', frees: ['kmem_cache_destroy'], returns: 'cache', source: 'include/linux/slab.h (6.1)' },
  { name: 'kmalloc_obj', summary: 'kmalloc() sized for one object of a variable\'s or type\'s type (GFP_KERNEL when no mask is given).', family: 'slab', args: { gfp: 1 }, size: 'type', defaultGfp: 'GFP_KERNEL', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },
  { name: 'kzalloc_obj', summary: 'Zeroed kmalloc_obj().', family: 'slab', args: { gfp: 1 }, size: 'type', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },
  { name: 'kmalloc_objs', summary: 'kmalloc() of cnt objects, size_mul(sizeof(T), cnt) (GFP_KERNEL when no mask is given).', family: 'slab', args: { count: 1, gfp: 2 }, size: 'type', defaultGfp: 'GFP_KERNEL', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },
  { name: 'kzalloc_objs', summary: 'Zeroed kmalloc_objs().', family: 'slab', args: { count: 1, gfp: 2 }, size: 'type', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },
  { name: 'kmalloc_flex', summary: 'kmalloc() of a struct with cnt flexible-array elements, struct_size_t(T, FAM, cnt); sets the __counted_by counter.', family: 'slab', args: { count: 2, gfp: 3 }, size: 'type', defaultGfp: 'GFP_KERNEL', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },
  { name: 'kzalloc_flex', summary: 'Zeroed kmalloc_flex().', family: 'slab', args: { count: 2, gfp: 3 }, size: 'type', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },

  // lib/kasprintf.c (6.1): kmalloc_track_caller(len + 1, gfp) of the formatted length.
  { name: 'kasprintf', summary: 'kmalloc() a formatted string (its length + 1 bytes).', family: 'slab', args: { gfp: 0 }, size: 'string', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'lib/kasprintf.c (6.1)' },
  { name: 'kvasprintf', summary: 'kasprintf() from a va_list.', family: 'slab', args: { gfp: 0 }, size: 'string', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: SLAB_FREE, returns: 'pointer', source: 'lib/kasprintf.c (6.1)' },
  // lib/kasprintf.c (6.1): kstrdup_const() of fmt (or of the one "%s" argument), else kvasprintf().
  { name: 'kvasprintf_const', summary: 'kvasprintf() that returns fmt itself (or its one "%s" argument) when that string lives in .rodata; free with kfree_const().', family: 'const_string', args: { gfp: 0 }, size: 'string', layers: ['slub', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kfree_const'], returns: 'pointer', notes: ['Free with kfree_const(), never kfree().'], source: 'lib/kasprintf.c (6.1)' },
  // mm/util.c (6.1): kmalloc_track_caller(len, GFP_USER | __GFP_NOWARN), then copy_from_user(), which may fault and sleep.
  { name: 'memdup_user', summary: 'kmalloc() a copy of len bytes from user space; returns an ERR_PTR(), never NULL, on failure.', family: 'slab', args: { size: 1 }, size: 'size', defaultGfp: 'GFP_USER | __GFP_NOWARN', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'always', frees: SLAB_FREE, returns: 'pointer', notes: ['Check the result with IS_ERR(), not !p.'], source: 'mm/util.c (6.1)' },
  { name: 'memdup_user_nul', summary: 'memdup_user() of len bytes plus a NUL (len + 1 allocated, GFP_KERNEL); ERR_PTR() on failure.', family: 'slab', args: { size: 1 }, size: 'size+1', defaultGfp: 'GFP_KERNEL', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'always', frees: SLAB_FREE, returns: 'pointer', notes: ['Check the result with IS_ERR(), not !p.'], source: 'mm/util.c (6.1)' },
  { name: 'strndup_user', summary: 'memdup_user() of a user-space string of at most n bytes, NUL-terminated; ERR_PTR() on failure.', family: 'slab', args: {}, size: 'string', defaultGfp: 'GFP_USER | __GFP_NOWARN', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'always', frees: SLAB_FREE, returns: 'pointer', notes: ['Check the result with IS_ERR(), not !p.'], source: 'mm/util.c (6.1)' },
  // lib/bitmap.c (6.1): kmalloc_array(BITS_TO_LONGS(nbits), sizeof(unsigned long), flags).
  { name: 'bitmap_alloc', summary: 'kmalloc_array() of BITS_TO_LONGS(nbits) longs for a bitmap.', family: 'slab', args: { count: 0, gfp: 1 }, size: 'none', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['bitmap_free'], returns: 'pointer', source: 'lib/bitmap.c (6.1)' },
  { name: 'bitmap_zalloc', summary: 'Zeroed bitmap_alloc().', family: 'slab', args: { count: 0, gfp: 1 }, size: 'none', addsGfp: ['__GFP_ZERO'], layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['bitmap_free'], returns: 'pointer', source: 'lib/bitmap.c (6.1)' },
  { name: 'bitmap_alloc_node', summary: 'bitmap_alloc() preferring a NUMA node.', family: 'slab', args: { count: 0, gfp: 1, node: 2 }, size: 'none', layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['bitmap_free'], returns: 'pointer', source: 'lib/bitmap.c (6.1)' },
  { name: 'bitmap_zalloc_node', summary: 'Zeroed bitmap_alloc_node().', family: 'slab', args: { count: 0, gfp: 1, node: 2 }, size: 'none', addsGfp: ['__GFP_ZERO'], layers: ['slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['bitmap_free'], returns: 'pointer', source: 'lib/bitmap.c (6.1)' },

  // §3.2 kvmalloc
  // mm/util.c (6.1): kvmalloc(len, GFP_USER), then copy_from_user().
  { name: 'vmemdup_user', summary: 'kvmalloc() a copy of len bytes from user space; returns an ERR_PTR(), never NULL, on failure.', family: 'kvmalloc', args: { size: 1 }, size: 'size', defaultGfp: 'GFP_USER', layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'always', frees: ['kvfree'], returns: 'pointer', notes: ['Check the result with IS_ERR(), not !p; free with kvfree().'], source: 'mm/util.c (6.1)' },
  { name: 'kvmalloc', summary: 'kmalloc() first; above a page, fall back to vmalloc when kmalloc fails. Not physically contiguous in general.', family: 'kvmalloc', args: { size: 0, gfp: 1 }, size: 'size', layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', notes: ['Above PAGE_SIZE the kmalloc attempt gets __GFP_NOWARN and __GFP_NORETRY (unless __GFP_RETRY_MAYFAIL); the vmalloc fallback runs only when the mask allows blocking — GFP_ATOMIC/GFP_NOWAIT get kmalloc only (mm/util.c, 6.1.192).'], source: 'mm/util.c (6.1)' },
  { name: 'kvzalloc', summary: 'Zeroed kvmalloc().', family: 'kvmalloc', args: { size: 0, gfp: 1 }, size: 'size', addsGfp: ['__GFP_ZERO'], layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kvmalloc_node', summary: 'kvmalloc() preferring a NUMA node.', family: 'kvmalloc', args: { size: 0, gfp: 1, node: 2 }, size: 'size', layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', source: 'mm/util.c (6.1)' },
  { name: 'kvzalloc_node', summary: 'Zeroed kvmalloc_node().', family: 'kvmalloc', args: { size: 0, gfp: 1, node: 2 }, size: 'size', addsGfp: ['__GFP_ZERO'], layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kvmalloc_array', summary: 'kvmalloc() of n * size bytes, NULL on overflow.', family: 'kvmalloc', args: { count: 0, size: 1, gfp: 2 }, size: 'count*size', layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kvcalloc', summary: 'Zeroed kvmalloc_array().', family: 'kvmalloc', args: { count: 0, size: 1, gfp: 2 }, size: 'count*size', addsGfp: ['__GFP_ZERO'], layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', source: 'include/linux/slab.h (6.1)' },
  { name: 'kvrealloc', summary: 'Resize kvmalloc() memory (6.1: kvmalloc + memcpy + kvfree).', family: 'kvmalloc', args: { pointer: 0, size: -2, gfp: -1 }, size: 'size', layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'always', frees: ['kvfree'], returns: 'pointer', notes: ['6.1 takes (p, oldsize, newsize, gfp); newer kernels (p, size, gfp).'], source: 'mm/util.c (6.1)' },
  { name: 'kvmalloc_obj', summary: 'kvmalloc() sized for one object (GFP_KERNEL when no mask is given).', family: 'kvmalloc', args: { gfp: 1 }, size: 'type', defaultGfp: 'GFP_KERNEL', layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },
  { name: 'kvzalloc_obj', summary: 'Zeroed kvmalloc_obj().', family: 'kvmalloc', args: { gfp: 1 }, size: 'type', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },
  { name: 'kvmalloc_objs', summary: 'kvmalloc() of cnt objects (GFP_KERNEL when no mask is given).', family: 'kvmalloc', args: { count: 1, gfp: 2 }, size: 'type', defaultGfp: 'GFP_KERNEL', layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },
  { name: 'kvzalloc_objs', summary: 'Zeroed kvmalloc_objs().', family: 'kvmalloc', args: { count: 1, gfp: 2 }, size: 'type', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },
  { name: 'kvmalloc_flex', summary: 'kvmalloc() of a struct with cnt flexible-array elements.', family: 'kvmalloc', args: { count: 2, gfp: 3 }, size: 'type', defaultGfp: 'GFP_KERNEL', layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },
  { name: 'kvzalloc_flex', summary: 'Zeroed kvmalloc_flex().', family: 'kvmalloc', args: { count: 2, gfp: 3 }, size: 'type', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['kvmalloc', 'slub', 'vmalloc', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['kvfree'], returns: 'pointer', since: '7.0', source: 'include/linux/slab.h (7.0-rc)' },

  // §3.3 vmalloc
  { name: 'vmalloc', summary: 'Allocate virtually contiguous memory: order-0 pages mapped into the vmalloc area. Not physically contiguous; always may sleep.', family: 'vmalloc', args: { size: 0 }, size: 'size', defaultGfp: 'GFP_KERNEL', layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['vfree', 'kvfree'], returns: 'pointer', source: 'mm/vmalloc.c (6.1)' },
  { name: 'vzalloc', summary: 'Zeroed vmalloc().', family: 'vmalloc', args: { size: 0 }, size: 'size', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['vfree', 'kvfree'], returns: 'pointer', source: 'mm/vmalloc.c (6.1)' },
  { name: 'vmalloc_node', summary: 'vmalloc() preferring a NUMA node.', family: 'vmalloc', args: { size: 0, node: 1 }, size: 'size', defaultGfp: 'GFP_KERNEL', layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['vfree', 'kvfree'], returns: 'pointer', source: 'mm/vmalloc.c (6.1)' },
  { name: 'vzalloc_node', summary: 'Zeroed vmalloc_node().', family: 'vmalloc', args: { size: 0, node: 1 }, size: 'size', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['vfree', 'kvfree'], returns: 'pointer', source: 'mm/vmalloc.c (6.1)' },
  { name: 'vmalloc_user', summary: 'Zeroed vmalloc() marked VM_USERMAP, for remap_vmalloc_range() into user space.', family: 'vmalloc', args: { size: 0 }, size: 'size', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['vfree', 'kvfree'], returns: 'pointer', source: 'mm/vmalloc.c (6.1)' },
  { name: 'vmalloc_32', summary: 'vmalloc() of 32-bit addressable pages (GFP_DMA32 | GFP_KERNEL on 64-bit).', family: 'vmalloc', args: { size: 0 }, size: 'size', defaultGfp: 'GFP_KERNEL', layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['vfree', 'kvfree'], returns: 'pointer', source: 'mm/vmalloc.c (6.1)' },
  { name: 'vmalloc_32_user', summary: 'Zeroed vmalloc_32() marked VM_USERMAP.', family: 'vmalloc', args: { size: 0 }, size: 'size', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['vfree', 'kvfree'], returns: 'pointer', source: 'mm/vmalloc.c (6.1)' },
  { name: '__vmalloc', summary: 'vmalloc() with a GFP mask (6.1: GFP_KERNEL, GFP_NOFS or GFP_NOIO; zone modifiers unsupported).', family: 'vmalloc', args: { size: 0, gfp: 1 }, size: 'size', layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'gfp', frees: ['vfree', 'kvfree'], returns: 'pointer', notes: ['6.1 documents __GFP_DIRECT_RECLAIM as required: vmalloc page-table allocations are GFP_KERNEL.'], source: 'mm/vmalloc.c (6.1)' },
  { name: 'vmalloc_array', summary: 'vmalloc() of n * size bytes, NULL on overflow.', family: 'vmalloc', args: { count: 0, size: 1 }, size: 'count*size', defaultGfp: 'GFP_KERNEL', layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['vfree', 'kvfree'], returns: 'pointer', source: 'mm/util.c (6.1)' },
  { name: '__vmalloc_array', summary: '__vmalloc() of n * size bytes, NULL on overflow.', family: 'vmalloc', args: { count: 0, size: 1, gfp: 2 }, size: 'count*size', layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'gfp', frees: ['vfree', 'kvfree'], returns: 'pointer', source: 'mm/util.c (6.1)' },
  { name: 'vcalloc', summary: 'Zeroed vmalloc_array().', family: 'vmalloc', args: { count: 0, size: 1 }, size: 'count*size', defaultGfp: 'GFP_KERNEL', addsGfp: ['__GFP_ZERO'], layers: ['vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['vfree', 'kvfree'], returns: 'pointer', source: 'mm/util.c (6.1)' },
  { name: 'vmap', summary: 'Map an array of pages into virtually contiguous kernel space.', family: 'vmap', args: { count: 1 }, size: 'count*page', layers: ['vmalloc'], contiguous: 'no', sleeps: 'always', frees: ['vunmap'], returns: 'pointer', source: 'mm/vmalloc.c (6.1)' },

  // §3.4 page allocator
  { name: 'alloc_pages', summary: 'Allocate 2^order physically contiguous, naturally aligned pages; returns struct page *.', family: 'pages', args: { gfp: 0, order: 1 }, size: 'pages<<order', layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['__free_pages'], returns: 'page', source: 'include/linux/gfp.h (6.1)' },
  { name: 'alloc_page', summary: 'Allocate one page; returns struct page *.', family: 'pages', args: { gfp: 0 }, size: 'page', layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['__free_page', '__free_pages'], returns: 'page', source: 'include/linux/gfp.h (6.1)' },
  { name: 'alloc_pages_node', summary: 'alloc_pages() preferring a NUMA node.', family: 'pages', args: { node: 0, gfp: 1, order: 2 }, size: 'pages<<order', layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['__free_pages'], returns: 'page', source: 'include/linux/gfp.h (6.1)' },
  { name: '__alloc_pages_node', summary: 'alloc_pages_node() for a valid, online node.', family: 'pages', args: { node: 0, gfp: 1, order: 2 }, size: 'pages<<order', layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['__free_pages'], returns: 'page', source: 'include/linux/gfp.h (6.1)' },
  { name: '__alloc_pages', summary: 'The page allocator entry point; an order over the limit WARNs once and returns NULL.', family: 'pages', args: { gfp: 0, order: 1 }, size: 'pages<<order', layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['__free_pages'], returns: 'page', source: 'mm/page_alloc.c (6.1)' },
  { name: '__get_free_pages', summary: 'Allocate 2^order contiguous pages and return their kernel virtual address (__GFP_HIGHMEM cleared).', family: 'page_address', args: { gfp: 0, order: 1 }, size: 'pages<<order', layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['free_pages'], returns: 'address', source: 'mm/page_alloc.c (6.1)' },
  { name: '__get_free_page', summary: 'Allocate one page and return its kernel virtual address.', family: 'page_address', args: { gfp: 0 }, size: 'page', layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['free_page', 'free_pages'], returns: 'address', source: 'include/linux/gfp.h (6.1)' },
  { name: 'get_zeroed_page', summary: 'Allocate one zeroed page and return its kernel virtual address.', family: 'page_address', args: { gfp: 0 }, size: 'page', addsGfp: ['__GFP_ZERO'], layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['free_page', 'free_pages'], returns: 'address', source: 'mm/page_alloc.c (6.1)' },
  { name: '__get_dma_pages', summary: '__get_free_pages() from ZONE_DMA (adds GFP_DMA).', family: 'page_address', args: { gfp: 0, order: 1 }, size: 'pages<<order', addsGfp: ['__GFP_DMA'], layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['free_pages'], returns: 'address', source: 'include/linux/gfp.h (6.1)' },
  { name: 'alloc_pages_exact', summary: 'Allocate get_order(size) pages and free the unused tail pages; returns a kernel virtual address.', family: 'pages_exact', args: { size: 0, gfp: 1 }, size: 'size', layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['free_pages_exact'], returns: 'address', notes: ['Limited by the largest buddy order; __GFP_COMP is cleared with a WARN.'], source: 'mm/page_alloc.c (6.1)' },
  { name: 'alloc_pages_exact_nid', summary: 'alloc_pages_exact() on a NUMA node.', family: 'pages_exact', args: { node: 0, size: 1, gfp: 2 }, size: 'size', layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['free_pages_exact'], returns: 'address', source: 'mm/page_alloc.c (6.1)' },
  { name: 'folio_alloc', summary: 'Allocate a folio of 2^order pages (__GFP_COMP).', family: 'folio', args: { gfp: 0, order: 1 }, size: 'pages<<order', layers: ['buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['folio_put'], returns: 'folio', source: 'include/linux/gfp.h (6.1)' },
  { name: 'alloc_contig_pages', summary: 'Allocate nr contiguous pages beyond the buddy limit by migrating pages away.', family: 'contig', args: { count: 0, gfp: 1, node: 2 }, size: 'count*page', layers: ['buddy'], contiguous: 'yes', sleeps: 'always', frees: ['free_contig_range'], returns: 'page', source: 'mm/page_alloc.c (6.1)' },

  // §3.5 devres
  // drivers/base/devres.c (6.1): alloc_dr() kmallocs sizeof(struct devres) + size, like devm_kmalloc(),
  // and returns dr->data; devres_add() hands it to the device, devres_free() frees it before that.
  { name: 'devres_alloc', summary: 'Allocate a device resource (a struct devres header, then size bytes) with a release callback; not managed until devres_add().', family: 'devres_raw', args: { size: 1, gfp: 2 }, size: 'size', layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devres_free'], returns: 'pointer', notes: ['After devres_add(dev, res) the release callback runs and the memory is freed at detach; before it, free with devres_free(). Never kfree(): the pointer is past the struct devres header.'], source: 'drivers/base/devres.c (6.1)' },
  { name: 'devres_alloc_node', summary: 'devres_alloc() preferring a NUMA node.', family: 'devres_raw', args: { size: 1, gfp: 2, node: 3 }, size: 'size', layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devres_free'], returns: 'pointer', notes: ['After devres_add(dev, res) the release callback runs and the memory is freed at detach; before it, free with devres_free(). Never kfree(): the pointer is past the struct devres header.'], source: 'drivers/base/devres.c (6.1)' },
  { name: 'devm_kmalloc', summary: 'Device-managed kmalloc(): freed automatically on driver detach or failed probe; a struct devres header precedes the object.', family: 'devres', args: { device: 0, size: 1, gfp: 2 }, size: 'size', layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devm_kfree'], returns: 'pointer', notes: ['Never kfree() it: devres frees it again at detach.'], source: 'drivers/base/devres.c (6.1)' },
  { name: 'devm_kzalloc', summary: 'Zeroed devm_kmalloc().', family: 'devres', args: { device: 0, size: 1, gfp: 2 }, size: 'size', addsGfp: ['__GFP_ZERO'], layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devm_kfree'], returns: 'pointer', notes: ['Never kfree() it: devres frees it again at detach.'], source: 'include/linux/device.h (6.1)' },
  { name: 'devm_kmalloc_array', summary: 'devm_kmalloc() of n * size bytes, NULL on overflow.', family: 'devres', args: { device: 0, count: 1, size: 2, gfp: 3 }, size: 'count*size', layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devm_kfree'], returns: 'pointer', source: 'include/linux/device.h (6.1)' },
  { name: 'devm_kcalloc', summary: 'Zeroed devm_kmalloc_array().', family: 'devres', args: { device: 0, count: 1, size: 2, gfp: 3 }, size: 'count*size', addsGfp: ['__GFP_ZERO'], layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devm_kfree'], returns: 'pointer', source: 'include/linux/device.h (6.1)' },
  { name: 'devm_krealloc', summary: 'Resize devm_kmalloc() memory.', family: 'devres', args: { device: 0, pointer: 1, size: 2, gfp: 3 }, size: 'size', layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devm_kfree'], returns: 'pointer', source: 'drivers/base/devres.c (6.1)' },
  { name: 'devm_kmemdup', summary: 'Device-managed kmemdup().', family: 'devres', args: { device: 0, size: 2, gfp: 3 }, size: 'size', layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devm_kfree'], returns: 'pointer', source: 'drivers/base/devres.c (6.1)' },
  { name: 'devm_kstrdup', summary: 'Device-managed kstrdup().', family: 'devres', args: { device: 0, gfp: 2 }, size: 'string', layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devm_kfree'], returns: 'pointer', source: 'drivers/base/devres.c (6.1)' },
  { name: 'devm_kstrdup_const', summary: 'Device-managed kstrdup_const().', family: 'devres', args: { device: 0, gfp: 2 }, size: 'string', layers: ['devres', 'slub', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['devm_kfree'], returns: 'pointer', source: 'drivers/base/devres.c (6.1)' },
  { name: 'devm_kasprintf', summary: 'Device-managed formatted string.', family: 'devres', args: { device: 0, gfp: 1 }, size: 'string', layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devm_kfree'], returns: 'pointer', source: 'drivers/base/devres.c (6.1)' },
  { name: 'devm_kvasprintf', summary: 'Device-managed formatted string from a va_list.', family: 'devres', args: { device: 0, gfp: 1 }, size: 'string', layers: ['devres', 'slub', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devm_kfree'], returns: 'pointer', source: 'drivers/base/devres.c (6.1)' },
  { name: 'devm_get_free_pages', summary: 'Device-managed __get_free_pages().', family: 'devres_pages', args: { device: 0, gfp: 1, order: 2 }, size: 'pages<<order', layers: ['devres', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['devm_free_pages'], returns: 'address', source: 'drivers/base/devres.c (6.1)' },
  { name: 'dmam_alloc_coherent', summary: 'Device-managed dma_alloc_coherent().', family: 'dma_coherent_managed', args: { device: 0, size: 1, gfp: 3 }, size: 'size', layers: ['devres', 'dma-api', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['dmam_free_coherent'], returns: 'pointer', source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dmam_alloc_attrs', summary: 'Device-managed dma_alloc_attrs().', family: 'dma_coherent_managed', args: { device: 0, size: 1, gfp: 3 }, size: 'size', layers: ['devres', 'dma-api', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['dmam_free_coherent'], returns: 'pointer', source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dmam_pool_create', summary: 'Device-managed dma_pool_create().', family: 'dma_pool', args: { device: 1, size: 2 }, size: 'none', layers: ['devres', 'dma-pool', 'dma-api'], contiguous: 'maybe', sleeps: 'always', frees: ['dmam_pool_destroy'], returns: 'pool', source: 'mm/dmapool.c (6.1)' },

  // §3.6 DMA API
  { name: 'dma_alloc_coherent', summary: 'Allocate coherent DMA memory and its device address; zone modifiers in the mask are cleared.', family: 'dma_coherent', args: { device: 0, size: 1, gfp: 3 }, size: 'size', layers: ['dma-api', 'cma', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['dma_free_coherent'], returns: 'pointer', notes: ['Contiguous in device address space; behind an IOMMU the pages may be physically scattered (iommu_dma_alloc_remap).', 'Callable in interrupt context with GFP_ATOMIC; dma_free_coherent() needs IRQs enabled.'], source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dma_alloc_attrs', summary: 'dma_alloc_coherent() with DMA attributes.', family: 'dma_coherent', args: { device: 0, size: 1, gfp: 3 }, size: 'size', layers: ['dma-api', 'cma', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['dma_free_attrs'], returns: 'pointer', source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dma_alloc_wc', summary: 'Write-combined coherent DMA memory.', family: 'dma_coherent', args: { device: 0, size: 1, gfp: 3 }, size: 'size', layers: ['dma-api', 'cma', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['dma_free_wc'], returns: 'pointer', source: 'include/linux/dma-mapping.h (6.1)' },
  { name: 'dma_alloc_noncoherent', summary: 'Non-coherent DMA memory (sync with dma_sync_single_for_*); zone modifiers WARN and fail.', family: 'dma_noncoherent', args: { device: 0, size: 1, gfp: 4 }, size: 'size', layers: ['dma-api', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['dma_free_noncoherent'], returns: 'pointer', source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dma_alloc_pages', summary: 'Non-coherent DMA pages; returns struct page *.', family: 'dma_pages', args: { device: 0, size: 1, gfp: 4 }, size: 'size', layers: ['dma-api', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['dma_free_pages'], returns: 'page', source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dma_pool_create', summary: 'Create a pool of small coherent DMA blocks. Must be called in a context which can sleep.', family: 'dma_pool', args: { device: 1, size: 2 }, size: 'none', layers: ['dma-pool', 'dma-api'], contiguous: 'maybe', sleeps: 'always', frees: ['dma_pool_destroy'], returns: 'pool', source: 'mm/dmapool.c (6.1)' },
  { name: 'dma_pool_alloc', summary: 'Allocate one block from a dma_pool, with its device address.', family: 'pool_object', args: { cache: 0, gfp: 1 }, size: 'cache-object', layers: ['dma-pool', 'dma-api', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['dma_pool_free'], returns: 'pointer', source: 'mm/dmapool.c (6.1)' },
  { name: 'dma_pool_zalloc', summary: 'Zeroed dma_pool_alloc().', family: 'pool_object', args: { cache: 0, gfp: 1 }, size: 'cache-object', addsGfp: ['__GFP_ZERO'], layers: ['dma-pool', 'dma-api', 'buddy'], contiguous: 'yes', sleeps: 'gfp', frees: ['dma_pool_free'], returns: 'pointer', source: 'include/linux/dmapool.h (6.1)' },

  // drivers/usb/core/buffer.c (6.1) hcd_buffer_alloc(): gen_pool for local-memory HCDs, kmalloc() for
  // PIO controllers, a dma_pool block up to the largest pool size, else dma_alloc_coherent().
  { name: 'usb_alloc_coherent', summary: 'DMA-consistent buffer for a USB device (URB_NO_TRANSFER_DMA_MAP), with its DMA address; the host controller decides where it comes from.', family: 'usb_coherent', args: { device: 0, size: 1, gfp: 2 }, size: 'size', layers: ['dma-pool', 'dma-api', 'buddy'], contiguous: 'maybe', sleeps: 'gfp', frees: ['usb_free_coherent'], returns: 'pointer', source: 'drivers/usb/core/usb.c, drivers/usb/core/buffer.c (6.1)' },

  // §3.7 mempool, percpu, CMA
  { name: 'mempool_create', summary: 'Create a pool pre-filled with min_nr elements (allocated with GFP_KERNEL).', family: 'mempool', args: { count: 0 }, size: 'none', layers: ['mempool'], contiguous: 'maybe', sleeps: 'always', frees: ['mempool_destroy'], returns: 'pool', source: 'mm/mempool.c (6.1)' },
  { name: 'mempool_create_kmalloc_pool', summary: 'mempool of kmalloc(size) elements.', family: 'mempool', args: { count: 0, size: 1 }, size: 'none', layers: ['mempool', 'slub'], contiguous: 'yes', sleeps: 'always', frees: ['mempool_destroy'], returns: 'pool', source: 'include/linux/mempool.h (6.1)' },
  { name: 'mempool_create_slab_pool', summary: 'mempool of kmem_cache objects.', family: 'mempool', args: { count: 0, cache: 1 }, size: 'none', layers: ['mempool', 'slub'], contiguous: 'yes', sleeps: 'always', frees: ['mempool_destroy'], returns: 'pool', source: 'include/linux/mempool.h (6.1)' },
  { name: 'mempool_create_page_pool', summary: 'mempool of 2^order page blocks.', family: 'mempool', args: { count: 0, order: 1 }, size: 'none', layers: ['mempool', 'buddy'], contiguous: 'yes', sleeps: 'always', frees: ['mempool_destroy'], returns: 'pool', source: 'include/linux/mempool.h (6.1)' },
  { name: 'mempool_init', summary: 'Initialise an embedded mempool, pre-filling it with GFP_KERNEL.', family: 'mempool', args: { count: 1 }, size: 'none', layers: ['mempool'], contiguous: 'maybe', sleeps: 'always', frees: ['mempool_exit'], returns: 'count', source: 'mm/mempool.c (6.1)' },
  { name: 'mempool_alloc', summary: 'Take an element, falling back to the reserve; only sleeps if alloc_fn sleeps or returns NULL, never fails from process context.', family: 'mempool', args: { cache: 0, gfp: 1 }, size: 'cache-object', layers: ['mempool'], contiguous: 'maybe', sleeps: 'gfp', frees: ['mempool_free'], returns: 'pointer', notes: ['__GFP_ZERO is not supported.'], source: 'mm/mempool.c (6.1)' },
  { name: 'alloc_percpu', summary: 'Allocate one object of a type per possible CPU (GFP_KERNEL).', family: 'percpu', args: {}, size: 'type', defaultGfp: 'GFP_KERNEL', layers: ['percpu', 'vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['free_percpu'], returns: 'percpu', source: 'include/linux/percpu.h (6.1)' },
  { name: 'alloc_percpu_gfp', summary: 'alloc_percpu() with a mask; without GFP_KERNEL it does not block but fails more often.', family: 'percpu', args: { gfp: 1 }, size: 'type', layers: ['percpu', 'vmalloc', 'buddy'], contiguous: 'no', sleeps: 'gfp', frees: ['free_percpu'], returns: 'percpu', source: 'include/linux/percpu.h (6.1)' },
  { name: '__alloc_percpu', summary: 'Allocate size bytes per possible CPU (GFP_KERNEL).', family: 'percpu', args: { size: 0 }, size: 'size', defaultGfp: 'GFP_KERNEL', layers: ['percpu', 'vmalloc', 'buddy'], contiguous: 'no', sleeps: 'always', frees: ['free_percpu'], returns: 'percpu', source: 'mm/percpu.c (6.1)' },
  { name: '__alloc_percpu_gfp', summary: '__alloc_percpu() with a mask.', family: 'percpu', args: { size: 0, gfp: 2 }, size: 'size', layers: ['percpu', 'vmalloc', 'buddy'], contiguous: 'no', sleeps: 'gfp', frees: ['free_percpu'], returns: 'percpu', source: 'mm/percpu.c (6.1)' },
  { name: 'cma_alloc', summary: 'Allocate count contiguous pages from a CMA area (takes cma_mutex, GFP_KERNEL migration).', family: 'cma', args: { count: 1 }, size: 'count*page', layers: ['cma', 'buddy'], contiguous: 'yes', sleeps: 'always', frees: ['cma_release'], returns: 'page', source: 'mm/cma.c (6.1)' },
] as const satisfies readonly AllocApi[];

export const FREE_APIS = [
  { name: 'kfree', summary: 'Free kmalloc() memory; NULL and ZERO_SIZE_PTR are no-ops. Does not sleep.', releases: ['slab'], releasesSince: [{ family: 'kmem_cache', since: '6.4' }], args: { pointer: 0 }, sleeps: 'never', source: 'mm/slab_common.c (6.1)' },
  { name: 'kfree_sensitive', summary: 'Zero ksize() bytes, then kfree().', releases: ['slab'], releasesSince: [{ family: 'kmem_cache', since: '6.4' }], args: { pointer: 0 }, sleeps: 'never', source: 'mm/slab_common.c (6.1)' },
  { name: 'bitmap_free', summary: 'Free a bitmap_alloc()/bitmap_zalloc() bitmap (kfree()).', releases: ['slab'], args: { pointer: 0 }, sleeps: 'never', source: 'lib/bitmap.c (6.1)' },
  { name: 'kfree_const', summary: 'Free kstrdup_const() memory: no-op for .rodata strings, else kfree().', releases: ['const_string', 'slab'], args: { pointer: 0 }, sleeps: 'never', source: 'mm/util.c (6.1)' },
  { name: 'kfree_rcu', summary: 'kfree() after an RCU grace period; the two-argument form never sleeps.', releases: ['slab'], releasesSince: [{ family: 'kmem_cache', since: '6.4' }], args: { pointer: 0 }, sleeps: 'never', notes: ['The single-argument form may call synchronize_rcu() and sleep.'], source: 'include/linux/rcupdate.h (6.1)' },
  { name: 'kvfree', summary: 'Free kvmalloc(), kmalloc() or vmalloc() memory: vfree() if is_vmalloc_addr(), else kfree().', releases: ['kvmalloc', 'slab', 'vmalloc'], releasesSince: [{ family: 'kmem_cache', since: '6.4' }], args: { pointer: 0 }, sleeps: 'unless-interrupt', notes: ['Preemptible task context or non-NMI interrupt (mm/util.c).'], source: 'mm/util.c (6.1)' },
  { name: 'kvfree_sensitive', summary: 'Zero len bytes, then kvfree().', releases: ['kvmalloc', 'slab', 'vmalloc'], args: { pointer: 0, size: 1 }, sleeps: 'unless-interrupt', source: 'mm/util.c (6.1)' },
  { name: 'vfree', summary: 'Free vmalloc() memory. May sleep when not called from interrupt context; BUG in NMI.', releases: ['vmalloc'], args: { pointer: 0 }, sleeps: 'unless-interrupt', source: 'mm/vmalloc.c (6.1)' },
  { name: 'vunmap', summary: 'Unmap a vmap() area (BUG_ON(in_interrupt()), might_sleep).', releases: ['vmap'], args: { pointer: 0 }, sleeps: 'always', source: 'mm/vmalloc.c (6.1)' },
  { name: 'kmem_cache_free', summary: 'Return an object to its slab cache.', releases: ['kmem_cache'], args: { cache: 0, pointer: 1 }, sleeps: 'never', source: 'mm/slub.c (6.1)' },
  { name: 'kmem_cache_free_bulk', summary: 'Return an array of objects to their slab cache.', releases: ['kmem_cache'], args: { cache: 0, count: 1 }, sleeps: 'never', source: 'mm/slub.c (6.1)' },
  { name: 'kmem_cache_destroy', summary: 'Destroy a slab cache; all objects must be freed. Sleeps.', releases: ['kmem_cache'], args: { cache: 0 }, sleeps: 'always', source: 'mm/slab_common.c (6.1)' },
  { name: '__free_pages', summary: 'Free 2^order pages given their struct page *.', releases: ['pages', 'dma_pages'], args: { pointer: 0, order: 1 }, sleeps: 'never', source: 'mm/page_alloc.c (6.1)' },
  { name: '__free_page', summary: 'Free one page given its struct page *.', releases: ['pages'], args: { pointer: 0 }, sleeps: 'never', source: 'include/linux/gfp.h (6.1)' },
  { name: 'free_pages', summary: 'Free 2^order pages given their kernel virtual address.', releases: ['page_address'], args: { pointer: 0, order: 1 }, sleeps: 'never', source: 'mm/page_alloc.c (6.1)' },
  { name: 'free_page', summary: 'Free one page given its kernel virtual address.', releases: ['page_address'], args: { pointer: 0 }, sleeps: 'never', source: 'include/linux/gfp.h (6.1)' },
  { name: 'free_pages_exact', summary: 'Free alloc_pages_exact() memory given its address and size.', releases: ['pages_exact'], args: { pointer: 0, size: 1 }, sleeps: 'never', source: 'mm/page_alloc.c (6.1)' },
  // folio_put() frees whatever page-allocator block it drops the last reference of (__folio_put():
  // free_unref_page() for order 0, destroy_large_folio() for a compound one), and the folio
  // allocators are __alloc_pages() with __GFP_COMP (__folio_alloc(), vma_alloc_folio(),
  // mm/page_alloc.c and mm/mempolicy.c 6.1): pages memory reached through them is released
  // correctly. Only a non-compound order > 0 block would be partly leaked; the model cannot tell
  // that case apart, so it stays silent rather than calling a right free wrong.
  { name: 'folio_put', summary: 'Drop a folio reference, freeing it at zero.', releases: ['folio', 'pages'], args: { pointer: 0 }, sleeps: 'never', source: 'include/linux/mm.h, mm/swap.c (6.1)' },
  { name: 'free_contig_range', summary: 'Free pages from alloc_contig_range()/alloc_contig_pages().', releases: ['contig'], args: { count: 1 }, sleeps: 'never', source: 'mm/page_alloc.c (6.1)' },
  { name: 'devres_free', summary: 'Free a devres_alloc() resource that was never devres_add()ed (BUG_ON if it is on a device list).', releases: ['devres_raw'], args: { pointer: 0 }, sleeps: 'never', source: 'drivers/base/devres.c (6.1)' },
  { name: 'devm_kfree', summary: 'Free device-managed memory early.', releases: ['devres'], args: { device: 0, pointer: 1 }, sleeps: 'never', source: 'drivers/base/devres.c (6.1)' },
  { name: 'devm_free_pages', summary: 'Free devm_get_free_pages() memory early.', releases: ['devres_pages'], args: { device: 0, pointer: 1 }, sleeps: 'never', source: 'drivers/base/devres.c (6.1)' },
  { name: 'dma_free_coherent', summary: 'Free coherent DMA memory; needs IRQs enabled, not from interrupt context.', releases: ['dma_coherent'], args: { device: 0, size: 1, pointer: 2 }, sleeps: 'irqs-enabled', source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dma_free_attrs', summary: 'Free dma_alloc_attrs() memory; needs IRQs enabled.', releases: ['dma_coherent'], args: { device: 0, size: 1, pointer: 2 }, sleeps: 'irqs-enabled', source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dma_free_wc', summary: 'Free write-combined coherent DMA memory.', releases: ['dma_coherent'], args: { device: 0, size: 1, pointer: 2 }, sleeps: 'irqs-enabled', source: 'include/linux/dma-mapping.h (6.1)' },
  { name: 'dma_free_noncoherent', summary: 'Free dma_alloc_noncoherent() memory.', releases: ['dma_noncoherent'], args: { device: 0, size: 1, pointer: 2 }, sleeps: 'unstated', source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dma_free_pages', summary: 'Free dma_alloc_pages() pages.', releases: ['dma_pages'], args: { device: 0, size: 1, pointer: 2 }, sleeps: 'unstated', source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dmam_free_coherent', summary: 'Free dmam_alloc_coherent() memory early.', releases: ['dma_coherent_managed'], args: { device: 0, size: 1, pointer: 2 }, sleeps: 'irqs-enabled', source: 'kernel/dma/mapping.c (6.1)' },
  { name: 'dma_pool_free', summary: 'Return a block to its dma_pool (interrupt context allowed).', releases: ['pool_object'], args: { cache: 0, pointer: 1 }, sleeps: 'never', source: 'mm/dmapool.c (6.1)' },
  { name: 'dma_pool_destroy', summary: 'Destroy a dma_pool; sleeps.', releases: ['dma_pool'], args: { cache: 0 }, sleeps: 'always', source: 'mm/dmapool.c (6.1)' },
  { name: 'dmam_pool_destroy', summary: 'Destroy a device-managed dma_pool early.', releases: ['dma_pool'], args: { cache: 0 }, sleeps: 'always', source: 'mm/dmapool.c (6.1)' },
  { name: 'usb_free_coherent', summary: 'Free a usb_alloc_coherent() buffer: back to its gen_pool, kfree(), dma_pool or dma_free_coherent() as the host controller allocated it.', releases: ['usb_coherent'], args: { device: 0, size: 1, pointer: 2 }, sleeps: 'unstated', source: 'drivers/usb/core/buffer.c (6.1)' },
  { name: 'mempool_free', summary: 'Return an element to a mempool (refills the reserve first).', releases: ['mempool'], args: { pointer: 0, cache: 1 }, sleeps: 'never', source: 'mm/mempool.c (6.1)' },
  { name: 'mempool_destroy', summary: 'Free the reserve and the pool.', releases: ['mempool'], args: { cache: 0 }, sleeps: 'never', source: 'mm/mempool.c (6.1)' },
  { name: 'mempool_exit', summary: 'Free the reserve of an embedded mempool.', releases: ['mempool'], args: { cache: 0 }, sleeps: 'never', source: 'mm/mempool.c (6.1)' },
  { name: 'free_percpu', summary: 'Free percpu memory; callable from atomic context.', releases: ['percpu'], args: { pointer: 0 }, sleeps: 'never', source: 'mm/percpu.c (6.1)' },
  { name: 'cma_release', summary: 'Return pages to a CMA area.', releases: ['cma'], args: { cache: 0, pointer: 1, count: 2 }, sleeps: 'always', source: 'mm/cma.c (6.1)' },
] as const satisfies readonly FreeApi[];

const allocByName = new Map<string, AllocApi>(ALLOC_APIS.map((api) => [api.name, api]));
const freeByName = new Map<string, FreeApi>(FREE_APIS.map((api) => [api.name, api]));

function availableIn(api: { since?: string; until?: string }, config: ModelConfig): boolean {
  return (!api.since || atLeast(config, api.since)) && (!api.until || compareVersion(config.kernel, api.until) <= 0);
}

/** The allocation API of that name in the configured kernel, if the model knows it. */
export function allocApi(name: string, config: ModelConfig): AllocApi | undefined {
  const api = allocByName.get(name);
  return api && availableIn(api, config) ? api : undefined;
}

export function freeApi(name: string): FreeApi | undefined {
  return freeByName.get(name);
}

/** Resolves a possibly negative argument index against an argument count. */
export function argIndex(index: number | undefined, argCount: number): number | undefined {
  if (index === undefined) return undefined;
  const resolved = index < 0 ? argCount + index : index;
  return resolved >= 0 && resolved < argCount ? resolved : undefined;
}

/** Whether `free` releases memory of `family` correctly in the configured kernel. */
export function freeReleases(free: FreeApi, family: AllocFamily, config: ModelConfig): boolean {
  if (free.releases.includes(family)) return true;
  return (free.releasesSince ?? []).some((entry) => entry.family === family && atLeast(config, entry.since));
}
