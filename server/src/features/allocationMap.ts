// The allocator map (`kernelAllocLens/allocationAt`): the kernel's allocation layers from
// model/layers.ts, the path the allocation under the cursor takes through them, and its figures
// (class or order, contiguity, may it sleep, matching free), as plain JSON. Any client can draw
// it; VS Code's allocator-map webview is one. Every string comes from the same model functions
// the hover cards use, so the map and the hover never disagree.
import type { AllocationSite } from '../analysis/allocationSites';
import type { FileFacts } from '../analysis/fileFacts';
import { ModelConfig, describeConfig } from '../model/config';
import { allocApi } from '../model/apis';
import { LAYERS, LayerId, MAP_ENTRY_APIS, layerTiers } from '../model/layers';
import { ServingRoute, servingRoute } from '../model/routing';
import { containsPosition, spanOf } from '../parsing/syntax';
import { SHOW_ALLOCATOR_MAP_COMMAND } from '../protocol';
import { contiguity, describeMask, kvmallocFallback, routePath, servedBy } from './cards';

export interface MapLayer {
  id: LayerId;
  /** 0 = page allocator … 3 = wrappers over other layers. */
  level: number;
  title: string;
  description: string;
  onPath: boolean;
}

/** An API box across the top of the map: the calls it stands for, `kmalloc` and `kzalloc`. */
export interface MapEntry {
  /** `api:` and the first name, e.g. `api:kmalloc`. */
  id: string;
  apis: string[];
  /** The allocation under the cursor is one of these calls (or of their family). */
  onPath: boolean;
}

/** An arrow from an API box or a layer down to a layer. */
export interface MapArrow {
  /** An entry id (`api:kmalloc`) or a layer id. */
  from: string;
  to: LayerId;
  /** On the path of the allocation under the cursor. */
  onPath: boolean;
}

export interface MapFigure {
  label: string;
  value: string;
}

export interface MapAllocation {
  api: string;
  summary: string;
  /** 0-based line of the call. */
  line: number;
  /** Layers the request passes through, top first. */
  path: LayerId[];
  /** The route as the hover prints it, e.g. `kmalloc → SLUB kmalloc-128 → page allocator (slab pages)`. */
  route: string;
  figures: MapFigure[];
  /** The page allocator rejects this request (order above the largest): the call always fails. */
  fails: boolean;
  source: string;
}

export interface AllocationMap {
  /** The configuration the figures hold for, e.g. `kernel 6.1 · x86_64 · 4K pages`. */
  model: string;
  /** The API boxes, left to right. */
  entries: MapEntry[];
  layers: MapLayer[];
  /** Every box's arrows through the layers, the cursor's allocation's marked onPath. */
  arrows: MapArrow[];
  allocation?: MapAllocation;
}

/** The innermost catalogued allocation call containing the position, else the first on its line. */
export function allocationSiteAt(facts: FileFacts, line: number, column: number): AllocationSite | undefined {
  const containing = facts.allocations.filter((site) => containsPosition(spanOf(site.call), line, column));
  if (containing.length > 0) return containing.reduce((inner, site) => (site.call.text.length < inner.call.text.length ? site : inner));
  return facts.allocations.find((site) => site.call.startPosition.row === line);
}

/** Markdown emphasis and code marks carry no meaning in the map's plain text. */
function plain(text: string): string {
  return text.replace(/\*\*|`/g, '');
}

/**
 * The catalogue's layer list, adjusted to the route this size takes: above the largest kmalloc
 * cache kmalloc bypasses SLUB for a compound page (mm/slab_common.c, 6.1), and kvmalloc never
 * falls back to vmalloc at or below PAGE_SIZE, nor in 6.1 with a mask that cannot block (mm/util.c).
 */
export function pathOf(site: AllocationSite, route: ServingRoute, config: ModelConfig): LayerId[] {
  let path: LayerId[] = [...site.api.layers];
  const kmallocRoute = route.via === 'kmalloc' || route.via === 'kvmalloc' ? route.route : undefined;
  if (kmallocRoute && (kmallocRoute.kind === 'pages' || kmallocRoute.kind === 'too-large')) {
    path = path.map((id) => (id === 'slub' ? 'kmalloc-large' : id));
  }
  if (route.via === 'kvmalloc' && ['none', 'no'].includes(kvmallocFallback(route, config, site.gfp?.value))) path = path.filter((id) => id !== 'vmalloc');
  return path;
}

/** The page allocator rejects the request (order above the largest), so the call always returns NULL. */
export function alwaysFails(site: AllocationSite, route: ServingRoute, config: ModelConfig): boolean {
  // kvmalloc's kmalloc attempt fails quietly above KMALLOC_MAX_SIZE, then vmalloc serves it
  // when blocking is allowed (mm/util.c, 6.1): only without that fallback does the call fail.
  return (
    (route.via === 'kmalloc' || route.via === 'pages' || (route.via === 'kvmalloc' && ['none', 'no'].includes(kvmallocFallback(route, config, site.gfp?.value)))) && route.route.kind === 'too-large'
  );
}

function sleepFigure(site: AllocationSite): string {
  if (site.gfp) return plain(describeMask(site.gfp.text, site.gfp.value, site.api));
  if (site.api.sleeps === 'always') return 'always may sleep';
  if (site.api.sleeps === 'never') return 'does not sleep';
  return 'depends on the GFP mask, which is not given here';
}

export function allocationMap(facts: FileFacts, line: number, column: number): AllocationMap {
  const site = allocationSiteAt(facts, line, column);
  const config = facts.config;
  let allocation: MapAllocation | undefined;
  if (site) {
    const route = servingRoute(site.api, { size: site.requestedBytes?.value, order: site.order?.value?.value }, config);
    const figures: MapFigure[] = [];
    if (site.requestedBytes)
      figures.push({ label: 'requested', value: `${site.requestedBytes.value} bytes${site.requestedBytes.steps.length > 0 ? ` (${site.requestedBytes.steps.join(', ')})` : ''}` });
    else if (route.via === 'unknown') figures.push({ label: 'requested', value: `unknown here (${route.reason})` });
    if (site.order?.value) figures.push({ label: 'order', value: String(site.order.value.value) });
    const served = servedBy(route, config, site.gfp?.value);
    if (served) figures.push({ label: 'served by', value: plain(served) });
    figures.push({ label: 'physically contiguous', value: plain(contiguity(site.api, route, config, site.gfp?.value)) });
    figures.push({ label: 'may it sleep', value: sleepFigure(site) });
    figures.push({ label: 'free with', value: site.api.frees.map((name) => `${name}()`).join(' or ') });
    allocation = {
      api: site.api.name,
      summary: site.api.summary,
      line: site.call.startPosition.row,
      path: pathOf(site, route, config),
      route: routePath(site.api, route, config, site.gfp?.value),
      figures,
      fails: alwaysFails(site, route, config),
      source: site.api.source,
    };
  }
  const onPath = new Set(allocation?.path ?? []);
  const { entries, arrows } = entriesAndArrows(config, site?.api.name, allocation?.path);
  return {
    model: describeConfig(config),
    entries,
    layers: LAYERS.map((layer) => ({ id: layer.id, level: layer.level, title: layer.title, description: layer.description, onPath: onPath.has(layer.id) })),
    arrows,
    allocation,
  };
}

/** The arrows of one box: to the first tier of its path, then tier to tier. */
function arrowsOf(from: string, path: readonly LayerId[]): { from: string; to: LayerId }[] {
  const arrows: { from: string; to: LayerId }[] = [];
  let sources = [from];
  for (const tier of layerTiers(path)) {
    for (const source of sources) for (const to of tier) arrows.push({ from: source, to });
    sources = tier;
  }
  return arrows;
}

/**
 * The API boxes (MAP_ENTRY_APIS, with the catalogue rows of this configuration) and their
 * arrows; the allocation's own box is the one naming its API, else the one of its family, else a
 * box of its own, and its arrows follow its path for this size (pathOf), not the catalogue's.
 */
export function entriesAndArrows(config: ModelConfig, api: string | undefined, path: readonly LayerId[] | undefined): { entries: MapEntry[]; arrows: MapArrow[] } {
  const boxes = MAP_ENTRY_APIS.map((names) => names.map((name) => allocApi(name, config)).filter((row) => row !== undefined)).filter((rows) => rows.length > 0);
  const row = api === undefined ? undefined : allocApi(api, config);
  let lit = row ? boxes.findIndex((rows) => rows.some((entry) => entry.name === row.name)) : -1;
  if (row && lit < 0) lit = boxes.findIndex((rows) => rows[0].family === row.family);
  if (row && lit < 0) lit = boxes.push([row]) - 1;
  const entries = boxes.map((rows, index) => ({ id: `api:${rows[0].name}`, apis: rows.map((entry) => entry.name), onPath: index === lit }));
  const arrows: MapArrow[] = [];
  const add = (from: string, to: LayerId, onPath: boolean) => {
    const existing = arrows.find((arrow) => arrow.from === from && arrow.to === to);
    if (existing) existing.onPath ||= onPath;
    else arrows.push({ from, to, onPath });
  };
  boxes.forEach((rows, index) => {
    for (const arrow of arrowsOf(entries[index].id, rows[0].layers)) add(arrow.from, arrow.to, false);
  });
  if (lit >= 0 && path) for (const arrow of arrowsOf(entries[lit].id, path)) add(arrow.from, arrow.to, true);
  return { entries, arrows };
}

/**
 * A markdown link to the map for the allocation at a position, for clients that declared they
 * run the command (VS Code's `command:` links; other editors would show a dead link).
 */
export function allocatorMapLink(facts: FileFacts, uri: string, line: number, column: number): string | undefined {
  // Only on the callee name, where the hover shows the allocation card.
  const site = allocationSiteAt(facts, line, column);
  const callee = site?.call.childForFieldName('function');
  if (!callee || !containsPosition(spanOf(callee), line, column)) return undefined;
  const args = encodeURIComponent(JSON.stringify([{ uri, line, character: column }]));
  return `[Show in allocator map](command:${SHOW_ALLOCATOR_MAP_COMMAND}?${args})`;
}
