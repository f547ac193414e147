// Wording shared by the size rules: byte counts as kernel developers write them, how the size was
// evaluated (the same steps the hover shows), so a message carries its evidence, and the advice
// for buffers that must stay physically contiguous (no kvmalloc() for them).
import type { AllocationSite } from '../analysis/allocationSites';
import type { KernelConstants } from '../model/config';
import { RETRY_MAYFAIL_COSTLY } from '../model/gfp';
import { DMA_COHERENT_ZONE, KVMALLOC_ZONE_MODIFIERS, SLAB_REJECTED_BITS, ZoneModifier } from '../model/routing';
import type { ContiguousNeed } from './kvmallocFix';

export function formatBytes(value: number): string {
  if (value >= 1024 * 1024 && value % (1024 * 1024) === 0) return `${value} bytes = ${value / 1024 / 1024} MiB`;
  if (value >= 1024 && value % 1024 === 0) return `${value} bytes = ${value / 1024} KiB`;
  return `${value} bytes`;
}

/** ` Size: sizeof(struct foo) = 71536: …` when the size took more than a literal to evaluate. */
export function sizeEvidence(site: AllocationSite): string {
  const steps = site.requestedBytes?.steps ?? [];
  if (steps.length === 0) return '';
  const text = steps.join('; ');
  return ` Size: ${text.length > 300 ? `${text.slice(0, 297)}…` : text}.`;
}

const ZONE_NAMES: Readonly<Record<ZoneModifier, string>> = { __GFP_DMA: 'ZONE_DMA', __GFP_DMA32: 'ZONE_DMA32' };

/** How the request is served: through kmalloc() (and its kv* form), or by the page allocator directly (and vmalloc() as the alternative). */
export type ServedBy = 'kmalloc' | 'pages';

/** Whether kmalloc() drops a zone modifier of this mask (GFP_SLAB_BUG_MASK). */
function slabDrops(need: ContiguousNeed, servedBy: ServedBy): ZoneModifier | undefined {
  if (need.kind !== 'zone' || servedBy !== 'kmalloc') return undefined;
  return need.zones.find((zone) => (SLAB_REJECTED_BITS.bits as readonly string[]).includes(zone));
}

/** Why kvmalloc() (or vmalloc(), for page-allocator requests) does not fit a buffer that must stay physically contiguous. */
export function whyContiguous(need: ContiguousNeed, servedBy: ServedBy): string {
  const alternative = servedBy === 'kmalloc' ? 'kvmalloc()' : 'vmalloc()';
  if (need.kind === 'sink') {
    const where = need.file ? `line ${need.line} of ${need.file.split(/[\\/]/).pop()}` : `line ${need.line}`;
    return ` The buffer reaches ${need.what} at ${where}, which needs physically contiguous memory, so ${alternative} does not fit.`;
  }
  const zones = need.zones.map((zone) => `${ZONE_NAMES[zone]} (${zone})`).join(' and ');
  const fallback =
    servedBy === 'kmalloc'
      ? `its vmalloc fallback does not support zone modifiers (${KVMALLOC_ZONE_MODIFIERS.readIn})`
      : `vmalloc does not support zone modifiers (${KVMALLOC_ZONE_MODIFIERS.vmallocReadIn})`;
  const dropped = slabDrops(need, servedBy);
  if (dropped) {
    return ` The mask asks for ${zones}, but kmalloc() does not serve ${dropped}: it clears the flag, warns "${SLAB_REJECTED_BITS.warning}" and dumps the stack (${SLAB_REJECTED_BITS.readIn}), so this memory is not guaranteed to be 32-bit addressable; ${alternative} does not fit either: ${fallback}.`;
  }
  return ` The mask asks for ${zones}, so ${alternative} does not fit: ${fallback}.`;
}

/**
 * What fits a buffer that must stay physically contiguous: for a costly order, the contiguous
 * allocation itself (its failure handled), blocks below the costly order, or the DMA API; for a
 * request above the largest order, blocks that fit or a CMA-backed coherent buffer.
 */
export function contiguousAlternatives(need: ContiguousNeed, servedBy: ServedBy, situation: 'costly' | 'too-large', constants: KernelConstants): string {
  const coherent = `dma_alloc_coherent(), which picks the zone from the device's DMA mask (${DMA_COHERENT_ZONE.readIn})`;
  const costlyBlock = `${formatBlock(2 ** (constants.pageShift + constants.costlyOrder))} (order ${constants.costlyOrder})`;
  const largestBlock = `${formatBlock(constants.kmallocMaxSize)} (order ${constants.maxOrder})`;
  const dropped = slabDrops(need, servedBy);
  if (situation === 'costly') {
    if (dropped) return ` Use ${coherent}, or GFP_DMA32 pages from __get_free_pages() in blocks of at most ${costlyBlock}.`;
    const keep = 'Keep the allocation and handle its failure (or make it once at probe time)';
    return need.kind === 'zone' ? ` ${keep}, split it into blocks of at most ${costlyBlock}, or use ${coherent}.` : ` ${keep}, or split it into blocks of at most ${costlyBlock}.`;
  }
  if (dropped) return ` Use ${coherent} (one buffer this large needs a CMA area), or GFP_DMA32 pages from __get_free_pages() in blocks of at most ${largestBlock}.`;
  return ` Split it into blocks of at most ${largestBlock}; one contiguous device buffer this large needs CMA (dma_alloc_coherent() with a CMA area).`;
}

function formatBlock(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/** What __GFP_RETRY_MAYFAIL does for a costly order, in the kernel's words (model/gfp.ts RETRY_MAYFAIL_COSTLY). */
export function retryMayfailSentence(): string {
  const flag = RETRY_MAYFAIL_COSTLY;
  return ` The mask has ${flag.flag}, so for this order the allocator keeps retrying reclaim and compaction while they make progress ("${flag.retries}"), but "${flag.limit}": it does not invoke the OOM killer and may still fail, so the caller must handle NULL (${flag.readIn}).`;
}
