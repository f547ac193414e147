#!/usr/bin/env node
// The UI test a user would recognise, in the real VS Code workbench (code-server's VS Code server
// + Debian's Chromium): open the example driver (examples/ringbuf-drv/ringbuf.c), see the
// kmalloc-too-large finding in the Problems panel and as a squiggle, an inlay hint after a
// kmalloc, the code lens above the IRQ handler and the chain it reveals,
// hover an allocation and read its slab class, open the allocator map from the hover (its figure
// checked and pictured in the dark and a light theme), apply the
// kv* quick fix with Ctrl+. (never the suppression), save, and see the finding gone; then a driver
// header, which VS Code opens as C++, with its finding fixed on save by "Fix all"
// (editor.codeActionsOnSave). Screenshots go to test-results/vscode-ui/
// (git-ignored). Prints `N passed, N failed` and exits 1 on any failure.
//   node test/vscode/ui.mjs                 the extension from this folder (extensionDevelopmentPath)
//   node test/vscode/ui.mjs --vsix FILE     the packaged VSIX, installed with --install-extension
import fs from 'node:fs';
import path from 'node:path';
import { allocatorMapSteps } from './allocatorMapUi.mjs';
import { ROOT, log, startVsCode } from './harness.mjs';

const vsixIndex = process.argv.indexOf('--vsix');
const vsix = vsixIndex >= 0 ? path.resolve(process.argv[vsixIndex + 1] ?? '') : undefined;
const mode = vsix ? 'vsix' : 'folder';
const shots = path.join(ROOT, 'test-results', 'vscode-ui', mode);
fs.rmSync(shots, { recursive: true, force: true });
fs.mkdirSync(shots, { recursive: true });

const results = [];
function check(ok, what, detail = '') {
  results.push(ok);
  log(`${ok ? 'PASS' : 'FAIL'} ${what}${detail ? ` — ${detail}` : ''}`);
  return ok;
}

/**
 * The top of a line on screen. boundingBox() answers null while Monaco re-renders the line (a
 * lens or hint arriving): ask again until it has one.
 */
async function topOf(locator, timeout = 15_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const box = await locator.boundingBox();
    if (box) return box.y;
    if (Date.now() > until) throw new Error('the line never got a position on screen');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function step(what, body) {
  try {
    const detail = await body();
    return check(true, what, typeof detail === 'string' ? detail : '');
  } catch (error) {
    return check(false, what, (error instanceof Error ? error.message : String(error)).split('\n')[0]);
  }
}

// The example driver, copied so the test can edit and save it. Its `// expect: rule-id`
// annotations say where the findings are; the test finds its targets through them, so it follows
// the example as it evolves.
const workspace = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'kalloc-ui-ws-'));
fs.cpSync(path.join(ROOT, 'examples', 'ringbuf-drv'), workspace, { recursive: true });
const DRIVER_NAME = 'ringbuf.c';
const driver = path.join(workspace, DRIVER_NAME);
const original = fs.readFileSync(driver, 'utf8');
// A header of the driver: VS Code gives `.h` the language C++, and the extension must still
// analyse it because ringbuf.c sits beside it.
const HEADER_NAME = 'ringbuf_hw.h';
const header = path.join(workspace, HEADER_NAME);
const headerText = [
  '/* SPDX-License-Identifier: MIT */',
  '#include <linux/slab.h>',
  '#include <linux/spinlock.h>',
  'static DEFINE_SPINLOCK(rb_hw_lock);',
  'static inline void *rb_hw_refill(void)',
  '{',
  '\tvoid *p;',
  '\tspin_lock(&rb_hw_lock);',
  '\tp = kmalloc(64, GFP_KERNEL);',
  '\tspin_unlock(&rb_hw_lock);',
  '\treturn p;',
  '}',
  '',
].join('\n');
fs.writeFileSync(header, headerText);
const RULE_DOCS = 'https://github.com/kernel-alloc-lens/kernel-alloc-lens#';

/** The annotated line of a rule: its allocation call, e.g. { callee: 'kzalloc', needle: 'kzalloc(RB_HISTORY_BYTES', arg }. */
function target(rule) {
  const line = original.split('\n').find((text) => new RegExp(`//\\s*expect:.*\\b${rule}\\b`).test(text));
  const call = line && /\b(k[mzv]?\w*alloc\w*)\(([A-Za-z0-9_]+)/.exec(line);
  if (!call) throw new Error(`${DRIVER_NAME} has no allocation annotated with ${rule}`);
  return { callee: call[1], arg: call[2], needle: `${call[1]}(${call[2]}` };
}
const TOO_LARGE = target('kmalloc-too-large');
const SLAB = target('kmalloc-slab-waste');
let vscode;
try {
  if (vsix && !fs.existsSync(vsix)) throw new Error(`no VSIX at ${vsix}: run npm run package first`);
  // Fix all on save for C++ editors only: the header; ringbuf.c's save below stays a plain save.
  const settings = { '[cpp]': { 'editor.codeActionsOnSave': { 'source.fixAll.kernelAllocLens': 'explicit' } } };
  vscode = await startVsCode({ folder: workspace, settings, ...(vsix ? { vsix } : { extensionDevelopmentPath: ROOT }) });
  const { page } = vscode;
  const shot = (name) => page.screenshot({ path: path.join(shots, name) });
  const editorLine = (needle) => page.locator('.monaco-editor .view-line', { hasText: needle }).first();
  /** Ctrl+G to the line holding `needle` in the driver (or `text`), as a user jumps to a line. */
  const goToLine = async (needle, text = original) => {
    const number = text.split('\n').findIndex((line) => line.includes(needle)) + 1;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+1'); // focus the editor (the Problems panel may have it)
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').waitFor({ timeout: 10_000 });
    await page.keyboard.type(String(number));
    await page.keyboard.press('Enter');
    await editorLine(needle).waitFor({ timeout: 10_000 });
  };

  if (vsix) {
    await step('the extension runs from the installed VSIX, not from this folder', async () => {
      const installed = fs.readdirSync(path.join(vscode.sandbox, 'extensions')).filter((name) => name.startsWith('kernel-alloc-lens.kernel-alloc-lens-'));
      if (installed.length !== 1) throw new Error(`extensions folder holds: ${installed.join(', ') || 'nothing of ours'}`);
      if ((await page.title()).includes('[Extension Development Host]')) throw new Error('the window is an Extension Development Host');
      return installed[0];
    });
  }

  await step('open the driver with Quick Open (Ctrl+P)', async () => {
    await page.locator('.explorer-folders-view, .monaco-workbench .part.sidebar').first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').waitFor({ timeout: 10_000 });
    await page.keyboard.type(DRIVER_NAME);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: DRIVER_NAME }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-line').first().waitFor({ timeout: 20_000 });
    return DRIVER_NAME;
  });

  await step(`the oversized ${TOO_LARGE.callee}() is squiggled in the editor`, async () => {
    // Bring the line into view (Ctrl+G), then look for the error squiggle on it.
    await goToLine(TOO_LARGE.needle);
    const line = editorLine(TOO_LARGE.needle);
    await line.waitFor({ timeout: 15_000 });
    await page.waitForFunction((top) => [...document.querySelectorAll('.monaco-editor .squiggly-error')].some((node) => Math.abs(node.getBoundingClientRect().top - top) < 4), await topOf(line), {
      timeout: 30_000,
    });
    return `${TOO_LARGE.needle}…)`;
  });

  await step('the Problems panel lists kmalloc-too-large', async () => {
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'kmalloc-too-large' }).first();
    await row.waitFor({ timeout: 15_000 });
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    if (!/always fails/.test(text)) throw new Error(`row reads: ${text}`);
    await shot('1-problems.png');
    return text.slice(0, 140);
  });

  await step('the rule id in the Problems panel links to its README section', async () => {
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'kmalloc-too-large' }).first();
    // The rule id is rendered as a link (a.monaco-link around .marker-code) when the diagnostic's code has an href.
    const link = row.locator('a.monaco-link', { has: page.locator('.marker-code', { hasText: 'kmalloc-too-large' }) }).first();
    await link.waitFor({ timeout: 10_000 });
    const target = await link.getAttribute('href');
    if (target !== `${RULE_DOCS}kmalloc-too-large`) throw new Error(`link goes to ${target}`);
    return target;
  });

  await step('Problems panel messages are plain text (no Markdown backticks)', async () => {
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'alloc-size-overflow' }).first();
    await row.waitFor({ timeout: 15_000 });
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    if (!/Open-coded multiplication '[^']+'/.test(text) || text.includes('`')) throw new Error(`row reads: ${text}`);
    const all = (await page.locator('.markers-panel .monaco-list-row').allInnerTexts()).filter((row) => row.includes('`'));
    if (all.length > 0) throw new Error(`rows with backticks: ${all.join(' | ')}`);
    return text.slice(0, 100);
  });

  await step('the status bar shows the model in use', async () => {
    const item = page.locator('.statusbar-item', { hasText: /kernel \d+\.\d+ · / }).first();
    await item.waitFor({ timeout: 15_000 });
    const text = (await item.innerText()).trim();
    if (!/kernel 6\.1 · x86_64 · 4K/.test(text)) throw new Error(`status bar reads: ${text}`);
    return text;
  });

  await step(`an inlay hint after ${SLAB.needle}, …) shows its slab class and waste`, async () => {
    await goToLine(SLAB.needle);
    const line = editorLine(SLAB.needle);
    // Inlay hints are injected text of the line: its rendered text ends with the label.
    // The workbench renders the hint's spaces as no-break spaces: \s matches both.
    await page.waitForFunction(
      (needle) => [...document.querySelectorAll('.monaco-editor .view-line')].some((node) => node.textContent.includes(needle) && /kmalloc-\d+k?\s·\s\d+\sB\sunused/.test(node.textContent)),
      SLAB.needle,
      { timeout: 30_000 },
    );
    const text = (await line.textContent()).replace(/\s+/g, ' ');
    const hint = /kmalloc-\d+k? · \d+ B unused/.exec(text);
    if (!hint || text.indexOf(hint[0]) < text.indexOf(');')) throw new Error(`line reads: ${text}`);
    await shot('2-inlay-hint.png');
    return hint[0];
  });

  await step('a code lens above the IRQ handler says why it is atomic; clicking it shows the registration', async () => {
    await goToLine('static irqreturn_t rb_irq(');
    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: /^atomic: hard-IRQ handler, registered by devm_request_irq at line \d+$/ }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    const title = (await lens.innerText()).trim();
    const registered = original.split('\n').findIndex((text) => text.includes('devm_request_irq(')) + 1;
    if (!title.endsWith(`line ${registered}`)) throw new Error(`lens reads: ${title}; devm_request_irq is on line ${registered}`);
    const sleeps = page.locator('.monaco-editor .codelens-decoration', { hasText: 'may sleep: kmalloc() with GFP_KERNEL at line' }).first();
    await sleeps.waitFor({ state: 'visible', timeout: 10_000 });
    await shot('2-code-lens.png');
    await lens.click();
    const peek = page.locator('.monaco-editor .zone-widget .peekview-widget').first();
    await peek.waitFor({ state: 'visible', timeout: 15_000 });
    const rows = page.locator('.monaco-editor .zone-widget .ref-tree .monaco-list-row', { hasText: 'devm_request_irq' }).first();
    await rows.waitFor({ timeout: 10_000 });
    await page.waitForTimeout(400); // let the peek finish opening: for the picture only
    await shot('2-code-lens-chain.png');
    await page.keyboard.press('Escape');
    return title;
  });

  await step(`hovering ${SLAB.needle}, …) shows its slab class`, async () => {
    // Focus the editor again (the Problems panel has the focus), then point at the callee.
    await goToLine(SLAB.needle);
    const token = editorLine(SLAB.needle)
      .locator('span > span', { hasText: new RegExp(`^${SLAB.callee}$`) })
      .first();
    const box = await token.boundingBox();
    if (!box) throw new Error('kmalloc token not rendered');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // The finding's own hover part appears at once; wait for the server's card.
    const hover = page.locator('.monaco-hover', { hasText: /slab cache kmalloc-/ }).first();
    await hover.waitFor({ state: 'visible', timeout: 15_000 });
    const text = (await hover.innerText()).replace(/\s+/g, ' ');
    const slab = /slab cache kmalloc-\d+k?, \d+ bytes unused/.exec(text);
    if (!slab) throw new Error(`hover reads: ${text.slice(0, 200)}`);
    await page.waitForTimeout(400); // let the fade-in finish: for the picture only
    await shot('2-hover.png');
    return slab[0];
  });

  // The allocator map, its figure measured in the dark and a light theme (allocatorMapUi.mjs).
  await allocatorMapSteps({ page, step, shot, callee: SLAB.callee, expectedLayers: 'SLUB, page allocator (buddy)' });

  let applied = '';
  await step('Ctrl+. on the squiggle offers and applies the kv* fix (not the suppression)', async () => {
    await page.keyboard.press('Escape');
    await goToLine(TOO_LARGE.needle);
    const token = editorLine(TOO_LARGE.needle).locator('span > span', { hasText: TOO_LARGE.arg }).first();
    await token.click();
    await page.keyboard.press('Control+.');
    const widget = page.locator('.action-widget');
    await widget.locator('.monaco-list-row.action').first().waitFor({ timeout: 15_000 });
    const titles = (await widget.locator('.monaco-list-row.action').allInnerTexts()).map((title) => title.trim());
    // The README promises the kv* switch for this buffer (it never reaches a DMA API): the
    // suppression is not a fix, so it does not count.
    const wanted = titles.find((title) => /^Use kv\w*alloc\w*\(\)/.test(title));
    if (!wanted) throw new Error(`no kv* fix offered: ${titles.join(' | ')}`);
    await shot('4-quick-fix-menu.png');
    // The menu sits under a pointer-blocking overlay: choose with the keyboard, as users do.
    for (let i = 0; i < titles.length + 1; i++) {
      const focused = (
        await widget
          .locator('.monaco-list-row.focused')
          .innerText()
          .catch(() => '')
      ).trim();
      if (focused === wanted) break;
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    applied = wanted;
    await page.waitForFunction(() => !document.querySelector('.action-widget .monaco-list-row'), undefined, { timeout: 10_000 });
    // The menu closes at once; VS Code applies the fix when codeAction/resolve has answered with
    // its edit. Save once the user can see it in the editor, not before.
    await editorLine(`${/^Use (\w+)\(\)/.exec(wanted)?.[1]}(${TOO_LARGE.arg}`).waitFor({ timeout: 15_000 });
    return `applied "${wanted}" (offered: ${titles.join(' | ')})`;
  });

  await step('Ctrl+S saves the fix to disk: kv* allocation, its kfree() calls now kvfree()', async () => {
    await page.keyboard.press('Control+S');
    const replacement = /^Use (\w+)\(\)/.exec(applied)?.[1];
    if (!replacement) throw new Error(`no fix was applied`);
    // The pointer the allocation is stored in (`priv->history = kzalloc(…)`): every kfree() of it
    // in the original must have become kvfree(), and nothing else may have changed.
    const stored = new RegExp(`([\\w>.-]+)\\s*=\\s*${TOO_LARGE.callee}\\(${TOO_LARGE.arg}`).exec(original)?.[1];
    if (!stored) throw new Error(`cannot find what ${TOO_LARGE.needle} is stored in`);
    const expected = original.replace(TOO_LARGE.needle, `${replacement}(${TOO_LARGE.arg}`).split(`kfree(${stored});`).join(`kvfree(${stored});`);
    if (expected === original.replace(TOO_LARGE.needle, `${replacement}(${TOO_LARGE.arg}`)) throw new Error(`${DRIVER_NAME} has no kfree(${stored})`);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const text = fs.readFileSync(driver, 'utf8');
      if (text === expected) return `${replacement}(${TOO_LARGE.arg} and kvfree(${stored}) are in ${DRIVER_NAME} on disk`;
      if (Date.now() > deadline) {
        const diff = text
          .split('\n')
          .map((line, i) => [i + 1, line, expected.split('\n')[i]])
          .find(([, a, b]) => a !== b);
        throw new Error(`${DRIVER_NAME} on disk differs from the expected fix at line ${diff?.[0]}: "${diff?.[1]}" vs "${diff?.[2]}"`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  await step('the finding is gone from the Problems panel and the editor', async () => {
    await page.waitForFunction(() => ![...document.querySelectorAll('.markers-panel .monaco-list-row')].some((row) => row.textContent.includes('kmalloc-too-large')), undefined, { timeout: 15_000 });
    const line = editorLine(`(${TOO_LARGE.arg}`);
    const box = await line.boundingBox({ timeout: 5_000 });
    const squiggles = await page
      .locator('.monaco-editor .squiggly-error')
      .evaluateAll((nodes, top) => nodes.filter((node) => Math.abs(node.getBoundingClientRect().top - top) < 4).length, box?.y ?? -1);
    if (squiggles > 0) throw new Error(`the ${TOO_LARGE.arg} line is still squiggled`);
    await shot('5-after-fix.png');
  });

  await step(`${HEADER_NAME}, opened as C++, gets the gfp-sleep-in-atomic finding`, async () => {
    // From the Explorer, as a user opens a file next to the one they have open.
    await page.keyboard.press('Escape');
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: HEADER_NAME }).first().dblclick();
    await page.locator('.tabs-container .tab.active', { hasText: HEADER_NAME }).waitFor({ timeout: 15_000 });
    const mode = page.locator('#status\\.editor\\.mode');
    await page.waitForFunction(() => document.querySelector('#status\\.editor\\.mode')?.textContent?.includes('C++'), undefined, { timeout: 15_000 });
    await goToLine('kmalloc(64, GFP_KERNEL)', headerText);
    // The header's code lens and inlay hint re-render its lines when they arrive: measure after.
    await page.locator('.monaco-editor .codelens-decoration', { hasText: 'may sleep: kmalloc() with GFP_KERNEL' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction(() => [...document.querySelectorAll('.monaco-editor .view-line')].some((node) => /kmalloc\(64,\sGFP_KERNEL\).*kmalloc-64/.test(node.textContent)), undefined, {
      timeout: 30_000,
    });
    const line = editorLine('kmalloc(64, GFP_KERNEL)');
    await page.waitForFunction(
      (top) => [...document.querySelectorAll('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning')].some((node) => Math.abs(node.getBoundingClientRect().top - top) < 4),
      await topOf(line),
      { timeout: 30_000 },
    );
    // The Problems panel groups by file: the header has a group of its own.
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel .monaco-list-row', { hasText: HEADER_NAME }).first().waitFor({ timeout: 15_000 });
    await shot('6-header-as-cpp.png');
    return `language mode: ${(await mode.innerText()).trim()}`;
  });

  await step('saving the header applies "Fix all Kernel Alloc Lens problems" (editor.codeActionsOnSave)', async () => {
    await goToLine('kmalloc(64, GFP_KERNEL)', headerText);
    // Make the file dirty as a user would (a blank line at the end), then save.
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+S');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const text = fs.readFileSync(header, 'utf8');
      if (text.includes('p = kmalloc(64, GFP_ATOMIC);')) break;
      if (Date.now() > deadline) throw new Error(`${HEADER_NAME} on disk: ${text.split('\n').find((line) => line.includes('kmalloc'))}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Its last problem fixed, the header's group leaves the Problems panel.
    await page.waitForFunction((name) => ![...document.querySelectorAll('.markers-panel .monaco-list-row')].some((row) => row.textContent.includes(name)), HEADER_NAME, { timeout: 15_000 });
    await shot('7-header-fixed-on-save.png');
    return 'p = kmalloc(64, GFP_ATOMIC); on disk';
  });

  await step('clicking the status bar item opens the Kernel Alloc Lens settings', async () => {
    await page
      .locator('.statusbar-item', { hasText: /kernel \d+\.\d+ · / })
      .first()
      .click();
    const editor = page.locator('.settings-editor');
    await editor.waitFor({ timeout: 15_000 });
    const row = editor.locator('.setting-item-contents', { hasText: 'Kernel Version' }).first();
    await row.waitFor({ timeout: 15_000 });
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    if (!/auto/.test(text)) throw new Error(`Kernel Version setting reads: ${text.slice(0, 200)}`);
    await shot('8-settings.png');
    return text.slice(0, 120);
  });
} catch (error) {
  check(false, 'UI session', error instanceof Error ? error.message : String(error));
} finally {
  await vscode?.close();
  fs.rmSync(workspace, { recursive: true, force: true });
}
const passed = results.filter(Boolean).length;
const failed = results.length - passed;
log(`screenshots in ${path.relative(ROOT, shots)}/`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
