// The allocator map in the real workbench, for ui.mjs: opened from an allocation's hover link, the
// SVG figure with the allocation's API box, layers and arrows lit, every label whole inside its
// box (measured by the browser, not estimated), the figures on screen without scrolling, in the
// default dark theme and in a light one. Screenshots: 3-allocator-map-dark.png and -light.png.

/** The webview's inner document (VS Code nests the page in two iframes). */
export function mapFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** Measures the drawn figure inside the webview: what is lit, labels against their boxes, the figures' bottom. */
function measure(svg) {
  const view = svg.getBoundingClientRect();
  const labels = [...svg.querySelectorAll('.box text')].map((text) => {
    const box = text.closest('.box').querySelector('rect').getBoundingClientRect();
    const own = text.getBoundingClientRect();
    // What the user sees at points across the label: the label itself, or something drawn over it.
    const probes = [0.05, 0.25, 0.5, 0.75, 0.95].map((at) => document.elementFromPoint(own.left + own.width * at, own.top + own.height / 2));
    return {
      text: text.textContent,
      inBox: own.left >= box.left && own.right <= box.right && own.top >= box.top && own.bottom <= box.bottom,
      inView: own.left >= view.left && own.right <= view.right && own.top >= view.top && own.bottom <= view.bottom,
      covered: probes.filter((hit) => hit !== text).map((hit) => (hit ? `${hit.tagName}.${hit.getAttribute('class') ?? ''}` : 'nothing')),
      width: Math.round(own.width),
      boxWidth: Math.round(box.width),
    };
  });
  const lit = {
    apis: [...svg.querySelectorAll('.box.api.on-path')].map((node) => node.getAttribute('data-id')),
    layers: [...svg.querySelectorAll('.box.layer.on-path text')].map((node) => node.textContent),
    arrows: [...svg.querySelectorAll('.arrow.on-path')].map((node) => `${node.getAttribute('data-from')}>${node.getAttribute('data-to')}`),
  };
  const litRect = svg.querySelector('.box.on-path rect');
  const table = document.querySelector('.details table')?.getBoundingClientRect();
  return {
    lit,
    labels,
    litFill: litRect ? getComputedStyle(litRect).fill : '',
    background: getComputedStyle(document.body).backgroundColor,
    figuresBottom: table ? Math.round(table.bottom) : -1,
    viewportHeight: window.innerHeight,
    viewportWidth: window.innerWidth,
    scale: Math.round((view.width / svg.viewBox.baseVal.width) * 100) / 100,
  };
}

/** Throws unless the figure reads as it must; returns a one-line summary. */
function judge(measured, expectedLayers) {
  const { lit, labels } = measured;
  if (lit.apis.length !== 1 || lit.arrows.length === 0) throw new Error(`lit: ${JSON.stringify(lit)}`);
  if (lit.layers.join(', ') !== expectedLayers) throw new Error(`lit layers: ${lit.layers.join(', ')}`);
  const buddy = labels.find((label) => label.text === 'page allocator (buddy)');
  if (!buddy) throw new Error('no "page allocator (buddy)" label');
  const bad = labels.filter((label) => !label.inBox || !label.inView || label.covered.length > 0);
  if (bad.length > 0) throw new Error(`labels cut off or covered: ${JSON.stringify(bad.slice(0, 3))}`);
  if (measured.figuresBottom < 0 || measured.figuresBottom > measured.viewportHeight) {
    throw new Error(`the figures end at ${measured.figuresBottom} px, below the ${measured.viewportHeight} px panel`);
  }
  return `lit ${lit.apis[0]} → ${lit.layers.join(' → ')} (${lit.arrows.length} arrows); ${labels.length} labels whole, "page allocator (buddy)" ${buddy.width}/${buddy.boxWidth} px; figures end at ${measured.figuresBottom}/${measured.viewportHeight} px; ${measured.viewportWidth} px wide, scale ${measured.scale}`;
}

/** Preferences: Color Theme (Ctrl+K Ctrl+T), as a user switches; waits for the workbench to repaint. */
async function chooseTheme(page, theme, workbenchClass) {
  const stage = async (what, promise) => {
    try {
      await promise;
    } catch (error) {
      throw new Error(`choosing ${theme}: ${what}: ${String(error).split('\n')[0]}`);
    }
  };
  await page.keyboard.press('Escape');
  // Ctrl+K Ctrl+T: Preferences: Color Theme.
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  await stage('theme picker', page.locator('.quick-input-widget input').waitFor({ timeout: 10_000 }));
  // The theme list is open when its rows show (the default themes are always listed).
  await stage('theme list', page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first().waitFor({ timeout: 10_000 }));
  await page.keyboard.type(theme);
  await page.keyboard.press('Enter');
  await stage('workbench repaint', page.locator(`.monaco-workbench${workbenchClass}`).waitFor({ timeout: 15_000 }));
}

/** The body background's luminance (0 black … 1 white), from its computed rgb(). */
function luminance(colour) {
  const [r, g, b] = (colour.match(/[\d.]+/g) ?? ['0', '0', '0']).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/** Measures once the webview has the theme's variables (they arrive after the workbench repaints). */
async function measureIn(page, svg, dark) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const measured = await svg.evaluate(measure);
    if (luminance(measured.background) < 0.5 === dark) return measured;
    if (Date.now() > deadline) throw new Error(`the webview's background stayed ${measured.background}`);
    await page.waitForTimeout(200);
  }
}

/**
 * The allocator-map steps. The hover on `callee` must be open (ui.mjs's hover step leaves it so);
 * `step(what, body)` and `shot(name)` are ui.mjs's. `expectedLayers`: the lit layer titles, top first.
 */
export async function allocatorMapSteps({ page, step, shot, callee, expectedLayers }) {
  const frame = mapFrame(page);
  const svg = frame.locator('svg.figure');
  let dark;
  // The Problems panel stays open below (ui.mjs opened it): the figures must fit above it.
  await step("the hover link opens the allocator map, the figure lit along the allocation's arrows (dark theme)", async () => {
    await page.locator('.monaco-hover a', { hasText: 'Show in allocator map' }).first().click();
    await frame.locator('h2', { hasText: callee }).waitFor({ timeout: 20_000 });
    await svg.locator('.box.on-path').first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
    await page.mouse.move(5, 450);
    await page.waitForTimeout(400); // hover fade-out: for the picture only
    const figures = (await frame.locator('table').innerText()).replace(/\s+/g, ' ');
    if (!/kmalloc-\d+/.test(figures) || !/kfree\(\)/.test(figures)) throw new Error(`figures: ${figures}`);
    await chooseTheme(page, 'Default Dark Modern', '.vs-dark');
    dark = await measureIn(page, svg, true);
    await page.waitForTimeout(300); // for the picture only
    const summary = judge(dark, expectedLayers);
    await shot('3-allocator-map-dark.png');
    return summary;
  });

  await step('in a light theme the map follows the theme colours and still reads whole', async () => {
    if (!dark) throw new Error('the map did not open');
    await chooseTheme(page, 'Default Light Modern', '.vs:not(.vs-dark)');
    const light = await measureIn(page, svg, false);
    if (light.litFill === dark.litFill) throw new Error(`lit box fill stayed ${dark.litFill}`);
    const summary = judge(light, expectedLayers);
    await page.waitForTimeout(300); // for the picture only
    await shot('3-allocator-map-light.png');
    // Left in the light theme, the workbench's default here, for ui.mjs's later pictures.
    return `background ${dark.background} → ${light.background}; ${summary}`;
  });
}
