// The allocator map's HTML, as pure functions of the server's answer (no VS Code API), so it is
// unit-tested in Node: every string from the server or the source file is escaped, and the page
// allows nothing but its own nonce'd style and script (Content-Security-Policy).
/** The JSON the server answers with (kept in step with server/src/features/allocationMap.ts). */
export interface AllocationMap {
  model: string;
  layers: { id: string; level: number; title: string; description: string; onPath: boolean }[];
  allocation?: { api: string; summary: string; line: number; path: string[]; route: string; figures: { label: string; value: string }[]; fails: boolean; source: string };
}

const LEVEL_NAMES = ['page allocator', 'object and mapping allocators', 'front ends', 'wrappers'];

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The body of the map for one answer; exported for tests. */
export function renderMap(map: AllocationMap | null, where: string): string {
  if (!map) return `<p class="empty">Open a C file to see its allocations on the map.</p>`;
  const rows = [3, 2, 1, 0].map((level) => {
    const boxes = map.layers
      .filter((layer) => layer.level === level)
      .map((layer) => {
        const step = map.allocation ? map.allocation.path.indexOf(layer.id) : -1;
        const badge = step >= 0 ? `<span class="step">${step + 1}</span>` : '';
        return `<div class="layer${layer.onPath ? ' on-path' : ''}" data-layer="${escape(layer.id)}" title="${escape(layer.description)}">${badge}<div class="title">${escape(layer.title)}</div><div class="desc">${escape(layer.description)}</div></div>`;
      })
      .join('');
    return `<div class="level"><div class="level-name">${LEVEL_NAMES[level]}</div><div class="boxes">${boxes}</div></div>`;
  });
  const allocation = map.allocation;
  const details = allocation
    ? `<h2><code>${escape(allocation.api)}</code> <span class="where">${escape(where)}:${allocation.line + 1}</span></h2>
<p class="summary">${escape(allocation.summary)}</p>
<p class="route"><code>${escape(allocation.route)}</code></p>
${allocation.fails ? '<p class="failure">The page allocator rejects this request: the call always returns NULL.</p>' : ''}
<table>${allocation.figures.map((figure) => `<tr><th>${escape(figure.label)}</th><td>${escape(figure.value)}</td></tr>`).join('')}</table>
<p class="source">Source: ${escape(allocation.source)}</p>`
    : `<p class="empty">No allocation under the cursor${where ? ` in ${escape(where)}` : ''}. Put the cursor on a call such as <code>kmalloc()</code>, <code>vmalloc()</code> or <code>dma_alloc_coherent()</code>.</p>`;
  return `<div class="map${allocation?.fails ? ' fails' : ''}">${rows.join('')}</div><section class="details">${details}</section><p class="model">Figures for ${escape(map.model)}, SLUB.</p>`;
}

export function page(nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allocator Map</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 12px; }
.level { display: flex; align-items: stretch; gap: 8px; margin-bottom: 6px; }
.level-name { width: 9em; flex: none; color: var(--vscode-descriptionForeground); font-size: 0.85em; padding-top: 6px; }
.boxes { display: flex; flex-wrap: wrap; gap: 6px; flex: 1; }
.layer { position: relative; flex: 1 1 10em; border: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, #8884)); border-radius: 4px; padding: 6px 8px; background: var(--vscode-sideBar-background, transparent); opacity: 0.75; }
.layer .title { font-weight: 600; }
.layer .desc { font-size: 0.8em; color: var(--vscode-descriptionForeground); }
.layer.on-path { opacity: 1; border: 2px solid var(--vscode-focusBorder); background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
.layer.on-path .desc { color: inherit; }
.fails .layer.on-path { border-color: var(--vscode-errorForeground); border-style: dashed; }
.failure { color: var(--vscode-errorForeground); font-weight: 600; }
.step { position: absolute; top: 4px; right: 6px; font-size: 0.8em; border-radius: 8px; padding: 0 6px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.details { margin-top: 14px; border-top: 1px solid var(--vscode-panel-border, #8884); padding-top: 8px; }
h2 { font-size: 1.1em; margin: 4px 0; } .where { font-weight: normal; color: var(--vscode-descriptionForeground); }
table { border-collapse: collapse; } th { text-align: left; padding: 2px 12px 2px 0; vertical-align: top; color: var(--vscode-descriptionForeground); font-weight: normal; white-space: nowrap; } td { padding: 2px 0; }
code { font-family: var(--vscode-editor-font-family); color: var(--vscode-textPreformat-foreground); }
.source, .model, .empty { color: var(--vscode-descriptionForeground); font-size: 0.9em; }
</style></head>
<body><div id="root"></div>
<script nonce="${nonce}">
const root = document.getElementById('root');
window.addEventListener('message', (event) => { if (event.data && typeof event.data.html === 'string') root.innerHTML = event.data.html; });
acquireVsCodeApi().postMessage({ ready: true });
</script></body></html>`;
}
