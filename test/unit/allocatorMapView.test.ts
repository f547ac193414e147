// The allocator map's HTML: the SVG figure drawn from a server answer (API boxes on top, the
// layers, the arrows, the cursor's path lit), every label inside its box, escaping, and the CSP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AllocationMap, page, renderMap, renderSvg } from '../../client/src/allocatorMapView';
import { entriesAndArrows } from '../../server/src/features/allocationMap';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { LAYERS, LayerId } from '../../server/src/model/layers';

/** The server's answer for an allocation of `api` along `path` (the model's real layers and boxes). */
function map(api?: string, path?: LayerId[], allocation: Partial<NonNullable<AllocationMap['allocation']>> = {}): AllocationMap {
  const lit = new Set(path ?? []);
  return {
    model: 'kernel 6.1 · x86_64 · 4K pages',
    ...entriesAndArrows(DEFAULT_CONFIG, api, path),
    layers: LAYERS.map((layer) => ({ id: layer.id, level: layer.level, title: layer.title, description: layer.description, onPath: lit.has(layer.id) })),
    allocation:
      api && path
        ? {
            api,
            summary: 'Allocate.',
            line: 20,
            path,
            route: 'kmalloc → SLUB kmalloc-128 → page allocator (slab pages)',
            figures: [{ label: 'served by', value: 'slab cache kmalloc-128, 28 bytes unused' }],
            fails: false,
            source: 'include/linux/slab.h (6.1)',
            ...allocation,
          }
        : undefined,
  };
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface DrawnBox {
  id: string;
  classes: string[];
  rect: Rect;
  texts: { font: string; x: number; y: number; size: number; text: string }[];
}

const number = (attrs: string, name: string) => {
  const value = new RegExp(`\\b${name}="(-?[\\d.]+)"`).exec(attrs)?.[1];
  assert.ok(value !== undefined, `no ${name} in ${attrs}`);
  return Number(value);
};
const unescape = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** The boxes of the generated SVG, read back from its markup. */
function boxes(svg: string): DrawnBox[] {
  return [...svg.matchAll(/<g class="([^"]+)" data-id="([^"]+)">(.*?)<\/g>/g)].map(([, classes, id, body]) => {
    const rect = /<rect ([^>]*)\/>/.exec(body)?.[1];
    assert.ok(rect, `box ${id} has no rect`);
    return {
      id,
      classes: classes.split(' '),
      rect: { x: number(rect, 'x'), y: number(rect, 'y'), width: number(rect, 'width'), height: number(rect, 'height') },
      texts: [...body.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)].map(([, attrs, text]) => ({
        font: /class="(\w+)"/.exec(attrs)![1],
        x: number(attrs, 'x'),
        y: number(attrs, 'y'),
        size: number(attrs, 'font-size'),
        text: unescape(text),
      })),
    };
  });
}

// An upper bound of a glyph's advance, per font, independent of the view's own constants: 0.6 em
// for monospace fonts; semibold UI sans-serif glyphs average below 0.65 em (DejaVu Sans Bold, the
// widest of the usual ones, sets "page allocator (buddy)" at about 0.63 em a character).
const GLYPH_BOUND = { mono: 0.6, sans: 0.65 } as Record<string, number>;

function assertLabelsFit(svg: string): void {
  const viewBox = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
  assert.ok(viewBox);
  const [width, height] = [Number(viewBox[1]), Number(viewBox[2])];
  const drawn = boxes(svg);
  assert.ok(drawn.length > 0);
  for (const box of drawn) {
    const { rect } = box;
    assert.ok(rect.x >= 0 && rect.y >= 0 && rect.x + rect.width <= width && rect.y + rect.height <= height, `${box.id} leaves the viewBox: ${JSON.stringify(rect)} in ${width}x${height}`);
    assert.ok(box.texts.length > 0, `${box.id} has no label`);
    for (const text of box.texts) {
      const half = (text.text.length * GLYPH_BOUND[text.font] * text.size) / 2;
      assert.ok(text.x - half >= rect.x + 2 && text.x + half <= rect.x + rect.width - 2, `"${text.text}" (${(2 * half).toFixed(0)} px) overflows ${box.id}'s ${rect.width} px`);
      assert.ok(text.y - text.size / 2 >= rect.y && text.y + text.size / 2 <= rect.y + rect.height, `"${text.text}" leaves ${box.id} vertically`);
    }
  }
  // Nothing is drawn over a label: no two boxes overlap.
  for (const [i, a] of drawn.entries()) {
    for (const b of drawn.slice(i + 1)) {
      const apart = a.rect.x + a.rect.width <= b.rect.x || b.rect.x + b.rect.width <= a.rect.x || a.rect.y + a.rect.height <= b.rect.y || b.rect.y + b.rect.height <= a.rect.y;
      assert.ok(apart, `${a.id} overlaps ${b.id}`);
    }
  }
}

test('the API boxes are on top, the page allocator at the bottom, every layer of the model drawn', () => {
  const drawn = boxes(renderSvg(map()));
  const top = (id: string) => drawn.find((box) => box.id === id)!.rect.y;
  assert.deepEqual(
    drawn
      .filter((box) => box.classes.includes('layer'))
      .map((box) => box.id)
      .sort(),
    LAYERS.map((layer) => layer.id).sort(),
  );
  const apis = drawn.filter((box) => box.classes.includes('api'));
  assert.ok(apis.some((box) => box.texts.map((text) => text.text).join('/') === 'alloc_pages/__get_free_pages'));
  const apiRow = Math.max(...apis.map((box) => box.rect.y));
  // Wrappers, front ends, object and mapping allocators, page allocator: level by level downwards.
  assert.ok(apiRow < top('devres') && top('devres') < top('kvmalloc') && top('kvmalloc') < top('slub') && top('slub') < top('buddy'));
  assert.equal(top('slub'), top('vmalloc'));
});

test('every label fits inside its box, for the map with and without an extra API box', () => {
  assertLabelsFit(renderSvg(map()));
  assertLabelsFit(renderSvg(map('kmalloc', ['slub', 'buddy'])));
  // alloc_percpu is in no box of its own family: a ninth box joins the top row.
  const percpu = renderSvg(map('alloc_percpu', ['percpu', 'vmalloc', 'buddy']));
  assert.equal(boxes(percpu).filter((box) => box.classes.includes('api')).length, 9);
  assertLabelsFit(percpu);
  // The label the step badge used to cover: drawn whole, with nothing else in its box.
  const buddy = boxes(percpu).find((box) => box.id === 'buddy')!;
  assert.deepEqual(
    buddy.texts.map((text) => text.text),
    ['page allocator (buddy)'],
  );
});

test("the cursor's allocation is lit along its arrows: its API box, each layer, each arrow", () => {
  const answer = map('kmalloc', ['kmalloc-large', 'buddy']);
  const svg = renderSvg(answer);
  const lit = boxes(svg)
    .filter((box) => box.classes.includes('on-path'))
    .map((box) => box.id);
  assert.deepEqual(lit.sort(), ['api:kmalloc', 'buddy', 'kmalloc-large']);
  const arrows = [...svg.matchAll(/<path class="arrow( on-path)?" data-from="([^"]+)" data-to="([^"]+)"[^>]*marker-end="url\(#(head(?:-lit)?)\)"/g)];
  assert.equal(arrows.length, answer.arrows.length, 'one path per arrow of the answer');
  const litArrows = arrows.filter(([, on]) => on).map(([, , from, to, head]) => `${from}>${to} ${head}`);
  assert.deepEqual(litArrows.sort(), ['api:kmalloc>kmalloc-large head-lit', 'kmalloc-large>buddy head-lit']);
  // Lit arrows are drawn last, over the dim ones.
  const lastDim = arrows.map(([, on]) => !on).lastIndexOf(true);
  assert.ok(arrows.findIndex(([, on]) => on) > lastDim);
  // Nothing lit without an allocation.
  assert.doesNotMatch(renderSvg(map()), /on-path/);
});

/** Points along an SVG path of M, L and C commands (absolute), sampled finely. */
function samples(d: string): [number, number][] {
  const points: [number, number][] = [];
  let at: [number, number] = [0, 0];
  for (const [, command, args] of d.matchAll(/([MLC])\s*([^MLC]*)/g)) {
    const n = args
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (command === 'M') at = [n[0], n[1]];
    else if (command === 'L') {
      for (let t = 0; t <= 1; t += 0.02) points.push([at[0] + (n[0] - at[0]) * t, at[1] + (n[1] - at[1]) * t]);
      at = [n[0], n[1]];
    } else {
      for (let t = 0; t <= 1; t += 0.02) {
        const u = 1 - t;
        points.push([u * u * u * at[0] + 3 * u * u * t * n[0] + 3 * u * t * t * n[2] + t * t * t * n[4], u * u * u * at[1] + 3 * u * u * t * n[1] + 3 * u * t * t * n[3] + t * t * t * n[5]]);
      }
      at = [n[4], n[5]];
    }
  }
  return points;
}

test('no arrow runs under a box it does not start or end at', () => {
  for (const answer of [map(), map('kmalloc', ['kmalloc-large', 'buddy']), map('alloc_percpu', ['percpu', 'vmalloc', 'buddy'])]) {
    const svg = renderSvg(answer);
    const drawn = boxes(svg);
    for (const [, from, to, d] of svg.matchAll(/<path class="arrow[^"]*" data-from="([^"]+)" data-to="([^"]+)" d="([^"]+)"/g)) {
      for (const box of drawn.filter((b) => b.id !== from && b.id !== to)) {
        const { x, y, width, height } = box.rect;
        const under = samples(d).find(([px, py]) => px > x + 1 && px < x + width - 1 && py > y + 1 && py < y + height - 1);
        assert.equal(under, undefined, `${from} → ${to} runs under ${box.id}`);
      }
    }
  }
});

test('the details show the figures, the route and the model', () => {
  const html = renderMap(map('kmalloc', ['slub', 'buddy']), 'drv.c');
  assert.match(html, /drv\.c:21/);
  assert.match(html, /<th>served by<\/th><td>slab cache kmalloc-128, 28 bytes unused<\/td>/);
  assert.match(html, /Figures for kernel 6\.1 · x86_64 · 4K pages, SLUB\./);
  assert.ok(html.indexOf('<svg') < html.indexOf('<table>'), 'figure first, figures under it');
  assert.doesNotMatch(html, /class="failure"/);
});

test('a request the page allocator rejects is marked as always failing', () => {
  const html = renderMap(map('kmalloc', ['kmalloc-large', 'buddy'], { fails: true }), 'drv.c');
  assert.match(html, /<div class="map fails">/);
  assert.match(html, /always returns NULL/);
});

test('text from the source file and the server is escaped', () => {
  const html = renderMap(map('kmalloc', ['slub', 'buddy'], { figures: [{ label: 'requested', value: '<img src=x onerror=alert(1)> & "q"' }] }), '<b>.c');
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;q&quot;/);
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&lt;b&gt;\.c/);
  const odd = map();
  odd.layers[0] = { ...odd.layers[0], title: '<script>x</script>' };
  assert.doesNotMatch(renderSvg(odd), /<script/);
});

test('no allocation under the cursor, or no C file: a hint instead of figures', () => {
  assert.match(renderMap(map(), 'drv.c'), /No allocation under the cursor in drv\.c/);
  assert.match(renderMap(null, ''), /Open a C file/);
});

test('the page loads nothing, runs only its own nonce-tagged script and style, and takes its colours from the theme', () => {
  const html = page('abc123');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.equal(csp, "default-src 'none'; style-src 'nonce-abc123'; script-src 'nonce-abc123';");
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /<script nonce="abc123">/);
  assert.match(html, /<style nonce="abc123">/);
  assert.doesNotMatch(html, /https?:\/\//);
  const css = /<style[^>]*>([\s\S]*?)<\/style>/.exec(html)![1];
  // Every colour is a theme variable; no fixed colour that would vanish in a light or dark theme.
  const colours = [...css.matchAll(/(?:^|[;{\s])(color|fill|stroke|background|border(?:-top)?)\s*:\s*([^;}]+)/g)];
  assert.ok(colours.length > 10);
  for (const [, property, value] of colours) assert.match(value, /^(var\(--vscode-|1px solid var\(--vscode-|none)/, `${property}: ${value}`);
  assert.match(css, /\.figure \.box\.on-path rect \{[^}]*var\(--vscode-focusBorder\)/);
  assert.match(css, /\.figure \.arrow\.on-path \{[^}]*var\(--vscode-focusBorder\)/);
  // The generated SVG uses no style attribute (the CSP would drop it) and no colour of its own.
  const svg = renderSvg(map('kmalloc', ['slub', 'buddy']));
  assert.doesNotMatch(svg, /style=|fill="#|stroke="#/);
});
