// The allocator map's HTML: what the webview shows for a server answer, escaping, and the CSP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AllocationMap, page, renderMap } from '../../client/src/allocatorMapView';

const LAYERS: AllocationMap['layers'] = [
  { id: 'buddy', level: 0, title: 'page allocator (buddy)', description: 'pages', onPath: true },
  { id: 'cma', level: 0, title: 'CMA', description: 'contiguous', onPath: false },
  { id: 'slub', level: 1, title: 'SLUB', description: 'objects', onPath: true },
  { id: 'vmalloc', level: 1, title: 'vmalloc', description: 'mapped pages', onPath: false },
  { id: 'devres', level: 3, title: 'devres', description: 'managed', onPath: false },
];

function map(allocation?: Partial<NonNullable<AllocationMap['allocation']>>): AllocationMap {
  return {
    model: 'kernel 6.1 · x86_64 · 4K pages',
    layers: LAYERS,
    allocation: allocation && {
      api: 'kmalloc',
      summary: 'Allocate.',
      line: 20,
      path: ['slub', 'buddy'],
      route: 'kmalloc → SLUB kmalloc-128 → page allocator (slab pages)',
      figures: [{ label: 'served by', value: 'slab cache kmalloc-128, 28 bytes unused' }],
      fails: false,
      source: 'include/linux/slab.h (6.1)',
      ...allocation,
    },
  };
}

test('layers are drawn top (wrappers) to bottom (page allocator), the path lit and numbered', () => {
  const html = renderMap(map({}), 'drv.c');
  const order = ['data-layer="devres"', 'data-layer="slub"', 'data-layer="buddy"'].map((needle) => html.indexOf(needle));
  assert.ok(order.every((at) => at >= 0) && order[0] < order[1] && order[1] < order[2], `order ${order}`);
  assert.match(html, /class="layer on-path" data-layer="slub"[^>]*><span class="step">1<\/span>/);
  assert.match(html, /class="layer on-path" data-layer="buddy"[^>]*><span class="step">2<\/span>/);
  assert.match(html, /class="layer" data-layer="vmalloc"/);
  assert.match(html, /drv\.c:21/);
  assert.match(html, /<th>served by<\/th><td>slab cache kmalloc-128, 28 bytes unused<\/td>/);
  assert.match(html, /Figures for kernel 6\.1 · x86_64 · 4K pages, SLUB\./);
  assert.doesNotMatch(html, /class="failure"/);
});

test('a request the page allocator rejects is marked as always failing', () => {
  const html = renderMap(map({ fails: true }), 'drv.c');
  assert.match(html, /<div class="map fails">/);
  assert.match(html, /always returns NULL/);
});

test('text from the source file and the server is escaped', () => {
  const html = renderMap(map({ figures: [{ label: 'requested', value: '<img src=x onerror=alert(1)> & "q"' }] }), '<b>.c');
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;q&quot;/);
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&lt;b&gt;\.c/);
});

test('no allocation under the cursor, or no C file: a hint instead of figures', () => {
  assert.match(renderMap(map(), 'drv.c'), /No allocation under the cursor in drv\.c/);
  assert.match(renderMap(null, ''), /Open a C file/);
});

test('the page loads nothing and runs only its own nonce-tagged script and style', () => {
  const html = page('abc123');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.equal(csp, "default-src 'none'; style-src 'nonce-abc123'; script-src 'nonce-abc123';");
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /<script nonce="abc123">/);
  assert.match(html, /<style nonce="abc123">/);
  assert.doesNotMatch(html, /https?:\/\//);
  // Theme colours, not fixed ones, for the lit path.
  assert.match(html, /\.layer\.on-path \{[^}]*var\(--vscode-focusBorder\)/);
});
