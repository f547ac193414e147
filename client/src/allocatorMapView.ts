// The allocator map's HTML, as pure functions of the server's answer (no VS Code API), so it is
// unit-tested in Node: every string from the server or the source file is escaped, and the page
// allows nothing but its own nonce'd style and script (Content-Security-Policy).
//
// The map is an SVG drawn like the seed's Figure 9.6: the API boxes on top, the layers below in
// the server's levels (wrappers, front ends, object and mapping allocators, page allocator), and
// the server's arrows between them. Which layers exist and which API goes through which is the
// server's answer (server/src/model/layers.ts); this file only places boxes and draws.
import type { AllocationMap, MapArrow } from '../../server/src/protocol';

export type { AllocationMap } from '../../server/src/protocol';

/**
 * Text is never measured in the extension host (it has no fonts), so boxes are sized from an
 * upper bound of a glyph's advance: about 0.6 em in monospace fonts, and below 0.66 em for the
 * common UI sans-serif fonts in semibold (Segoe UI, Ubuntu, DejaVu Sans, SF), the widest being
 * DejaVu Sans. The UI test checks the real text boxes in the browser.
 */
export const GLYPH_EM = { mono: 0.62, sans: 0.66 } as const;
export const FONT_SIZE = 12;
const PAD_X = 10;
const LINE_HEIGHT = 15;
const PAD_Y = 7;
const GAP_X = 12;
const ROW_GAP = 30;
const MARGIN = 8;

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The widest a line of text can be drawn at FONT_SIZE. */
export function textWidthBound(text: string, font: keyof typeof GLYPH_EM): number {
  return Math.ceil(text.length * GLYPH_EM[font] * FONT_SIZE);
}

interface Box {
  id: string;
  kind: 'api' | 'layer';
  lines: string[];
  font: keyof typeof GLYPH_EM;
  tooltip: string;
  onPath: boolean;
  width: number;
  height: number;
  x: number;
  y: number;
}

function box(id: string, kind: Box['kind'], lines: string[], tooltip: string, onPath: boolean): Box {
  const font = kind === 'api' ? 'mono' : 'sans';
  const width = Math.max(...lines.map((line) => textWidthBound(line, font))) + 2 * PAD_X;
  return { id, kind, lines, font, tooltip, onPath, width, height: lines.length * LINE_HEIGHT + 2 * PAD_Y, x: 0, y: 0 };
}

const centre = (b: Box) => b.x + b.width / 2;

/**
 * Rows top to bottom: the API boxes, then each level from the highest down. The API boxes are
 * staggered over two lines so eight of them fit a panel beside the editor, leaving a lane under
 * every upper box for its arrows. A layer row's
 * boxes are ordered and placed under the mean x of the boxes whose arrows reach them (a
 * barycentre pass, as layered graph drawings do), so arrows mostly run straight down; overlaps are
 * pushed apart.
 */
function layout(map: AllocationMap): { boxes: Box[]; rows: Box[][]; width: number; height: number; apiBandBottom: number } {
  const apis = map.entries.map((entry) => box(entry.id, 'api', entry.apis, entry.apis.join(', '), entry.onPath));
  let apiRight = MARGIN;
  for (const [index, b] of apis.entries()) {
    const previous = apis[index - 1];
    const beforeThat = apis[index - 2];
    b.x = MARGIN;
    // An upper box's lane runs between its lower neighbours: its centre clears the box before
    // it, and a lower box starts clear of the upper centre before it.
    if (previous) b.x = Math.max(b.x, index % 2 === 0 ? previous.x + previous.width + GAP_X - b.width / 2 : centre(previous) + GAP_X);
    if (beforeThat) b.x = Math.max(b.x, beforeThat.x + beforeThat.width + GAP_X);
    apiRight = Math.max(apiRight, b.x + b.width);
  }
  const apiHeight = Math.max(0, ...apis.map((b) => b.height));
  for (const [index, b] of apis.entries()) b.y = MARGIN + (index % 2) * (apiHeight + PAD_Y);
  const apiBandBottom = MARGIN + (apis.length > 1 ? 2 * apiHeight + PAD_Y : apiHeight);

  const rows: Box[][] = [];
  const levels = [...new Set(map.layers.map((layer) => layer.level))].sort((a, b) => b - a);
  for (const level of levels) {
    rows.push(map.layers.filter((layer) => layer.level === level).map((layer) => box(layer.id, 'layer', [layer.title], `${layer.title}: ${layer.description}`, layer.onPath)));
  }
  const width = Math.max(apiRight + MARGIN, ...rows.map((row) => row.reduce((sum, b) => sum + b.width, 0) + GAP_X * (row.length - 1) + 2 * MARGIN));
  // Centre the API band when a layer row is wider.
  const shift = (width - MARGIN - apiRight) / 2;
  for (const b of apis) b.x += shift;
  const placed = new Map<string, Box>(apis.map((b) => [b.id, b]));
  let y = apiBandBottom + ROW_GAP;
  for (const row of rows) {
    const desired = new Map<string, number>();
    for (const [order, b] of row.entries()) {
      const sources = map.arrows
        .filter((arrow) => arrow.to === b.id)
        .map((arrow) => placed.get(arrow.from))
        .filter((source) => source !== undefined);
      // Boxes nothing points at keep their order, after the others.
      desired.set(b.id, sources.length > 0 ? sources.reduce((sum, source) => sum + centre(source), 0) / sources.length : width + order);
    }
    row.sort((a, b) => desired.get(a.id)! - desired.get(b.id)!);
    let right = MARGIN - GAP_X;
    for (const b of row) {
      const want = Math.min(desired.get(b.id)!, width - MARGIN) - b.width / 2;
      b.x = Math.max(want, right + GAP_X);
      right = b.x + b.width;
    }
    let left = width - MARGIN + GAP_X;
    for (const b of [...row].reverse()) {
      b.x = Math.min(b.x, left - GAP_X - b.width);
      left = b.x;
    }
    const rowHeight = Math.max(...row.map((b) => b.height));
    for (const b of row) {
      b.y = y + (rowHeight - b.height) / 2;
      placed.set(b.id, b);
    }
    y += rowHeight + ROW_GAP;
  }
  return { boxes: [...apis, ...rows.flat()], rows, width: Math.ceil(width), height: Math.ceil(y - ROW_GAP + MARGIN), apiBandBottom };
}

/**
 * Where an arrow crosses a row it does not stop at, it passes through the gap nearest to its
 * straight course, never under a box (an arrow vanishing into a box reads as ending there).
 */
function crossing(row: Box[], x: number): number {
  const clear = 5;
  const inside = row.find((b) => x > b.x - clear && x < b.x + b.width + clear);
  if (!inside) return x;
  const left = inside.x - clear;
  const right = inside.x + inside.width + clear;
  const candidates = [left, right].filter((at) => !row.some((b) => at > b.x - clear + 0.5 && at < b.x + b.width + clear - 0.5));
  return candidates.sort((a, b) => Math.abs(a - x) - Math.abs(b - x))[0] ?? right;
}

/**
 * One arrow: vertical S-curves from the source's bottom edge to the target's top, the ends spread
 * along the edges, straight down through the gaps of the rows it passes. From an upper API box it
 * first runs down its lane (the part of its bottom edge its lower neighbours leave free) to below
 * the API band.
 */
function arrowPaths(arrows: MapArrow[], boxes: Box[], rows: Box[][], apiBandBottom: number): string[] {
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const drawn = arrows.filter((arrow) => byId.has(arrow.from) && byId.has(arrow.to));
  const ends = (id: string, side: 'from' | 'to') => {
    const other = side === 'from' ? 'to' : 'from';
    return drawn.filter((arrow) => arrow[side] === id).sort((a, b) => centre(byId.get(a[other])!) - centre(byId.get(b[other])!));
  };
  const lane = (source: Box): [number, number] => {
    let [left, right] = [source.x, source.x + source.width];
    for (const other of boxes) {
      if (other === source || other.y <= source.y || other.y >= apiBandBottom) continue;
      if (other.x + other.width <= centre(source)) left = Math.max(left, other.x + other.width);
      else if (other.x >= centre(source)) right = Math.min(right, other.x);
    }
    return [left, right];
  };
  const f = (n: number) => n.toFixed(1);
  return drawn
    .sort((a, b) => Number(a.onPath) - Number(b.onPath))
    .map((arrow) => {
      const source = byId.get(arrow.from)!;
      const target = byId.get(arrow.to)!;
      const outgoing = ends(arrow.from, 'from');
      const incoming = ends(arrow.to, 'to');
      const [left, right] = lane(source);
      const x1 = left + ((right - left) * (outgoing.indexOf(arrow) + 1)) / (outgoing.length + 1);
      const x2 = target.x + (target.width * (incoming.indexOf(arrow) + 1)) / (incoming.length + 1);
      let y1 = source.y + source.height;
      let d = `M${f(x1)},${f(y1)}`;
      if (y1 < apiBandBottom) {
        d += ` L${f(x1)},${f(apiBandBottom)}`;
        y1 = apiBandBottom;
      }
      const y2 = target.y - 3; // room for the arrowhead
      // Waypoints: in and out of each row strictly between the ends, at its gap.
      const points: [number, number][] = [[x1, y1]];
      for (const row of rows) {
        const top = Math.min(...row.map((b) => b.y));
        const bottom = Math.max(...row.map((b) => b.y + b.height));
        if (top <= y1 || bottom >= y2) continue;
        const x = crossing(row, x1 + ((x2 - x1) * ((top + bottom) / 2 - y1)) / (y2 - y1));
        points.push([x, top - 4], [x, bottom + 4]);
      }
      points.push([x2, y2]);
      for (let i = 1; i < points.length; i++) {
        const [px, py] = points[i - 1];
        const [qx, qy] = points[i];
        if (i % 2 === 0)
          d += ` L${f(qx)},${f(qy)}`; // through a row's gap
        else {
          const bend = Math.min(ROW_GAP, (qy - py) / 2);
          d += ` C${f(px)},${f(py + bend)} ${f(qx)},${f(qy - bend)} ${f(qx)},${f(qy)}`;
        }
      }
      const lit = arrow.onPath ? ' on-path' : '';
      return `<path class="arrow${lit}" data-from="${escape(arrow.from)}" data-to="${escape(arrow.to)}" d="${d}" marker-end="url(#head${arrow.onPath ? '-lit' : ''})"/>`;
    });
}

function boxSvg(b: Box): string {
  const top = b.y + PAD_Y + LINE_HEIGHT / 2;
  const text = b.lines
    .map(
      (line, index) =>
        `<text class="${b.font}" x="${centre(b).toFixed(1)}" y="${(top + index * LINE_HEIGHT).toFixed(1)}" font-size="${FONT_SIZE}" text-anchor="middle" dominant-baseline="central">${escape(line)}</text>`,
    )
    .join('');
  return `<g class="box ${b.kind}${b.onPath ? ' on-path' : ''}" data-id="${escape(b.id)}"><title>${escape(b.tooltip)}</title><rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.width}" height="${b.height}" rx="4"/>${text}</g>`;
}

/** The SVG figure of one answer; exported for tests. */
export function renderSvg(map: AllocationMap): string {
  const { boxes, rows, width, height, apiBandBottom } = layout(map);
  const head = (id: string) =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="8" refY="5" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path class="${id}" d="M0,0 L10,5 L0,10 z"/></marker>`;
  return `<svg class="figure" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Allocator map: API boxes on top, arrows down through the layers to the page allocator"><defs>${head('head')}${head('head-lit')}</defs><g class="arrows">${arrowPaths(map.arrows, boxes, rows, apiBandBottom).join('')}</g>${boxes.map(boxSvg).join('')}</svg>`;
}

/** The body of the map for one answer; exported for tests. */
export function renderMap(map: AllocationMap | null, where: string): string {
  if (!map) return `<p class="empty">Open a C file to see its allocations on the map.</p>`;
  const allocation = map.allocation;
  const details = allocation
    ? `<h2><code>${escape(allocation.api)}</code> <span class="where">${escape(where)}:${allocation.line + 1}</span> <span class="summary">${escape(allocation.summary)}</span></h2>
<p class="route"><code>${escape(allocation.route)}</code></p>
${allocation.fails ? '<p class="failure">The page allocator rejects this request: the call always returns NULL.</p>' : ''}
<table>${allocation.figures.map((figure) => `<tr><th>${escape(figure.label)}</th><td>${escape(figure.value)}</td></tr>`).join('')}</table>
<p class="source">Source: ${escape(allocation.source)}. Figures for ${escape(map.model)}, SLUB.</p>`
    : `<p class="empty">No allocation under the cursor${where ? ` in ${escape(where)}` : ''}. Put the cursor on a call such as <code>kmalloc()</code>, <code>vmalloc()</code> or <code>dma_alloc_coherent()</code>.</p><p class="source">Figures for ${escape(map.model)}, SLUB.</p>`;
  return `<div class="map${allocation?.fails ? ' fails' : ''}">${renderSvg(map)}</div><section class="details">${details}</section>`;
}

export function page(nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allocator Map</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 8px 12px; }
svg.figure { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.figure text { fill: var(--vscode-foreground); }
.figure text.sans { font-family: var(--vscode-font-family); font-weight: 600; }
.figure text.mono { font-family: var(--vscode-editor-font-family, monospace); }
.figure .box rect { fill: var(--vscode-editor-background); stroke: var(--vscode-panel-border, var(--vscode-widget-border, var(--vscode-descriptionForeground))); stroke-width: 1; }
.figure .box.api rect { fill: var(--vscode-sideBar-background, var(--vscode-editor-background)); }
.figure .box:not(.on-path) text { opacity: 0.8; }
.figure .box.on-path rect { fill: var(--vscode-list-activeSelectionBackground); stroke: var(--vscode-focusBorder); stroke-width: 2; }
.figure .box.on-path text { fill: var(--vscode-list-activeSelectionForeground, var(--vscode-foreground)); }
.fails .figure .box.on-path rect { stroke: var(--vscode-errorForeground); stroke-dasharray: 5 3; }
.figure .arrow { fill: none; stroke: var(--vscode-descriptionForeground); stroke-width: 1; opacity: 0.45; }
.figure .arrow.on-path { stroke: var(--vscode-focusBorder); stroke-width: 2.5; opacity: 1; }
.fails .figure .arrow.on-path { stroke: var(--vscode-errorForeground); }
.figure .head { fill: var(--vscode-descriptionForeground); opacity: 0.6; }
.figure .head-lit { fill: var(--vscode-focusBorder); }
.fails .figure .head-lit { fill: var(--vscode-errorForeground); }
.failure { color: var(--vscode-errorForeground); font-weight: 600; margin: 4px 0; }
.details { margin-top: 8px; border-top: 1px solid var(--vscode-panel-border, var(--vscode-descriptionForeground)); padding-top: 6px; }
h2 { font-size: 1em; margin: 2px 0 4px; } .where, .summary { font-weight: normal; color: var(--vscode-descriptionForeground); }
.route { margin: 4px 0; }
table { border-collapse: collapse; } th { text-align: left; padding: 1px 12px 1px 0; vertical-align: top; color: var(--vscode-descriptionForeground); font-weight: normal; white-space: nowrap; } td { padding: 1px 0; }
code { font-family: var(--vscode-editor-font-family); color: var(--vscode-textPreformat-foreground); }
.source, .empty { color: var(--vscode-descriptionForeground); font-size: 0.9em; margin: 4px 0; }
</style></head>
<body><div id="root"></div>
<script nonce="${nonce}">
const root = document.getElementById('root');
window.addEventListener('message', (event) => { if (event.data && typeof event.data.html === 'string') root.innerHTML = event.data.html; });
acquireVsCodeApi().postMessage({ ready: true });
</script></body></html>`;
}
