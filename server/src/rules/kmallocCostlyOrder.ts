// kmalloc-costly-order: a request the page allocator serves at an order above
// PAGE_ALLOC_COSTLY_ORDER (3). Such orders get no OOM killer and no retry without
// __GFP_RETRY_MAYFAIL; under fragmentation they fail even with plenty of free order-0 memory
// (__alloc_pages_slowpath, mm/page_alloc.c, 6.1). Requests that say they expect failure
// (__GFP_NORETRY) are left alone; with __GFP_RETRY_MAYFAIL the message says what that flag does.
// No kvmalloc() advice for a buffer that must stay physically contiguous (a zone modifier in the
// mask, or a DMA sink the provenance engine sees): the message says what fits instead.
import { describeConfig, kernelConstants } from '../model/config';
import { servingRoute } from '../model/routing';
import { spanOf } from '../parsing/syntax';
import { RETRY_MAYFAIL_COSTLY } from '../model/gfp';
import { contiguousNeed, kvmallocAdvice } from './kvmallocFix';
import { Rule, RuleFinding } from './rule';
import { contiguousAlternatives, formatBytes, retryMayfailSentence, sizeEvidence, whyContiguous } from './sizeMessages';

export const kmallocCostlyOrder: Rule = {
  id: 'kmalloc-costly-order',
  defaultSeverity: 'warning',
  docs: {
    summary:
      'A kmalloc-family or page-allocator request served at an order above PAGE_ALLOC_COSTLY_ORDER (3): more than 32 KiB with 4K pages. The allocator does not invoke the OOM killer for it and gives up early, so it fails under memory fragmentation even when plenty of memory is free. When the memory need not be physically contiguous, the fix switches to the kv* equivalent and the matching kfree() calls to kvfree().',
    bad: 'table = kzalloc(64 * 1024, GFP_KERNEL);',
    good: 'table = kvzalloc(64 * 1024, GFP_KERNEL); /* … */ kvfree(table);',
  },
  check(context) {
    const { facts } = context;
    const findings: RuleFinding[] = [];
    const constants = kernelConstants(facts.config);
    for (const site of facts.allocations) {
      const route = servingRoute(site.api, { size: site.requestedBytes?.value, order: site.order?.value?.value }, facts.config);
      if ((route.via !== 'kmalloc' && route.via !== 'pages') || route.route.kind !== 'pages' || !route.route.costly) continue;
      if (site.gfp?.value?.bits.has('__GFP_NORETRY')) continue;
      const { order, bytes } = route.route;
      const where = `order ${order} (${formatBytes(bytes)}), above PAGE_ALLOC_COSTLY_ORDER (${constants.costlyOrder})`;
      // With __GFP_RETRY_MAYFAIL the allocator does not give up early (model/gfp.ts RETRY_MAYFAIL_COSTLY).
      const retries = !!site.gfp?.value?.bits.has(RETRY_MAYFAIL_COSTLY.flag);
      const consequence = retries
        ? 'the allocator must find or compact a free block of that order for it'
        : 'the allocator will not OOM-kill for it and gives up early, so it fails under fragmentation even with free memory';
      const flagSentence = retries ? retryMayfailSentence() : '';
      const config = describeConfig(facts.config);
      if (route.via === 'pages') {
        const need = contiguousNeed(context, site);
        const advice = need
          ? `${whyContiguous(need, 'pages')}${contiguousAlternatives(need, 'pages', 'costly', constants)}`
          : ' Use smaller blocks, vmalloc() if the memory need not be physically contiguous, or allocate once at probe time.';
        findings.push({
          span: spanOf(site.call),
          message: `${site.api.name}() asks the page allocator for ${where}: ${consequence} (${config}).${flagSentence}${advice}${sizeEvidence(site)}`,
          related: [],
          fixes: [],
        });
        continue;
      }
      const { fix, why, contiguous } = kvmallocAdvice(context, site);
      const header = route.header !== undefined ? ` + ${route.header}-byte devres header` : '';
      const keepsRetrying =
        retries && RETRY_MAYFAIL_COSTLY.kvmallocKeepsRetrying ? ` (its kmalloc attempt keeps ${RETRY_MAYFAIL_COSTLY.flag} and retries before falling back, mm/util.c kvmalloc_node(), 6.1)` : '';
      const advice = contiguous
        ? `${whyContiguous(contiguous, 'kmalloc')}${contiguousAlternatives(contiguous, 'kmalloc', 'costly', constants)}`
        : fix
          ? ` The buffer is not handed to an API that needs physically contiguous memory here: ${fix.title.replace(/^Use /, '')} falls back to vmalloc${keepsRetrying}.`
          : ` If the buffer need not be physically contiguous, kvmalloc() (with kvfree()) falls back to vmalloc${keepsRetrying}${why ? ` (no automatic fix: ${why})` : ''}.`;
      findings.push({
        span: spanOf(site.call),
        message: `${site.api.name}() of ${formatBytes(site.requestedBytes!.value)}${header} is larger than the largest kmalloc cache (${formatBytes(constants.kmallocMaxCacheSize)}) and is served by the page allocator at ${where}: ${consequence} (${config}).${flagSentence}${advice}${sizeEvidence(site)}`,
        related: [],
        fixes: fix ? [fix] : [],
      });
    }
    return findings;
  },
};
