// kmalloc-slab-waste: a constant request whose kmalloc cache leaves at least a quarter of each
// object and at least 512 bytes unused (kmalloc_slab(): the next larger cache serves it,
// mm/slab_common.c, 6.1). Silent when the cache depends on boot-time alignment (arm64 ≥6.5).
import { atLeast, describeConfig, kernelConstants } from '../model/config';
import { servingRoute } from '../model/routing';
import { formatCacheSize, kmallocCacheSizes, kmallocCachePrefix } from '../model/slab';
import { spanOf } from '../parsing/syntax';
import { Rule, RuleFinding } from './rule';
import { sizeEvidence } from './sizeMessages';

const MIN_WASTE = 512;

export const kmallocSlabWaste: Rule = {
  id: 'kmalloc-slab-waste',
  defaultSeverity: 'information',
  docs: {
    summary:
      'A constant kmalloc-family request that its slab cache serves with at least a quarter of the object and at least 512 bytes unused: kmalloc(1100) takes a 2048-byte object from kmalloc-2k. Shrinking the request to the next smaller cache, or using the whole object, saves memory on every allocation.',
    bad: 'buf = kmalloc(1100, GFP_KERNEL); /* kmalloc-2k: 948 bytes unused */',
    good: 'buf = kmalloc(1024, GFP_KERNEL); /* kmalloc-1k */',
  },
  check({ facts }) {
    const findings: RuleFinding[] = [];
    const constants = kernelConstants(facts.config);
    for (const site of facts.allocations) {
      if (!site.requestedBytes) continue;
      const route = servingRoute(site.api, { size: site.requestedBytes.value }, facts.config);
      if (route.via !== 'kmalloc' || route.route.kind !== 'slab' || route.route.alternative !== undefined) continue;
      const { cacheSize, unused } = route.route;
      if (unused < MIN_WASTE || unused * 4 < cacheSize) continue;
      const header = route.header ?? 0;
      const family = site.gfp?.value ? kmallocCachePrefix(site.gfp.value.bits, facts.config) : { prefix: 'kmalloc-' };
      const prefix = family.prefix;
      const condition = 'condition' in family && family.condition ? ` (${family.condition}; else kmalloc-${formatCacheSize(cacheSize)})` : '';
      const name = (size: number) => `${prefix}${formatCacheSize(size)}`;
      const smaller = kmallocCacheSizes(constants, constants.kmallocMinSize.low)
        .filter((size) => size < cacheSize)
        .pop();
      const headerNote = header > 0 ? ` (with the ${header}-byte devres header)` : '';
      const fitSmaller = smaller !== undefined && smaller - header > 0 ? `a request of at most ${smaller - header} bytes fits ${name(smaller)}` : undefined;
      const roundup = atLeast(facts.config, '6.1') ? ', e.g. with kmalloc_size_roundup()' : '';
      const useAll = `or ask for the whole ${cacheSize - header} bytes${roundup}`;
      findings.push({
        span: spanOf(site.call),
        message: `${site.api.name}() of ${site.requestedBytes.value} bytes${headerNote} is served by ${name(cacheSize)}${condition}: ${unused} of ${cacheSize} bytes (${Math.round((unused / cacheSize) * 100)}%) unused in every object (${describeConfig(facts.config)}). ${fitSmaller ? `${fitSmaller[0].toUpperCase()}${fitSmaller.slice(1)}, ${useAll}.` : `${useAll[3].toUpperCase()}${useAll.slice(4)}.`}${sizeEvidence(site)}`,
        related: [],
        fixes: [],
      });
    }
    return findings;
  },
};
