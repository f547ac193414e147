// free-mismatch: memory released by a function of another allocator family — kfree() of vmalloc
// or kvmalloc memory, vfree() of slab memory, kfree()/kvfree() of devres memory (devres frees it
// again at detach), kfree() of page-allocator or coherent DMA memory, free_pages() of a struct
// page * and __free_pages() of an address, kmem_cache_free() of kmalloc memory. Which free
// releases which family is model/apis.ts freeReleases(), nothing else.
import type { Node } from 'web-tree-sitter';
import type { FreeSite } from '../analysis/allocationSites';
import type { FileFacts } from '../analysis/fileFacts';
import type { FolderProvenance } from '../analysis/provenance/folderProvenance';
import { describeSource, fieldRead, underVmallocCheck } from '../analysis/provenance/provenance';
import type { PointerSource } from '../analysis/provenance/provenanceFacts';
import { AllocFamily, FreeApi, argIndex, freeApi, freeReleases } from '../model/apis';
import { ModelConfig, formatKernelVersion } from '../model/config';
import { spanOf, unwrapExpression } from '../parsing/syntax';
import { Fix, Rule, RuleFinding } from './rule';

/** Families whose objects come back through a pool or cache the free cannot check. */
const UNCHECKED: ReadonlySet<string> = new Set(['mempool', 'stack', 'cache_object']);

const KFREE_LIKE: ReadonlySet<string> = new Set(['kfree', 'kfree_sensitive', 'kfree_rcu', 'kfree_const', 'kvfree', 'kvfree_sensitive']);
const DEVRES: ReadonlySet<string> = new Set(['devres', 'devres_pages', 'dma_coherent_managed']);

/** What goes wrong, in a kernel developer's words (6.1 sources); `right` names the matching free. */
function consequence(free: FreeApi, family: AllocFamily, right: string, config: ModelConfig): string {
  const name = `${free.name}()`;
  if (DEVRES.has(family)) {
    return `device-managed memory stays on the device's devres list, which frees it again when the driver detaches or probe fails: a double free (drivers/base/devres.c, 6.1). Let devres free it, or use ${right} to free it early`;
  }
  if (!KFREE_LIKE.has(free.name)) {
    switch (free.name) {
      case 'vfree':
      case 'vunmap':
        return family === 'kvmalloc'
          ? `kvmalloc() returns kmalloc memory whenever kmalloc succeeds, and vfree() of a kmalloc address WARNs "Trying to vfree() nonexistent vm area" and leaks it (mm/vmalloc.c, 6.1). kvmalloc memory is freed with kvfree()`
          : `${name} finds no vmap area for an address outside the vmalloc area: WARN "Trying to vfree() nonexistent vm area" and the memory leaks (mm/vmalloc.c, 6.1). Free it with ${right}`;
      case 'kmem_cache_free':
        return `${name} of memory that is not an object of that cache: with SLAB_FREELIST_HARDENED or slab debugging cache_from_obj() WARNs ("Object is not a Slab page!", "Wrong slab cache"), otherwise SLUB puts it on the cache's freelist and memory is corrupted (mm/slab.h, mm/slub.c, 6.1). Free it with ${right}`;
      case 'devm_kfree':
      case 'devm_free_pages':
        if (family === 'devres_raw')
          return `${name} looks for a devm_kmalloc() entry; a devres_alloc() resource is not one: WARN_ON(devres_destroy(…)) and nothing is freed (drivers/base/devres.c, 6.1). Free it with ${right} before devres_add(), or let devres release it after`;
        return `${name} finds no devres entry for memory that devres did not allocate: WARN_ON(devres_destroy(…)) and the memory leaks (drivers/base/devres.c, 6.1). Free it with ${right}`;
      case 'free_pages':
      case 'free_page':
        return family === 'pages'
          ? `${name} takes a kernel virtual address, but this is a struct page *: free it with __free_pages(page, order) (mm/page_alloc.c, 6.1)`
          : `${name} frees page-allocator blocks given their address; this memory is not one. Free it with ${right}`;
      case '__free_pages':
      case '__free_page':
        return family === 'page_address'
          ? `${name} takes a struct page *, but this is a kernel virtual address from the page allocator: free it with free_pages(addr, order) (mm/page_alloc.c, 6.1)`
          : `${name} frees pages given their struct page *; this memory is not one. Free it with ${right}`;
      default:
        return `${name} does not release ${family} memory. Free it with ${right}`;
    }
  }
  switch (family) {
    case 'vmalloc':
    case 'vmap':
      return `${name} of a vmalloc address: virt_to_folio() is meaningless outside the linear map, so the free corrupts memory or crashes (mm/slab_common.c, 6.1). vmalloc memory is freed with vfree() or kvfree()`;
    case 'kvmalloc':
      return `kvmalloc() falls back to vmalloc() above PAGE_SIZE when kmalloc fails (mm/util.c, 6.1), and ${name} of that memory corrupts memory. kvmalloc memory is freed with kvfree(), which checks is_vmalloc_addr()`;
    case 'kmem_cache':
      return `kfree() of kmem_cache_alloc() objects is allowed only from 6.4 (SLOB, which needs the cache, was removed); on ${formatKernelVersion(config.kernel)} use kmem_cache_free()`;
    case 'page_address':
    case 'pages_exact':
      return `${name} of page-allocator memory: it is not a slab page, so kfree() hands it to free_large_kmalloc(), which WARNs for order 0 and frees folio_order() pages — not the order allocated (mm/slab_common.c, 6.1). Free it with ${right}`;
    case 'pages':
    case 'folio':
      return `${name} of a struct page *: it is not a kmalloc address. Free it with ${right}`;
    case 'dma_coherent':
    case 'dma_noncoherent':
    case 'dma_pages':
      return `coherent DMA memory belongs to the DMA API (dma-direct pages, CMA, or a remapped IOMMU buffer) and its device mapping: only ${right} releases both (kernel/dma/mapping.c, 6.1)`;
    case 'devres_raw':
      return `devres_alloc() returns the data behind a struct devres header, not the pointer kmalloc() returned, so ${name} frees an address no allocator handed out (drivers/base/devres.c, 6.1). Free it with ${right} before devres_add(), or let devres release it after`;
    case 'usb_coherent':
      return `usb_alloc_coherent() memory comes from the host controller's dma_pool, dma_alloc_coherent() or gen_pool (kmalloc() only on PIO controllers): only ${right} returns it the way it was allocated (drivers/usb/core/buffer.c, 6.1)`;
    case 'pool_object':
      return `a dma_pool block lives inside a coherent DMA page of its pool: return it with dma_pool_free(pool, vaddr, dma) (mm/dmapool.c, 6.1)`;
    case 'const_string':
      return `kstrdup_const() may return the .rodata string itself, which ${name} must never free: use kfree_const() (mm/util.c, 6.1)`;
    case 'percpu':
      return `percpu memory is freed with free_percpu() (mm/percpu.c, 6.1)`;
    default:
      return `${name} does not release ${family} memory. Free it with ${right}`;
  }
}

/** Argument texts of the allocation are usable at the free when both sit in one function of the file. */
function sameFunction(source: PointerSource, free: Node, facts: FileFacts): boolean {
  let fn: Node | null = free;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  const span = source.functionSpan;
  return !!fn && !!span && source.file === facts.path && span.startLine === fn.startPosition.row && span.startColumn === fn.startPosition.column;
}

/** The statement `kfree(p);` as a whole line, when it can be removed without breaking syntax. */
function removalSpan(call: Node, text: string) {
  const statement = call.parent;
  if (statement?.type !== 'expression_statement' || statement.parent?.type !== 'compound_statement') return undefined;
  const lines = text.split('\n');
  const line = lines[statement.startPosition.row] ?? '';
  const alone = line.trim() === statement.text.trim() && statement.startPosition.row === statement.endPosition.row;
  if (alone) return { startLine: statement.startPosition.row, startColumn: 0, endLine: statement.startPosition.row + 1, endColumn: 0 };
  return spanOf(statement);
}

/** The matching free call, with arguments taken from the allocation where the model says which. */
function rightFree(free: FreeSite, source: PointerSource, pointer: Node, facts: FileFacts, analysis: FolderProvenance): Fix | undefined {
  const family = source.origin;
  const site = source.site;
  if (!site) return undefined;
  const callSpan = spanOf(free.call);
  if (family === 'devres' || family === 'devres_pages' || family === 'dma_coherent_managed') {
    if (free.api.name === 'devm_kfree' || free.api.name === 'devm_free_pages' || free.api.name === 'dmam_free_coherent') return undefined;
    const span = removalSpan(free.call, facts.text);
    return span ? { title: `Remove the ${free.api.name}(): devres frees this memory at detach`, edits: [{ span, newText: '' }], preferred: true } : undefined;
  }
  const api = source.api;
  const target = api ? freeApi(api.frees[0]) : undefined;
  if (!api || !target) return undefined;
  const local = sameFunction(source, free.call, facts);
  const allocArg = (index: number | undefined) => {
    const resolved = argIndex(index, site.args.length);
    return resolved === undefined ? undefined : site.args[resolved];
  };
  // The fix names the object itself; free_pages() wants an unsigned long, __free_pages() a page.
  const object = unwrapExpression(pointer);
  const pointerText = object.text;
  const variable = object.type === 'identifier' ? analysis.engine.variableAt(object) : undefined;
  const addressText = variable && variable.type === 'unsigned long' && !variable.pointer ? pointerText : `(unsigned long)${pointerText}`;
  let call: string | undefined;
  switch (target.name) {
    case 'vfree':
    case 'kvfree':
    case 'kfree':
    case '__free_page':
    case 'free_percpu':
    case 'kfree_const':
    case 'devres_free':
      call = `${target.name}(${pointerText})`;
      break;
    case 'free_page':
      call = `free_page(${addressText})`;
      break;
    case 'free_pages':
    case '__free_pages': {
      const order = allocArg(api.args.order) ?? (api.size === 'page' ? '0' : undefined);
      if (order === undefined || (!local && !/^[A-Z0-9_]+$/.test(order))) return undefined;
      call = target.name === 'free_pages' ? `free_pages(${addressText}, ${order})` : `__free_pages(${pointerText}, ${order})`;
      break;
    }
    case 'kmem_cache_free': {
      const cache = allocArg(api.args.cache);
      if (!cache || !local) return undefined;
      call = `kmem_cache_free(${cache}, ${pointerText})`;
      break;
    }
    case 'dma_free_coherent':
    case 'dma_free_attrs':
    case 'dma_free_wc':
    case 'dma_free_noncoherent': {
      // dma_alloc_coherent(dev, size, &handle, gfp) → dma_free_coherent(dev, size, vaddr, handle).
      const device = allocArg(api.args.device);
      const size = allocArg(api.args.size);
      const handle = site.args[2]?.replace(/^&\s*/, '');
      if (!device || !size || !handle || !local || !site.args[2]?.startsWith('&')) return undefined;
      const extra = target.name === 'dma_free_attrs' ? site.args[4] : target.name === 'dma_free_noncoherent' ? site.args[3] : undefined;
      if ((target.name === 'dma_free_attrs' || target.name === 'dma_free_noncoherent') && !extra) return undefined;
      call = `${target.name}(${device}, ${size}, ${pointerText}, ${handle}${extra ? `, ${extra}` : ''})`;
      break;
    }
    default:
      return undefined;
  }
  return { title: `Free with ${target.name}()`, edits: [{ span: callSpan, newText: call }], preferred: true };
}

export const freeMismatch: Rule = {
  id: 'free-mismatch',
  defaultSeverity: 'warning',
  docs: {
    summary:
      'Memory released by a function of another allocator family: kfree() of vmalloc or kvmalloc memory, vfree() of kmalloc memory, kfree()/kvfree() of devm_* memory (freed again at detach), kfree() of __get_free_pages() or dma_alloc_coherent() memory, free_pages() vs __free_pages() confusion, kmem_cache_free() of kmalloc memory.',
    bad: 'buf = vzalloc(size);\n/* … */\nkfree(buf);',
    good: 'buf = vzalloc(size);\n/* … */\nvfree(buf);',
  },
  check({ facts, folder, db }) {
    const findings: RuleFinding[] = [];
    const analysis = db.provenance(facts, folder);
    const checked = analysis.vmallocCheckedNames();
    for (const free of facts.frees) {
      const index = argIndex(free.api.args.pointer, free.args.length);
      const pointer = index === undefined ? undefined : free.args[index];
      if (!pointer || underVmallocCheck(free.call)) continue;
      const field = fieldRead(pointer);
      if (field && checked.has(field)) continue;
      const provenance = analysis.of(pointer);
      if (provenance.sources.some((source) => source.underVmallocCheck)) continue;
      // Every path must be known and none released correctly: prefer silence to a guess.
      if (provenance.unknown || provenance.sources.length === 0) continue;
      if (provenance.sources.some((source) => UNCHECKED.has(source.origin))) continue;
      const wrong = provenance.sources.filter((source) => source.origin !== 'stack' && !freeReleases(free.api, source.origin as AllocFamily, facts.config));
      if (wrong.length !== provenance.sources.length) continue;
      const families = new Set(wrong.map((source) => source.origin));
      if (families.size !== 1) continue;
      const family = wrong[0].origin as AllocFamily;
      const from = wrong.map((source) => describeSource(source, facts.path)).join('; ');
      const fix = wrong.length === 1 ? rightFree(free, wrong[0], pointer, facts, analysis) : undefined;
      findings.push({
        span: spanOf(free.call),
        message: `${free.api.name}() of memory from ${from}: ${consequence(free.api, family, (wrong[0].api?.frees ?? []).map((f) => `${f}()`).join(' or '), facts.config)}.`,
        related: wrong.map((source) => ({
          file: source.file === facts.path ? undefined : source.file,
          span: source.span,
          message: `allocated here by ${source.api?.name}() (${source.origin}); free with ${source.api?.frees.join(' or ')}()`,
        })),
        fixes: fix ? [fix] : [],
      });
    }
    return findings;
  },
};
