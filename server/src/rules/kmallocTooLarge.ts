// kmalloc-too-large: a slab-family request above KMALLOC_MAX_SIZE, or a page order above the
// buddy limit. __alloc_pages() returns NULL with a one-time WARN (mm/page_alloc.c, 6.1): the call
// always fails.
import { kernelConstants, describeConfig } from '../model/config';
import { servingRoute } from '../model/routing';
import { spanOf } from '../parsing/syntax';
import { Rule, RuleFinding } from './rule';

export const kmallocTooLarge: Rule = {
  id: 'kmalloc-too-large',
  defaultSeverity: 'error',
  docs: {
    summary:
      'A kmalloc-family request above the largest kmalloc size (KMALLOC_MAX_SIZE, 4 MiB with 4K pages), or a page-allocator order above the maximum order. The page allocator rejects it with a one-time WARN and the call always returns NULL.',
    bad: 'buf = kmalloc(SZ_8M, GFP_KERNEL);',
    good: 'buf = kvmalloc(SZ_8M, GFP_KERNEL); /* … */ kvfree(buf);',
  },
  check({ facts }) {
    const findings: RuleFinding[] = [];
    const constants = kernelConstants(facts.config);
    for (const site of facts.allocations) {
      const route = servingRoute(site.api, { size: site.requestedBytes?.value, order: site.order?.value?.value }, facts.config);
      const kmallocLike = route.via === 'kmalloc' || route.via === 'pages';
      if (!kmallocLike || route.route.kind !== 'too-large') continue;
      const what =
        site.api.size === 'pages<<order'
          ? `order ${route.route.order} is above the largest page-allocator order ${constants.maxOrder}`
          : `${site.requestedBytes!.value} bytes is above KMALLOC_MAX_SIZE (${constants.kmallocMaxSize} bytes, order ${constants.maxOrder})`;
      findings.push({
        span: spanOf(site.call),
        message: `${site.api.name}() always fails: ${what}, so __alloc_pages() returns NULL with a one-time WARN (${describeConfig(facts.config)}). Use kvmalloc() for large buffers that need not be physically contiguous.`,
        related: [],
        fixes: [],
      });
    }
    return findings;
  },
};
