// Integration tests in a real VS Code extension host: the extension as installed by a user, the
// language server it starts, and VS Code's own commands for hovers, code actions and edits.
const assert = require('assert');
const path = require('path');
const vscode = require('vscode');

const EXTENSION_ID = 'kernel-alloc-lens.kernel-alloc-lens';
const SOURCE = 'kernel-alloc-lens';
const RULE_DOCS = 'https://github.com/kernel-alloc-lens/kernel-alloc-lens#';
const FIX_ALL = 'source.fixAll.kernelAllocLens';
/** vscode.executeCodeActionProvider's itemResolveCount: resolve (codeAction/resolve) every action it returns. */
const RESOLVE_ALL = 100;

function fileUri(name) {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, name);
}

/** Polls until `probe` returns something truthy; fails with `what` after `ms`. */
async function eventually(probe, what, ms = 30_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function ours(uri) {
  return vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === SOURCE);
}

function ruleOf(diagnostic) {
  return typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code);
}

function lineOf(document, needle) {
  const line = document
    .getText()
    .split('\n')
    .findIndex((text) => text.includes(needle));
  assert.notEqual(line, -1, `"${needle}" not in ${document.uri.fsPath}`);
  return line;
}

function hoverText(hovers) {
  return hovers.flatMap((hover) => hover.contents.map((part) => (typeof part === 'string' ? part : part.value))).join('\n');
}

async function setModel(values) {
  const config = vscode.workspace.getConfiguration('kernelAllocLens');
  for (const [key, value] of Object.entries(values)) await config.update(key, value, vscode.ConfigurationTarget.Global);
}

describe('Kernel Alloc Lens in VS Code', () => {
  let document;
  let api;

  before(async () => {
    document = await vscode.workspace.openTextDocument(fileUri('sensor.c'));
    await vscode.window.showTextDocument(document);
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    api = await extension.activate();
  });

  after(async () => {
    await setModel({ pageSize: undefined, arch: undefined, kernelVersion: undefined });
  });

  it('activates on a C file and publishes kmalloc-too-large on the SZ_8M buffer', async () => {
    const line = lineOf(document, 'kmalloc(SZ_8M');
    const diagnostic = await eventually(() => ours(document.uri).find((d) => ruleOf(d) === 'kmalloc-too-large'), 'the kmalloc-too-large diagnostic');
    assert.equal(diagnostic.range.start.line, line);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.match(diagnostic.message, /kmalloc\(\) always fails: 8388608 bytes.* is above KMALLOC_MAX_SIZE \(4194304 bytes/);
    // The small receive buffer is fine: no finding on its line.
    const rxLine = lineOf(document, 'kmalloc(RX_LEN');
    assert.deepEqual(
      ours(document.uri).filter((d) => d.range.start.line === rxLine),
      [],
    );
  });

  it('publishes exactly the annotated findings of the example driver (examples/ringbuf-drv/ringbuf.c)', async () => {
    const root = vscode.extensions.getExtension(EXTENSION_ID).extensionPath;
    const example = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(root, 'examples', 'ringbuf-drv', 'ringbuf.c')));
    // `// expect: rule-a, rule-b(severity)` marks the line a finding must start on; no other line may have one.
    const expected = example
      .getText()
      .split('\n')
      .flatMap((text, line) => (/\/\/\s*expect:\s*([\w\s,()-]+)$/.exec(text)?.[1].split(',') ?? []).map((rule) => `${line + 1}: ${rule.trim().replace(/\(\w+\)$/, '')}`))
      .sort();
    assert.ok(expected.length >= 5, `the example has ${expected.length} annotations`);
    const actual = () =>
      ours(example.uri)
        .map((d) => `${d.range.start.line + 1}: ${ruleOf(d)}`)
        .sort();
    await eventually(() => JSON.stringify(actual()) === JSON.stringify(expected), 'the annotated findings', 20_000).catch(() => {});
    assert.deepEqual(actual(), expected);
  });

  it('links every diagnostic to its rule section and shows plain-text messages (examples/ringbuf-drv/ringbuf.c)', async () => {
    const root = vscode.extensions.getExtension(EXTENSION_ID).extensionPath;
    const example = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(root, 'examples', 'ringbuf-drv', 'ringbuf.c')));
    const overflow = await eventually(() => ours(example.uri).find((d) => ruleOf(d) === 'alloc-size-overflow'), 'the alloc-size-overflow finding');
    assert.match(overflow.message, /^Open-coded multiplication 'count \* words \* sizeof\(u32\)' in the size of kmalloc\(\)/);
    for (const diagnostic of ours(example.uri)) {
      assert.equal(typeof diagnostic.code, 'object', 'the code carries a link');
      assert.equal(diagnostic.code.target.toString(true), `${RULE_DOCS}${diagnostic.code.value}`);
      assert.doesNotMatch(diagnostic.message, /`/);
    }
  });

  it('hovers an allocation with its slab class (vscode.executeHoverProvider)', async () => {
    const line = lineOf(document, 'kmalloc(RX_LEN');
    const position = new vscode.Position(line, document.lineAt(line).text.indexOf('kmalloc') + 2);
    const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', document.uri, position);
    const text = hoverText(hovers);
    assert.match(text, /slab cache kmalloc-128, 28 bytes unused/);
    assert.match(text, /RX_LEN = 100/);
    assert.match(text, /command:kernelAllocLens\.showAllocatorMap/, 'the hover links to the allocator map');
  });

  it('shows inlay hints after sized allocations, off with kernelAllocLens.inlayHints.enabled (vscode.executeInlayHintProvider)', async () => {
    const whole = new vscode.Range(0, 0, document.lineCount, 0);
    const labels = async () => {
      const hints = await vscode.commands.executeCommand('vscode.executeInlayHintProvider', document.uri, whole);
      return hints.map((hint) => `${hint.position.line}: ${typeof hint.label === 'string' ? hint.label : hint.label.map((part) => part.value).join('')}`);
    };
    const expected = [
      `${lineOf(document, 'kmalloc(RX_LEN')}: kmalloc-128 · 28 B unused`,
      `${lineOf(document, 'kmalloc(SZ_8M')}: always fails`,
      `${lineOf(document, 'kmalloc(64, GFP_KERNEL)')}: kmalloc-64 · 0 B unused`,
    ];
    await eventually(async () => JSON.stringify(await labels()) === JSON.stringify(expected), 'the inlay hints').catch(() => {});
    assert.deepEqual(await labels(), expected);
    const config = vscode.workspace.getConfiguration('kernelAllocLens');
    await config.update('inlayHints.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      await eventually(async () => (await labels()).length === 0, 'no inlay hints once disabled');
    } finally {
      await config.update('inlayHints.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
    await eventually(async () => (await labels()).length === expected.length, 'the inlay hints back');
  });

  it('shows code lenses whose command reveals the chain (vscode.executeCodeLensProvider, examples/ringbuf-drv/ringbuf.c)', async () => {
    const root = vscode.extensions.getExtension(EXTENSION_ID).extensionPath;
    const example = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(root, 'examples', 'ringbuf-drv', 'ringbuf.c')));
    const irq = lineOf(example, 'static irqreturn_t rb_irq(');
    const registered = lineOf(example, 'devm_request_irq(') + 1;
    const lens = await eventually(async () => {
      const lenses = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', example.uri);
      return lenses.find((candidate) => candidate.range.start.line === irq && candidate.command?.title.startsWith('atomic:'));
    }, 'the atomic lens above rb_irq()');
    assert.equal(lens.command.title, `atomic: hard-IRQ handler, registered by devm_request_irq at line ${registered}`);
    assert.equal(lens.command.command, 'kernelAllocLens.showChain');
    assert.deepEqual(
      lens.command.arguments[0].locations.map((location) => location.range.start.line + 1),
      [registered],
    );
    assert.ok((await vscode.commands.getCommands(true)).includes('kernelAllocLens.showChain'), 'the client registers the command');
    // It opens ringbuf.c with the references peek: the later tests work in sensor.c's editor.
    await vscode.commands.executeCommand(lens.command.command, ...lens.command.arguments);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), example.uri.toString(), "the chain is shown in the lens's document");
    await vscode.commands.executeCommand('closeReferenceSearch');
    await vscode.window.showTextDocument(document);
  });

  it('offers quick fixes for the finding (vscode.executeCodeActionProvider), their edits resolved on demand', async () => {
    const diagnostic = ours(document.uri).find((d) => ruleOf(d) === 'kmalloc-too-large');
    // The language client declares codeAction resolveSupport for `edit`: the server leaves the
    // edits to codeAction/resolve, which VS Code calls for the actions it is asked to resolve.
    const offered = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', document.uri, diagnostic.range);
    for (const action of offered) assert.equal(action.edit, undefined, `${action.title} comes without its edit`);
    const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', document.uri, diagnostic.range, undefined, RESOLVE_ALL);
    const titles = actions.map((action) => action.title);
    assert.ok(titles.includes('Suppress kmalloc-too-large on this line'), `titles: ${titles.join(' | ')}`);
    for (const action of actions) assert.ok(action.edit, `${action.title} carries an edit once resolved`);
  });

  it('applies a quick fix with workspace.applyEdit and the finding goes away', async () => {
    // Prefer a GFP fix (a sleeping mask in atomic context) when the rules offer one; else the
    // suppress fix of the oversized kmalloc. Either way the edit must land and clear its finding.
    const all = ours(document.uri);
    let chosen;
    for (const diagnostic of all) {
      const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', document.uri, diagnostic.range, undefined, RESOLVE_ALL);
      const gfp = actions.find((action) => /GFP_/.test(action.title) && action.edit);
      if (gfp) {
        chosen = { diagnostic, action: gfp };
        break;
      }
    }
    if (!chosen) {
      const diagnostic = all.find((d) => ruleOf(d) === 'kmalloc-too-large');
      const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', document.uri, diagnostic.range, undefined, RESOLVE_ALL);
      chosen = { diagnostic, action: actions.find((action) => action.title === 'Suppress kmalloc-too-large on this line') };
    }
    const before = document.getText();
    const rule = ruleOf(chosen.diagnostic);
    const count = ours(document.uri).filter((d) => ruleOf(d) === rule).length;
    console.log(`    applying "${chosen.action.title}"`);
    assert.ok(await vscode.workspace.applyEdit(chosen.action.edit), 'applyEdit succeeded');
    assert.notEqual(document.getText(), before);
    if (/GFP_/.test(chosen.action.title)) assert.match(document.lineAt(chosen.diagnostic.range.start.line).text, /kmalloc\(64, GFP_(ATOMIC|NOWAIT)\)/);
    else assert.match(document.getText(), /\/\* kalloc-ignore: kmalloc-too-large \*\/\n\ts->frame = kmalloc\(SZ_8M/);
    await eventually(() => ours(document.uri).filter((d) => ruleOf(d) === rule).length === count - 1, `one ${rule} finding fewer`);
    await vscode.commands.executeCommand('undo');
    await eventually(() => document.getText() === before, 'undo');
    await eventually(() => ours(document.uri).filter((d) => ruleOf(d) === rule).length === count, `the ${rule} finding back after undo`);
  });

  it('analyses a driver header VS Code opens as C++ (sensor_hw.h beside sensor.c)', async () => {
    const header = await vscode.workspace.openTextDocument(fileUri('sensor_hw.h'));
    assert.equal(header.languageId, 'cpp', 'VS Code opens .h as C++');
    await vscode.window.showTextDocument(header);
    const line = lineOf(header, 'kmalloc(64, GFP_KERNEL)');
    const diagnostic = await eventually(() => ours(header.uri).find((d) => ruleOf(d) === 'gfp-sleep-in-atomic'), 'the gfp-sleep-in-atomic finding in the header');
    assert.equal(diagnostic.range.start.line, line);
    const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', header.uri, new vscode.Position(line, header.lineAt(line).text.indexOf('kmalloc') + 2));
    assert.match(hoverText(hovers), /slab cache kmalloc-64/);
    await eventually(() => /kernel 6\.1 · x86_64 · 4K/.test(api.statusText() ?? ''), 'the status bar for the header');
  });

  it('applies "Fix all Kernel Alloc Lens problems" (source.fixAll.kernelAllocLens) to the header', async () => {
    const header = await vscode.workspace.openTextDocument(fileUri('sensor_hw.h'));
    await eventually(() => ours(header.uri).some((d) => ruleOf(d) === 'gfp-sleep-in-atomic'), 'the header finding');
    const whole = new vscode.Range(0, 0, header.lineCount, 0);
    const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', header.uri, whole, FIX_ALL, RESOLVE_ALL);
    assert.deepEqual(
      actions.map((action) => [action.title, action.kind?.value]),
      [['Fix all Kernel Alloc Lens problems', FIX_ALL]],
    );
    const before = header.getText();
    assert.ok(await vscode.workspace.applyEdit(actions[0].edit), 'applyEdit succeeded');
    assert.match(header.lineAt(lineOf(header, 'p = kmalloc(64')).text, /kmalloc\(64, GFP_ATOMIC\)/);
    await eventually(() => !ours(header.uri).some((d) => ruleOf(d) === 'gfp-sleep-in-atomic'), 'the finding gone after fix-all');
    assert.deepEqual(await vscode.commands.executeCommand('vscode.executeCodeActionProvider', header.uri, whole, FIX_ALL), [], 'nothing left to fix');
    await vscode.commands.executeCommand('undo');
    await eventually(() => header.getText() === before, 'undo');
    await eventually(() => ours(header.uri).some((d) => ruleOf(d) === 'gfp-sleep-in-atomic'), 'the finding back after undo');
  });

  it("leaves a C++ project's header alone (cxx/widget.h beside widget.cpp)", async () => {
    const header = await vscode.workspace.openTextDocument(fileUri('cxx/widget.h'));
    assert.equal(header.languageId, 'cpp');
    await vscode.window.showTextDocument(header);
    // The server answers "not analysed" (null) for the model in use: the status bar item hides.
    await eventually(() => api.statusText() === undefined, 'the status bar to hide for a C++ header');
    const line = lineOf(header, 'kmalloc(64, GFP_KERNEL)');
    const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', header.uri, new vscode.Position(line, header.lineAt(line).text.indexOf('kmalloc') + 2));
    assert.doesNotMatch(hoverText(hovers), /slab cache|GFP_KERNEL/);
    const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', header.uri, new vscode.Range(0, 0, header.lineCount, 0), FIX_ALL);
    assert.deepEqual(actions, []);
    // The driver header opened before it was analysed; this one never is.
    assert.deepEqual(ours(header.uri), []);
    const cpp = await vscode.workspace.openTextDocument(fileUri('cxx/widget.cpp'));
    await vscode.window.showTextDocument(cpp);
    assert.deepEqual(ours(cpp.uri), []);
    await vscode.window.showTextDocument(document);
    await eventually(() => /kernel 6\.1/.test(api.statusText() ?? ''), 'the status bar back on the C file');
  });

  it('re-analyses open files when the model settings change (64K pages on arm64 serve 8 MiB)', async () => {
    await eventually(() => ours(document.uri).some((d) => ruleOf(d) === 'kmalloc-too-large'), 'the finding on 4K pages');
    await setModel({ arch: 'arm64', pageSize: 65536 });
    await eventually(() => !ours(document.uri).some((d) => ruleOf(d) === 'kmalloc-too-large'), 'the finding to disappear with 64K pages');
    const line = lineOf(document, 'kmalloc(SZ_8M');
    const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', document.uri, new vscode.Position(line, document.lineAt(line).text.indexOf('kmalloc') + 1));
    assert.match(hoverText(hovers), /arm64 · 64K pages/);
    await setModel({ arch: undefined, pageSize: undefined });
    await eventually(() => ours(document.uri).some((d) => ruleOf(d) === 'kmalloc-too-large'), 'the finding back with the default model');
  });

  it('answers the allocator-map request for the allocation under the cursor', async () => {
    assert.ok(api && typeof api.allocationAt === 'function', 'activate() returns the test API');
    const line = lineOf(document, 'kmalloc(RX_LEN');
    const map = await api.allocationAt(document.uri, new vscode.Position(line, document.lineAt(line).text.indexOf('RX_LEN')));
    assert.deepEqual(map.allocation.path, ['slub', 'buddy']);
    assert.equal(map.allocation.api, 'kmalloc');
    const figures = Object.fromEntries(map.allocation.figures.map((figure) => [figure.label, figure.value]));
    assert.match(figures['served by'], /kmalloc-128, 28 bytes unused/);
    assert.match(figures['free with'], /kfree/);
    assert.deepEqual(map.layers.map((layer) => layer.id).sort(), ['buddy', 'cma', 'devres', 'dma-api', 'dma-pool', 'kmalloc-large', 'kvmalloc', 'mempool', 'percpu', 'slub', 'vmalloc']);
    const large = await api.allocationAt(document.uri, new vscode.Position(lineOf(document, 'kmalloc(SZ_8M'), 14));
    assert.deepEqual(large.allocation.path, ['kmalloc-large', 'buddy']);
    const none = await api.allocationAt(document.uri, new vscode.Position(lineOf(document, 'struct sensor {'), 0));
    assert.equal(none.allocation, undefined);
  });

  it('opens the allocator map webview from the command palette command', async () => {
    const editor = await vscode.window.showTextDocument(document);
    const line = lineOf(document, 'kmalloc(RX_LEN');
    editor.selection = new vscode.Selection(line, 12, line, 12);
    await vscode.commands.executeCommand('kernelAllocLens.showAllocatorMap');
    const state = await eventually(() => api.allocatorMapState(), 'the allocator map panel');
    assert.equal(state.visible, true);
    await eventually(() => api.allocatorMapState()?.line === line, 'the map to show the kmalloc under the cursor');
    // Moving the cursor moves the highlight: the map follows onDidChangeTextEditorSelection.
    const large = lineOf(document, 'kmalloc(SZ_8M');
    editor.selection = new vscode.Selection(large, 16, large, 16);
    await eventually(() => api.allocatorMapState()?.line === large, 'the map to follow the cursor to the SZ_8M kmalloc');
    editor.selection = new vscode.Selection(lineOf(document, 'struct sensor {'), 0, lineOf(document, 'struct sensor {'), 0);
    await eventually(() => api.allocatorMapState() && api.allocatorMapState().api === undefined, 'the map to show no allocation off a call');
  });

  it('shows the model in use in the status bar', async () => {
    await vscode.window.showTextDocument(document);
    const text = await eventually(() => api.statusText(), 'the status bar text');
    assert.match(text, /kernel 6\.1 · x86_64 · 4K/);
  });

  it('detects the kernel tree a driver sits in: 6.6, arm64, 64K pages from Makefile and .config', async () => {
    const inTree = await vscode.workspace.openTextDocument(fileUri('linux/drivers/misc/bigbuf.c'));
    await vscode.window.showTextDocument(inTree);
    await eventually(() => /kernel 6\.6 · arm64 · 64K/.test(api.statusText() ?? ''), 'the status bar to show the detected tree');
    const line = lineOf(inTree, 'kmalloc(SZ_8M');
    const hovers = await eventually(async () => {
      const found = await vscode.commands.executeCommand('vscode.executeHoverProvider', inTree.uri, new vscode.Position(line, inTree.lineAt(line).text.indexOf('kmalloc') + 1));
      return found.length > 0 && found;
    }, 'the hover on the in-tree kmalloc');
    // 8 MiB on 64K pages is an order-7 page allocation, well under KMALLOC_MAX_SIZE (512 MiB).
    assert.match(hoverText(hovers), /kernel 6\.6 · arm64 · 64K pages/);
    assert.match(hoverText(hovers), /page allocator, order 7/);
    assert.deepEqual(
      ours(inTree.uri).filter((d) => ruleOf(d) === 'kmalloc-too-large'),
      [],
    );
    // An explicit setting overrides detection.
    await setModel({ kernelVersion: '6.1' });
    await eventually(() => /kernel 6\.1 · arm64 · 64K/.test(api.statusText() ?? ''), 'the setting to override the detected version');
    await setModel({ kernelVersion: undefined });
    await eventually(() => /kernel 6\.6 · arm64 · 64K/.test(api.statusText() ?? ''), 'detection back after the setting is removed');
  });
});
