// Inlay hints after allocation calls whose size or order the model can evaluate: the slab cache
// and the bytes it wastes, or the page order (`kmalloc-192 · 24 B unused`, `order 3 · costly`,
// `always fails`). Figures come from the same model functions as the hover card and the allocator
// map (model/routing.ts, model/slab.ts, features/cards.ts), so the three never disagree; an
// unknown size gets no hint.
import { InlayHint, MarkupKind, Position, Range } from 'vscode-languageserver';
import type { AllocationSite } from '../analysis/allocationSites';
import type { FileFacts } from '../analysis/fileFacts';
import type { ModelConfig } from '../model/config';
import { ServingRoute, servingRoute } from '../model/routing';
import { KmallocRoute, formatCacheSize, kmallocCachePrefix } from '../model/slab';
import { alwaysFails } from './allocationMap';
import { kvmallocFallback, routePath, servedBy } from './cards';

/** `24 B`, `2 KiB`, `1 MiB`. */
function compactBytes(value: number): string {
  if (value >= 1024 * 1024 && value % (1024 * 1024) === 0) return `${value / 1024 / 1024} MiB`;
  if (value >= 1024 && value % 1024 === 0) return `${value / 1024} KiB`;
  return `${value} B`;
}

function kmallocLabel(route: KmallocRoute, prefix: string): string {
  switch (route.kind) {
    case 'zero':
      return 'ZERO_SIZE_PTR';
    case 'slab': {
      const alternative = route.alternative === undefined ? '' : ` (or ${prefix}${formatCacheSize(route.alternative)})`;
      return `${prefix}${formatCacheSize(route.cacheSize)} · ${compactBytes(route.unused)} unused${alternative}`;
    }
    case 'pages':
      return [`order ${route.order}`, ...(route.unused > 0 ? [`${compactBytes(route.unused)} unused`] : []), ...(route.costly ? ['costly'] : [])].join(' · ');
    case 'too-large':
      return 'always fails';
  }
}

/** The hint's text for an allocation served by `route`, or undefined when the model cannot say what serves it. */
export function allocationHintLabel(site: AllocationSite, route: ServingRoute, config: ModelConfig): string | undefined {
  if (alwaysFails(site, route, config)) return 'always fails';
  const gfp = site.gfp?.value;
  const prefix = gfp ? kmallocCachePrefix(gfp.bits, config).prefix : 'kmalloc-';
  switch (route.via) {
    case 'kmalloc':
    case 'pages':
      return kmallocLabel(route.route, prefix);
    case 'kvmalloc':
      return kvmallocLabel(route, config, site, prefix);
    case 'vmalloc':
      return `vmalloc · ${route.pages} page${route.pages === 1 ? '' : 's'} · ${compactBytes(route.pages * config.pageSize - route.requested)} unused`;
    case 'dma':
      return `order ${route.order} (dma-direct)`;
    case 'unknown':
      return undefined;
  }
}

function kvmallocLabel(route: Extract<ServingRoute, { via: 'kvmalloc' }>, config: ModelConfig, site: AllocationSite, prefix: string): string | undefined {
  const fallback = kvmallocFallback(route, config, site.gfp?.value);
  // Above KMALLOC_MAX_SIZE the kmalloc attempt fails quietly and vmalloc serves it (mm/util.c, 6.1).
  if (route.route.kind === 'too-large') {
    if (fallback !== 'yes') return undefined;
    const pages = Math.ceil(route.requested / config.pageSize);
    return `vmalloc · ${pages} page${pages === 1 ? '' : 's'}`;
  }
  const first = kmallocLabel(route.route, prefix);
  if (fallback === 'yes') return `${first} · else vmalloc`;
  if (fallback === 'unconfirmed') return `${first} · vmalloc fallback unconfirmed`;
  return first;
}

function positionIn(position: Position, range: Range): boolean {
  const afterStart = position.line > range.start.line || (position.line === range.start.line && position.character >= range.start.character);
  const beforeEnd = position.line < range.end.line || (position.line === range.end.line && position.character <= range.end.character);
  return afterStart && beforeEnd;
}

/** Hints for the allocations whose call ends inside `range`. */
export function inlayHintsFor(facts: FileFacts, range: Range): InlayHint[] {
  const hints: InlayHint[] = [];
  for (const site of facts.allocations) {
    const position = Position.create(site.call.endPosition.row, site.call.endPosition.column);
    if (!positionIn(position, range)) continue;
    const route = servingRoute(site.api, { size: site.requestedBytes?.value, order: site.order?.value?.value }, facts.config);
    const label = allocationHintLabel(site, route, facts.config);
    if (!label) continue;
    const served = servedBy(route, facts.config, site.gfp?.value);
    const tooltip = [`\`${routePath(site.api, route, facts.config, site.gfp?.value)}\``, ...(served ? [served] : [])].join('\n\n');
    hints.push({ position, label, paddingLeft: true, tooltip: { kind: MarkupKind.Markdown, value: tooltip } });
  }
  return hints;
}
