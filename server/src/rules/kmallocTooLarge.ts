// kmalloc-too-large: a slab-family request above KMALLOC_MAX_SIZE, or a page order above the
// buddy limit. __alloc_pages() returns NULL with a one-time WARN (WARN_ON_ONCE_GFP(order >=
// MAX_ORDER), mm/page_alloc.c, 6.1): the call always fails.
import { describeConfig, kernelConstants } from '../model/config';
import { servingRoute } from '../model/routing';
import { spanOf } from '../parsing/syntax';
import { contiguousNeed, kvmallocAdvice } from './kvmallocFix';
import { Rule, RuleFinding } from './rule';
import { contiguousAlternatives, formatBytes, sizeEvidence, whyContiguous } from './sizeMessages';

export const kmallocTooLarge: Rule = {
  id: 'kmalloc-too-large',
  defaultSeverity: 'error',
  docs: {
    summary:
      'A kmalloc-family request above the largest kmalloc size (KMALLOC_MAX_SIZE: 4 MiB with 4K pages), or a page-allocator order above the maximum order. The page allocator rejects it with a one-time WARN and the call always returns NULL. When the memory need not be physically contiguous, the fix switches to the kv* equivalent and the matching kfree() calls to kvfree().',
    bad: 'buf = kmalloc(SZ_8M, GFP_KERNEL);',
    good: 'buf = kvmalloc(SZ_8M, GFP_KERNEL); /* … */ kvfree(buf);',
  },
  check(context) {
    const { facts } = context;
    const findings: RuleFinding[] = [];
    const constants = kernelConstants(facts.config);
    for (const site of facts.allocations) {
      const route = servingRoute(site.api, { size: site.requestedBytes?.value, order: site.order?.value?.value }, facts.config);
      if ((route.via !== 'kmalloc' && route.via !== 'pages') || route.route.kind !== 'too-large') continue;
      const config = describeConfig(facts.config);
      const silent = site.gfp?.value?.bits.has('__GFP_NOWARN') ? ' (no WARN: the mask has __GFP_NOWARN)' : ' with a one-time WARN';
      if (site.api.size === 'pages<<order' || route.via === 'pages') {
        const need = contiguousNeed(context, site);
        const advice = need
          ? `${whyContiguous(need, 'pages')}${contiguousAlternatives(need, 'pages', 'too-large', constants)}`
          : ' Allocate smaller blocks; if the memory need not be physically contiguous, vmalloc() serves it from order-0 pages; a large contiguous device buffer needs CMA (dma_alloc_coherent() with a CMA area).';
        findings.push({
          span: spanOf(site.call),
          message: `${site.api.name}() always fails: order ${route.route.order} is above the largest page-allocator order ${constants.maxOrder} (${formatBytes(2 ** (constants.maxOrder + constants.pageShift))}), so __alloc_pages() returns NULL${silent} (${config}).${advice}${sizeEvidence(site)}`,
          related: [],
          fixes: [],
        });
        continue;
      }
      const { fix, why, contiguous } = kvmallocAdvice(context, site);
      const header = route.header !== undefined ? ` (+ ${route.header}-byte devres header)` : '';
      const advice = contiguous
        ? `${whyContiguous(contiguous, 'kmalloc')}${contiguousAlternatives(contiguous, 'kmalloc', 'too-large', constants)}`
        : fix
          ? ` The buffer is not handed to an API that needs physically contiguous memory here, so the fix (${fix.title.replace(/^Use /, '')}) lets vmalloc serve it.`
          : ` Use a smaller buffer, or kvmalloc() and kvfree() if it need not be physically contiguous${why ? ` (no automatic fix: ${why})` : ''}.`;
      findings.push({
        span: spanOf(site.call),
        message: `${site.api.name}() always fails: ${formatBytes(site.requestedBytes!.value)}${header} is above KMALLOC_MAX_SIZE (${formatBytes(constants.kmallocMaxSize)}, order ${constants.maxOrder}), so __alloc_pages() returns NULL${silent} (${config}).${advice}${sizeEvidence(site)}`,
        related: [],
        fixes: fix ? [fix] : [],
      });
    }
    return findings;
  },
};
