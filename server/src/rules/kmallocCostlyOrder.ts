// kmalloc-costly-order: a request the page allocator serves at an order above
// PAGE_ALLOC_COSTLY_ORDER (3). Such orders get no OOM killer and no retry without
// __GFP_RETRY_MAYFAIL; under fragmentation they fail even with plenty of free order-0 memory
// (__alloc_pages_slowpath, mm/page_alloc.c, 6.1). Requests that say they expect failure
// (__GFP_NORETRY) are left alone.
import { describeConfig, kernelConstants } from '../model/config';
import { servingRoute } from '../model/routing';
import { spanOf } from '../parsing/syntax';
import { kvmallocAdvice } from './kvmallocFix';
import { Rule, RuleFinding } from './rule';
import { formatBytes, sizeEvidence } from './sizeMessages';

export const kmallocCostlyOrder: Rule = {
  id: 'kmalloc-costly-order',
  defaultSeverity: 'warning',
  docs: {
    summary:
      'A kmalloc-family or page-allocator request served at an order above PAGE_ALLOC_COSTLY_ORDER (3): more than 32 KiB with 4K pages. The allocator does not invoke the OOM killer for it and gives up early, so it fails under memory fragmentation even when plenty of memory is free. When the memory need not be physically contiguous, the fix switches to the kv* equivalent and the matching kfree() calls to kvfree().',
    bad: 'table = kzalloc(64 * 1024, GFP_KERNEL);',
    good: 'table = kvzalloc(64 * 1024, GFP_KERNEL); /* … */ kvfree(table);',
  },
  check({ facts, folder }) {
    const findings: RuleFinding[] = [];
    const constants = kernelConstants(facts.config);
    for (const site of facts.allocations) {
      const route = servingRoute(site.api, { size: site.requestedBytes?.value, order: site.order?.value?.value }, facts.config);
      if ((route.via !== 'kmalloc' && route.via !== 'pages') || route.route.kind !== 'pages' || !route.route.costly) continue;
      if (site.gfp?.value?.bits.has('__GFP_NORETRY')) continue;
      const { order, bytes } = route.route;
      const where = `order ${order} (${formatBytes(bytes)}), above PAGE_ALLOC_COSTLY_ORDER (${constants.costlyOrder})`;
      const consequence = 'the allocator will not OOM-kill for it and gives up early, so it fails under fragmentation even with free memory';
      const config = describeConfig(facts.config);
      if (route.via === 'pages') {
        findings.push({
          span: spanOf(site.call),
          message: `${site.api.name}() asks the page allocator for ${where}: ${consequence} (${config}). Use smaller blocks, vmalloc() if the memory need not be physically contiguous, or allocate once at probe time.${sizeEvidence(site)}`,
          related: [],
          fixes: [],
        });
        continue;
      }
      const { fix, why } = kvmallocAdvice(facts, folder, site);
      const header = route.header !== undefined ? ` + ${route.header}-byte devres header` : '';
      const advice = fix
        ? ` The buffer is not handed to an API that needs physically contiguous memory here: ${fix.title.replace(/^Use /, '')} falls back to vmalloc.`
        : ` If the buffer need not be physically contiguous, kvmalloc() (with kvfree()) falls back to vmalloc${why ? ` (no automatic fix: ${why})` : ''}.`;
      findings.push({
        span: spanOf(site.call),
        message: `${site.api.name}() of ${formatBytes(site.requestedBytes!.value)}${header} is larger than the largest kmalloc cache (${formatBytes(constants.kmallocMaxCacheSize)}) and is served by the page allocator at ${where}: ${consequence} (${config}).${advice}${sizeEvidence(site)}`,
        related: [],
        fixes: fix ? [fix] : [],
      });
    }
    return findings;
  },
};
