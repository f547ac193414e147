// Markdown cards for hovers, built only from the allocator model and evaluated facts. A card says
// nothing the model does not know: an unknown size gets no class, an unknown mask no verdict.
import type { AllocationSite } from '../analysis/allocationSites';
import type { MacroDefinition } from '../analysis/sizes/constants';
import { evaluateGfpText } from '../analysis/gfpMask';
import { ALLOC_APIS, AllocApi, FreeApi, allocApi } from '../model/apis';
import { ModelConfig, describeConfig, kernelConstants } from '../model/config';
import { GfpValue, compositeDefinition, formatBitValue, gfpAllowsBlocking, gfpBit, gfpComposite, gfpHeaderRelease, gfpSource, isGfpName, sortedBits, bitExists, expandGfpName } from '../model/gfp';
import { layer } from '../model/layers';
import { KVMALLOC_NONBLOCKING, ServingRoute, kvmallocNonBlockingFallback, servingRoute } from '../model/routing';
import { KmallocRoute, formatCacheSize, kmallocCachePrefix } from '../model/slab';

const SETTINGS_HINT = 'change with the `kernelAllocLens.kernelVersion`, `kernelAllocLens.arch` and `kernelAllocLens.pageSize` settings';

function bytes(value: number): string {
  if (value >= 1024 * 1024 && value % (1024 * 1024) === 0) return `${value} bytes (${value / 1024 / 1024} MiB)`;
  if (value >= 1024 && value % 1024 === 0) return `${value} bytes (${value / 1024} KiB)`;
  return `${value} bytes`;
}

/** `16 KiB` for a power-of-two block, else the byte count. */
function shortBytes(value: number): string {
  if (value >= 1024 * 1024 && value % (1024 * 1024) === 0) return `${value / 1024 / 1024} MiB`;
  if (value >= 1024 && value % 1024 === 0) return `${value / 1024} KiB`;
  return `${value} bytes`;
}

function cacheName(size: number, prefix: string): string {
  return `${prefix}${formatCacheSize(size)}`;
}

/**
 * `kmalloc-128, 28 bytes unused` or the page-allocator equivalent. `fromKmalloc` says the request
 * came through kmalloc (a large kmalloc is a __GFP_COMP compound page bounded by KMALLOC_MAX_SIZE);
 * otherwise it is a plain page-allocator order.
 */
export function describeKmallocRoute(route: KmallocRoute, config: ModelConfig, prefix = 'kmalloc-', fromKmalloc = true, gfp?: GfpValue, nowarnFrom = 'the mask has __GFP_NOWARN'): string {
  switch (route.kind) {
    case 'zero':
      return 'no memory: size 0 returns ZERO_SIZE_PTR ((void *)16), which kfree() accepts';
    case 'slab': {
      const main = `slab cache ${cacheName(route.cacheSize, prefix)}, ${route.unused} bytes unused`;
      if (route.alternative === undefined) return main;
      return `${main} — up to ${cacheName(route.alternative, prefix)} (${route.alternative - (route.cacheSize - route.unused)} bytes unused) when the boot-time minimum kmalloc alignment is larger (${config.arch} ≥6.5: without swiotlb it is the DMA cache-line alignment)`;
    }
    case 'pages': {
      const block = `${shortBytes(route.bytes)}${fromKmalloc ? ' compound page' : ''}`;
      const costly = route.costly ? ' — above PAGE_ALLOC_COSTLY_ORDER (3): no OOM killer, likely to fail under fragmentation' : '';
      return `page allocator, order ${route.order} (${block}), ${route.unused} bytes unused${costly}`;
    }
    case 'too-large': {
      const { maxOrder } = kernelConstants(config);
      const limit = fromKmalloc ? `; KMALLOC_MAX_SIZE is ${bytes(route.limit)}` : '';
      // WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp) warns only without __GFP_NOWARN (mm/internal.h, mm/page_alloc.c, 6.1).
      const warn = !gfp ? 'with a one-time WARN unless the mask has __GFP_NOWARN' : gfp.bits.has('__GFP_NOWARN') ? `without a WARN (${nowarnFrom})` : 'with a one-time WARN';
      return `**always fails**: order ${route.order} is above the largest page-allocator order ${maxOrder}${limit} — __alloc_pages() returns NULL ${warn}`;
    }
  }
}

export function routePath(api: AllocApi, route: ServingRoute, config: ModelConfig, gfp?: GfpValue): string {
  const prefix = gfp ? kmallocCachePrefix(gfp.bits, config).prefix : 'kmalloc-';
  switch (route.via) {
    case 'kmalloc': {
      const head = route.header !== undefined ? `${api.name} → devres (${route.header}-byte header) → kmalloc(${route.requested} + ${route.header})` : api.name;
      if (route.route.kind === 'slab') return `${head} → SLUB ${cacheName(route.route.cacheSize, prefix)} → page allocator (slab pages)`;
      if (route.route.kind === 'pages') return `${head} → large kmalloc → page allocator order ${route.route.order}`;
      if (route.route.kind === 'zero') return `${head} → ZERO_SIZE_PTR`;
      return `${head} → large kmalloc → page allocator order ${route.route.order}: rejected`;
    }
    case 'kvmalloc': {
      const first = route.route.kind === 'slab' ? `SLUB ${cacheName(route.route.cacheSize, prefix)}` : route.route.kind === 'pages' ? `page allocator order ${route.route.order}` : 'kmalloc';
      if (!route.vmallocFallback) return `${api.name} → kmalloc (${first}); no vmalloc fallback at or below PAGE_SIZE`;
      const fallback = kvmallocFallback(route, config, gfp);
      if (fallback === 'no') return `${api.name} → kmalloc (${first}, no retry) only: no vmalloc fallback for a non-blocking mask`;
      return `${api.name} → kmalloc (${first}, no retry) → on failure vmalloc${fallback === 'unconfirmed' ? ' (for a non-blocking mask only in newer releases)' : ''} → page allocator (order-0 pages)`;
    }
    case 'pages':
      return route.route.kind === 'too-large'
        ? `${api.name} → page allocator order ${route.route.order}: rejected`
        : `${api.name} → page allocator order ${route.route.kind === 'pages' ? route.route.order : 0}`;
    case 'vmalloc':
      return `${api.name} → vmalloc area (${route.pages} order-0 page${route.pages === 1 ? '' : 's'}, mapped) → page allocator`;
    case 'dma':
      return `${api.name} → DMA API → per-device coherent pool | dma-direct (CMA or page allocator order ${route.order}) | IOMMU`;
    case 'unknown':
      // The API's own layer (kvmalloc) is not repeated after its name.
      return [api.name, ...api.layers.map((id) => layer(id).title).filter((title) => title !== api.name)].join(' → ');
  }
}

export function servedBy(route: ServingRoute, config: ModelConfig, gfp?: GfpValue): string | undefined {
  const prefixInfo = gfp ? kmallocCachePrefix(gfp.bits, config) : { prefix: 'kmalloc-' };
  const condition = 'condition' in prefixInfo && prefixInfo.condition ? ` (${prefixInfo.condition}; else kmalloc-*)` : '';
  switch (route.via) {
    case 'kmalloc':
      return describeKmallocRoute(route.route, config, prefixInfo.prefix, true, gfp) + (route.route.kind === 'slab' ? condition : '');
    case 'kvmalloc': {
      const fallback = kvmallocFallback(route, config, gfp);
      const then = {
        yes: '; if that fails, vmalloc',
        no: `; no vmalloc fallback: the mask does not allow blocking, so the call fails when kmalloc does (${KVMALLOC_NONBLOCKING.readIn}; the same through ${KVMALLOC_NONBLOCKING.noFallbackThrough})`,
        unconfirmed: `; for a mask that does not allow blocking, whether vmalloc is tried depends on ${KVMALLOC_NONBLOCKING.change} (after ${KVMALLOC_NONBLOCKING.noFallbackThrough}; release not confirmed)`,
        none: '',
      }[fallback];
      // Above PAGE_SIZE the kmalloc attempt gets __GFP_NOWARN (mm/util.c kvmalloc_node(), 6.1).
      const kmallocGfp = route.vmallocFallback ? { bits: new Set([...(gfp?.bits ?? []), '__GFP_NOWARN']), uncertainty: gfp?.uncertainty ?? [] } : gfp;
      const nowarnFrom = route.vmallocFallback ? 'kvmalloc adds __GFP_NOWARN above PAGE_SIZE' : undefined;
      return `first ${describeKmallocRoute(route.route, config, prefixInfo.prefix, true, kmallocGfp, nowarnFrom)}${then}`;
    }
    case 'pages':
      return describeKmallocRoute(route.route, config, 'kmalloc-', false, gfp);
    case 'vmalloc': {
      const unused = route.pages * config.pageSize - route.requested;
      // __get_vm_area_node() adds one unmapped guard page of address space (mm/vmalloc.c, 6.1).
      return `vmalloc area: ${route.pages} order-0 page${route.pages === 1 ? '' : 's'}, ${unused} bytes unused, mapped virtually contiguous (plus an unmapped guard page of address space)`;
    }
    case 'dma':
      return `whole pages: dma-direct allocates order ${route.order} (${shortBytes(2 ** route.order * config.pageSize)}); a device coherent pool, CMA or an IOMMU may lay it out differently`;
    case 'unknown':
      return undefined;
  }
}

/** Whether kvmalloc falls back to vmalloc: only above PAGE_SIZE, and for a non-blocking mask as model/routing.ts says. */
export function kvmallocFallback(route: ServingRoute, config: ModelConfig, gfp?: GfpValue): 'yes' | 'no' | 'unconfirmed' | 'none' {
  if (route.via !== 'kvmalloc' || !route.vmallocFallback) return 'none';
  if (!gfp || gfpAllowsBlocking(gfp)) return 'yes';
  return kvmallocNonBlockingFallback(config);
}

export function contiguity(api: AllocApi, route: ServingRoute, config?: ModelConfig, gfp?: GfpValue): string {
  if (api.contiguous === 'yes') return 'yes';
  if (api.contiguous === 'no') return 'no — virtually contiguous only; not for DMA, virt_to_phys() or scatterlists';
  if (route.via === 'kvmalloc' && !route.vmallocFallback) return 'yes at this size (kmalloc only), but free with kvfree()';
  if (config && kvmallocFallback(route, config, gfp) === 'no') return 'yes (kmalloc only with this mask), but free with kvfree()';
  if (api.family === 'kvmalloc') return 'not guaranteed — kmalloc memory or, after the fallback, vmalloc memory';
  if (api.family === 'dma_coherent' || api.family === 'dma_coherent_managed' || api.family === 'dma_noncoherent') {
    return 'contiguous for the device; behind an IOMMU the pages may be physically scattered';
  }
  // drivers/usb/core/buffer.c (6.1): a dma_pool block or dma_alloc_coherent() pages, kmalloc() on PIO controllers.
  if (api.family === 'usb_coherent') return 'contiguous for the host controller (a dma_pool block or coherent DMA pages; kmalloc() memory on a PIO controller)';
  return 'depends on the backing allocator';
}

/**
 * The file's own macros in a mask, expanded to the kernel names they stand for: `DEFAULT_GFP` →
 * `(GFP_KERNEL | __GFP_NORETRY)`. Undefined when the text names no such macro. Macros with
 * parameters, or defined differently under #if branches, are left alone (and so is the mask).
 */
export function expandMaskMacros(text: string, macros: ReadonlyMap<string, MacroDefinition> | undefined): string | undefined {
  if (!macros) return undefined;
  let expanded = text;
  for (let depth = 0; depth < 8; depth++) {
    let changed = false;
    expanded = expanded.replace(/\b[A-Za-z_][A-Za-z0-9_]*\b/g, (name) => {
      const macro = isGfpName(name) ? undefined : macros.get(name);
      if (!macro || macro.params || macro.conflicting || !macro.body) return name;
      changed = true;
      return macro.body;
    });
    if (!changed) break;
  }
  if (expanded === text || !/\b_*GFP_[A-Z0-9_]+\b/.test(expanded)) return undefined;
  return withoutOuterParens(expanded.replace(/\s+/g, ' ').trim());
}

/** `(A | B)` → `A | B`; `(A) | (B)` stays: the first parenthesis must close at the end. */
function withoutOuterParens(text: string): string {
  if (!text.startsWith('(') || !text.endsWith(')')) return text;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0 && i < text.length - 1) return text;
  }
  return text.slice(1, -1).trim();
}

/**
 * One line on a mask: its bits and whether it lets the call sleep. `implied` = the API supplies
 * the mask; `expansion` = what the file's macros in it stand for.
 */
export function describeMask(text: string, value: GfpValue | undefined, api: AllocApi, implied = false, expansion?: string): string {
  if (api.sleeps === 'always') {
    if (implied) return `\`${text}\` (implied) — **may sleep**: ${api.name}() always allocates with ${text}`;
    return `\`${text}\` — **may sleep** whatever the mask: ${api.name}() ${api.defaultGfp ? `allocates with ${api.defaultGfp} internally` : 'takes sleeping locks or calls sleeping functions'}`;
  }
  const shown = expansion ? `\`${text}\` = \`${expansion}\`` : `\`${text}\``;
  if (!value) return `${shown} — not a constant mask; whether the call may sleep depends on its value`;
  const added = (api.addsGfp ?? []).filter((bit) => value.bits.has(bit));
  const adds = added.length > 0 ? ` (+ ${added.join(' | ')} added by ${api.name}())` : '';
  const bits =
    sortedBits(value.bits)
      .map((bit) => bit.name)
      .join(' | ') || '0';
  const sleeps = gfpAllowsBlocking(value) ? '**may sleep** (has __GFP_DIRECT_RECLAIM)' : 'does not sleep (no __GFP_DIRECT_RECLAIM)';
  const note = value.uncertainty.length > 0 ? ` _(${value.uncertainty.join('; ')})_` : '';
  return `${shown}${implied ? ' (implied)' : ''}${adds} = ${bits} — ${sleeps}${note}`;
}

/** The short answer of the first screen: may this call sleep, and why. */
function sleepVerdict(site: AllocationSite): string {
  const { api } = site;
  if (api.sleeps === 'always') return `**yes**, whatever the context: ${api.name}() ${api.defaultGfp ? `allocates with ${api.defaultGfp}` : 'takes sleeping locks or calls sleeping functions'}`;
  if (api.sleeps === 'never') return 'no';
  if (!site.gfp) return 'depends on the mask';
  const text = `\`${site.gfp.text}\``;
  if (!site.gfp.value) return `depends on ${text}: not a constant mask`;
  return gfpAllowsBlocking(site.gfp.value) ? `**yes** — ${text} has __GFP_DIRECT_RECLAIM` : `no — ${text} has no __GFP_DIRECT_RECLAIM`;
}

function footer(config: ModelConfig, source: string): string {
  return `_Figures for ${describeConfig(config)}, SLUB; ${SETTINGS_HINT}. Source: ${source}._`;
}

function table(rows: readonly [string, string][]): string[] {
  return ['| | |', '|---|---|', ...rows.map(([key, value]) => `| ${key} | ${value.replace(/\|/g, '\\|')} |`)];
}

export interface AllocationCardContext {
  /** The execution context at the call, when the analysis knows it exactly. */
  context?: string;
  /** The file's (and its folder's) macros, to expand a #define'd mask. */
  macros?: ReadonlyMap<string, MacroDefinition>;
}

/**
 * The hover card of an allocation call. The first screen answers what a reviewer asks first —
 * the API, its path through the layers, the class or order that serves it, whether it may sleep
 * (and the context it runs in), and its free; the figures behind them follow a separator.
 */
export function allocationCard(site: AllocationSite, config: ModelConfig, extras: AllocationCardContext = {}): string {
  const { api } = site;
  const route = servingRoute(api, { size: site.requestedBytes?.value, order: site.order?.value?.value }, config);
  const first: [string, string][] = [];
  const served = servedBy(route, config, site.gfp?.value);
  if (served) first.push(['served by', served]);
  first.push(['may sleep', sleepVerdict(site)]);
  if (extras.context) first.push(['context', extras.context]);
  first.push(['free with', api.frees.map((name) => `\`${name}()\``).join(' or ')]);

  const details: [string, string][] = [];
  if (site.requestedBytes) {
    const how = site.requestedBytes.steps.length > 0 ? ` — ${site.requestedBytes.steps.join('; ')}` : '';
    details.push(['requested', `${bytes(site.requestedBytes.value)}${how}`]);
  } else if (route.via === 'unknown' && api.size !== 'none') {
    details.push(['requested', `unknown here (${route.reason})`]);
  }
  if (site.order?.value) details.push(['order', `${site.order.value.value} (${bytes(2 ** site.order.value.value * config.pageSize)})`]);
  // A cache or pool constructor returns no memory to the caller: contiguity belongs to its objects.
  if (api.returns !== 'cache' && api.returns !== 'pool') details.push(['physically contiguous', contiguity(api, route, config, site.gfp?.value)]);
  if (site.gfp) {
    const expansion = site.gfp.node ? expandMaskMacros(site.gfp.text, extras.macros) : undefined;
    details.push(['GFP', describeMask(site.gfp.text, site.gfp.value, api, site.gfp.node === undefined, expansion)]);
  }
  // The first screen is a list, not a table: a table's key column wraps ("served / by") and
  // doubles its height in a narrow hover.
  const summary = first.map(([key, value]) => `- **${key}**: ${value}`);
  const lines = [`**${api.name}** — ${api.summary}`, '', `\`${routePath(api, route, config, site.gfp?.value)}\``, '', ...summary, '', '---', '', ...table(details)];
  for (const note of api.notes ?? []) lines.push('', `- ${note}`);
  lines.push('', footer(config, api.source));
  return lines.join('\n');
}

/** `(A | B) & ~C` as the header writes it: a removed part applies to the whole union. */
function compositeText(parts: readonly string[]): string {
  const kept = parts.filter((part) => !part.startsWith('-'));
  const removed = parts.filter((part) => part.startsWith('-')).map((part) => ` & ~${part.slice(1)}`);
  if (removed.length === 0) return kept.join(' | ');
  return `${kept.length > 1 ? `(${kept.join(' | ')})` : kept[0]}${removed.join('')}`;
}

// Zone-only masks are modifiers: alone they have no reclaim bits, but nobody means them alone.
const ZONE_ONLY = new Set(['GFP_DMA', 'GFP_DMA32']);

function sleepSentence(name: string, value: GfpValue, config: ModelConfig): string {
  if (gfpAllowsBlocking(value)) return '**May sleep**: has __GFP_DIRECT_RECLAIM (gfpflags_allow_blocking() is true). Not for atomic context.';
  if (ZONE_ONLY.has(name)) return 'A zone modifier: combine it with GFP_KERNEL or GFP_ATOMIC, which decide whether the call may sleep.';
  // The GFP_ATOMIC comment of gfp_types.h: "doesn't support NMI and few other strict non-preemptive
  // contexts (e.g. raw_spin_lock). The same applies to %GFP_NOWAIT." (6.1 and 6.6).
  const atomicNote =
    name === 'GFP_ATOMIC' || name === 'GFP_NOWAIT'
      ? ` Usable in atomic context, but not in NMI or raw_spinlock_t sections (the GFP_ATOMIC comment of include/linux/gfp_types.h, ${gfpHeaderRelease(config)}).`
      : '';
  return `Does **not** sleep: no __GFP_DIRECT_RECLAIM (gfpflags_allow_blocking() is false).${atomicNote}`;
}

function bitRows(value: GfpValue): string[] {
  return ['| bit | value | meaning |', '|---|---|---|', ...sortedBits(value.bits).map((entry) => `| ${entry.name} | ${formatBitValue(entry)} | ${entry.meaning} |`)];
}

/** The hover card of a GFP flag name: its bits, each with a short meaning. */
export function gfpCard(name: string, config: ModelConfig): string | undefined {
  const bit = gfpBit(name);
  if (bit) {
    if (!bitExists(bit, config)) {
      // With the commit of the change known the range is exact; else it is the releases read.
      const range = bit.since ? `present from ${bit.since}` : `present up to ${bit.until}`;
      const why = bit.changedBy ? `${range}; ${bit.since ? 'added' : 'removed'} by ${bit.changedBy}` : `${range} in the headers read; the release of the change is not confirmed`;
      return `**${name}** — not in ${describeConfig(config)}: ${why}.`;
    }
    return [`**${name}** = ${formatBitValue(bit)} — ${bit.meaning}`, '', footer(config, gfpSource(config))].join('\n');
  }
  const composite = gfpComposite(name);
  if (!composite) return undefined;
  const definition = compositeDefinition(composite, config);
  const value = expandGfpName(name, config) ?? { bits: new Set<string>(), uncertainty: [] };
  const lines = [`**${name}** — ${composite.summary}`, '', `\`${name} = ${compositeText(definition.parts)}\``, '', ...bitRows(value), '', sleepSentence(name, value, config)];
  if (definition.uncertainty) lines.push('', `_${definition.uncertainty}._`);
  if (definition.changedBy) lines.push('', `_This definition since ${definition.changedBy}._`);
  lines.push('', footer(config, gfpSource(config)));
  return lines.join('\n');
}

/**
 * The hover card of a GFP mask the driver #defines (`#define DEFAULT_GFP (GFP_KERNEL |
 * __GFP_NORETRY)`), at its #define or at a use: what it expands to and its bits. Undefined for
 * macros that are not GFP masks, take parameters or are defined differently under #if.
 */
export function macroGfpCard(name: string, macros: ReadonlyMap<string, MacroDefinition>, config: ModelConfig, file?: string): string | undefined {
  const macro = macros.get(name);
  if (!macro || macro.params || macro.conflicting || isGfpName(name)) return undefined;
  const expansion = expandMaskMacros(name, macros);
  const value = expansion === undefined ? undefined : evaluateGfpText(name, config, macros);
  if (!expansion || !value) return undefined;
  const where = macro.file && macro.file !== file ? `${macro.file.split(/[\\/]/).pop()}:${macro.line + 1}` : `line ${macro.line + 1}`;
  const body = macro.body.replace(/\s+/g, ' ');
  const lines = [`**${name}** — a GFP mask defined at ${where}: \`#define ${name} ${body}\``, ''];
  if (expansion !== withoutOuterParens(body.trim())) lines.push(`Expands to \`${expansion}\`.`, '');
  lines.push(
    `\`${name}\` = ${
      sortedBits(value.bits)
        .map((bit) => bit.name)
        .join(' | ') || '0'
    }`,
    '',
    ...bitRows(value),
    '',
    sleepSentence(name, value, config),
  );
  if (value.uncertainty.length > 0) lines.push('', `_${value.uncertainty.join('; ')}._`);
  lines.push('', footer(config, gfpSource(config)));
  return lines.join('\n');
}

/** The hover card of a free function. */
export function freeCard(api: FreeApi, config: ModelConfig): string {
  const available = ALLOC_APIS.filter((alloc) => allocApi(alloc.name, config));
  const named = available.filter((alloc) => (alloc.frees as readonly string[]).includes(api.name));
  // Frees no allocator names (kfree_rcu): the allocators of the families it releases, objects only.
  const releases = api.releases as readonly string[];
  const byFamily = available.filter((alloc) => releases.includes(alloc.family) && alloc.returns !== 'cache' && alloc.returns !== 'pool');
  const allocators = (named.length > 0 ? named : byFamily).map((alloc) => `\`${alloc.name}\``);
  const sleeps = {
    never: 'does not sleep',
    always: 'may sleep — not from atomic context',
    'unless-interrupt': 'may sleep when called outside interrupt context',
    // kernel/dma/mapping.c (6.1) dma_free_attrs(): "ops->free() may call vunmap()".
    'irqs-enabled': 'must be called with IRQs enabled (WARN_ON(irqs_disabled())); on platforms that remap coherent buffers it may vunmap() and sleep',
    unstated: undefined,
  }[api.sleeps];
  const lines = [`**${api.name}** — ${api.summary}`, '', `- releases memory from: ${allocators.length > 0 ? allocators.join(', ') : api.releases.join(', ')}`];
  if (sleeps) lines.push(`- ${sleeps}`);
  for (const entry of api.releasesSince ?? []) lines.push(`- also ${entry.family} objects from ${entry.since}`);
  for (const note of api.notes ?? []) lines.push(`- ${note}`);
  lines.push('', footer(config, api.source));
  return lines.join('\n');
}

/** The largest kmalloc size line for the configured kernel, for messages. */
export function kmallocLimits(config: ModelConfig): string {
  const constants = kernelConstants(config);
  return `largest kmalloc cache ${bytes(constants.kmallocMaxCacheSize)}, KMALLOC_MAX_SIZE ${bytes(constants.kmallocMaxSize)}`;
}
