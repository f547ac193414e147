// Lazy quick fixes over --stdio. A client that resolves `edit` (textDocument.codeAction.resolveSupport,
// as VS Code declares) gets code actions with data and no edit, and codeAction/resolve adds the
// edit: the same edit the eager path gives a client without resolveSupport, on every fixture
// finding. A resolve for another version or an unknown document comes back unchanged. And one
// document version costs one whole-file analysis pass, however many hovers, code actions and
// resolves ask about it (the server counts its passes for tests under ANALYSIS_PASSES_ENV).
// Inlay hints, code lenses and the allocator map read what the hover reads: after an edit they
// start no pass, and what they answer equals a fresh server's answer for the same text.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { ANALYSIS_PASSES_ENV } from '../../server/src/protocol';
import { applyLspEdits } from '../support/findings';
import { LspClient, serverForSuite } from '../support/lspClient';
import { EXAMPLES, FIXTURES } from '../support/paths';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

// The servers are spawned by the hooks below, after this line, and inherit it.
process.env[ANALYSIS_PASSES_ENV] = '1';

const FIX_ALL = 'source.fixAll.kernelAllocLens';
const RESOLVING = { workspace: { configuration: true }, textDocument: { codeAction: { dataSupport: true, resolveSupport: { properties: ['edit'] } } } };

/** Every C source and header of the fixtures and the example driver. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return /\.[ch]$/.test(entry.name) ? [file] : [];
  });
}

function codeActions(client: LspClient, uri: string, range: Json, diagnostics: Json[], only?: string[]): Promise<Json[]> {
  return client.request('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics, ...(only ? { only } : {}) } });
}

/** didClose, resolved once the server has cleared the document's diagnostics (so a later open waits for its own). */
async function close(client: LspClient, uri: string): Promise<void> {
  const cleared = client.waitFor((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && m.params.diagnostics.length === 0 && m.params.version === undefined);
  client.notify('textDocument/didClose', { textDocument: { uri } });
  await cleared;
}

function withoutData(action: Json): Json {
  const { data: _data, ...rest } = action;
  return rest;
}

describe('codeAction/resolve: lazy edits equal the eager ones', () => {
  const lazy = serverForSuite({ capabilities: RESOLVING, initialize: false });
  const eager = serverForSuite();
  let initialized: Json;
  before(async () => {
    initialized = await lazy.initialize(RESOLVING);
  });

  test('the server says it resolves code actions', () => {
    assert.equal(initialized.capabilities.codeActionProvider.resolveProvider, true);
  });

  test('every action of every fixture finding: no edit until resolved, then the eager edit', async () => {
    let fixes = 0;
    let fixAlls = 0;
    for (const file of [...sources(FIXTURES), ...sources(EXAMPLES)]) {
      const uri = LspClient.uriOf(file);
      const text = fs.readFileSync(file, 'utf8');
      const [{ diagnostics }] = await Promise.all([eager.open(uri, text), lazy.open(uri, text)]);
      const requests = diagnostics.map((diagnostic: Json) => ({ range: diagnostic.range, diagnostics: [diagnostic], only: undefined as string[] | undefined }));
      requests.push({ range: { start: { line: 0, character: 0 }, end: { line: text.split('\n').length, character: 0 } }, diagnostics: [], only: [FIX_ALL] });
      for (const request of requests) {
        const expected = await codeActions(eager, uri, request.range, request.diagnostics, request.only);
        const offered = await codeActions(lazy, uri, request.range, request.diagnostics, request.only);
        const where = `${path.relative(FIXTURES, file)} ${JSON.stringify(request.range.start)} ${request.only ?? ''}`;
        assert.deepEqual(
          offered.map(withoutData),
          expected.map(({ edit: _edit, ...rest }) => rest),
          `the same actions, without their edits: ${where}`,
        );
        for (const [index, action] of offered.entries()) {
          assert.equal(action.edit, undefined, `${action.title}: no edit before resolve (${where})`);
          assert.ok(action.data, `${action.title}: data to resolve it with (${where})`);
          assert.ok(expected[index].edit, `the eager ${action.title} carries its edit (${where})`);
          const resolved = await lazy.request('codeAction/resolve', action);
          assert.deepEqual(resolved.data, action.data, 'resolve keeps the data');
          assert.deepEqual(withoutData(resolved), expected[index], `${action.title}: the resolved action is the eager one (${where})`);
          if (action.kind === FIX_ALL) fixAlls++;
          else if (!action.title.startsWith('Suppress ')) fixes++;
        }
      }
      await Promise.all([close(lazy, uri), close(eager, uri)]);
    }
    // The fixtures are there to carry fixes: a run that resolved none proves nothing.
    assert.ok(fixes >= 50, `${fixes} fixes resolved`);
    assert.ok(fixAlls >= 10, `${fixAlls} fix-all actions resolved`);
  });

  // A client that resolves edits but does not keep `data` between the two requests could not
  // resolve anything: it gets the edits eagerly too.
  const withoutDataSupport = serverForSuite({ capabilities: { textDocument: { codeAction: { resolveSupport: { properties: ['edit'] } } } } });
  for (const [label, client] of [
    ['without resolveSupport', eager],
    ['with resolveSupport but no dataSupport', withoutDataSupport],
  ] as const) {
    test(`a client ${label} gets every edit eagerly, and no data`, async () => {
      const file = path.join(EXAMPLES, 'ringbuf-drv', 'ringbuf.c');
      const uri = LspClient.uriOf(file);
      const { diagnostics } = await client.open(uri, fs.readFileSync(file, 'utf8'));
      let actions = 0;
      for (const diagnostic of diagnostics) {
        for (const action of await codeActions(client, uri, diagnostic.range, [diagnostic])) {
          assert.ok(action.edit?.changes?.[uri]?.length > 0, `${action.title} carries its edit`);
          assert.equal(action.data, undefined);
          actions++;
        }
      }
      assert.ok(actions > diagnostics.length, `${actions} actions for ${diagnostics.length} findings`);
      await close(client, uri);
    });
  }
});

/** A sleeping allocation under a spinlock: one finding with a GFP_ATOMIC fix. */
const LOCKED_REFILL = [
  '#include <linux/slab.h>',
  'static DEFINE_SPINLOCK(lock);',
  'static void *buf;',
  'void refill(void)',
  '{',
  '\tspin_lock(&lock);',
  '\tbuf = kmalloc(64, GFP_KERNEL);',
  '\tspin_unlock(&lock);',
  '}',
  '',
].join('\n');

describe('codeAction/resolve of an action that no longer applies', () => {
  const client = serverForSuite({ capabilities: RESOLVING });
  const uri = 'file:///tmp/kalloc-lsp-resolve/stale.c';
  const text = LOCKED_REFILL;
  let fix: Json;
  before(async () => {
    const { diagnostics } = await client.open(uri, text);
    const diagnostic = diagnostics.find((d: Json) => d.code === 'gfp-sleep-in-atomic');
    assert.ok(diagnostic, JSON.stringify(diagnostics));
    fix = (await codeActions(client, uri, diagnostic.range, [diagnostic])).find((action) => action.title === 'Use GFP_ATOMIC');
    assert.ok(fix, 'the GFP_ATOMIC fix is offered');
  });

  test('for the version it was offered for, it resolves to the fix', async () => {
    const resolved = await client.request('codeAction/resolve', fix);
    assert.match(applyLspEdits(text, resolved.edit.changes[uri]), /\tbuf = kmalloc\(64, GFP_ATOMIC\);/);
  });

  test('not one of ours, or naming what is not there: returned unchanged, never an error', async () => {
    const variants: Json[] = [
      { ...fix, data: { ...fix.data, uri: 'file:///tmp/kalloc-lsp-resolve/unknown.c' } },
      { ...fix, data: { ...fix.data, fix: 7 } },
      { ...fix, data: { ...fix.data, rule: 'kmalloc-too-large' } },
      { ...fix, data: { ...fix.data, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } } } },
      { ...fix, title: 'Use GFP_NOWAIT (renamed)' },
      { ...fix, data: { ...fix.data, action: 'rewrite' } },
      { ...fix, data: 'not ours' },
      { ...fix, data: { uri, version: 'one' } },
      { title: fix.title, kind: fix.kind },
    ];
    for (const action of variants) assert.deepEqual(await client.request('codeAction/resolve', action), action, JSON.stringify(action));
  });

  test('after an edit below the finding, an action of the old version resolves to itself, with no edit', async () => {
    // The finding keeps its rule, range and fix title: only the version tells the action is stale.
    const published = client.diagnosticsFor(uri, 2);
    client.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 9, character: 0 }, end: { line: 9, character: 0 } }, text: '/* tail */\n' }],
    });
    const { diagnostics } = await published;
    assert.deepEqual(diagnostics.find((d: Json) => d.code === 'gfp-sleep-in-atomic')?.range, fix.diagnostics[0].range, 'the finding is where it was');
    assert.deepEqual(await client.request('codeAction/resolve', fix), fix);
    assert.equal((await client.request('codeAction/resolve', { ...fix, data: { ...fix.data, version: 3 } })).edit, undefined, 'nor for a version yet to come');
  });

  test('after an edit that moves the finding, the old action resolves to itself', async () => {
    const published = client.diagnosticsFor(uri, 3);
    client.notify('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: '\n' }] });
    await published;
    assert.deepEqual(await client.request('codeAction/resolve', { ...fix, data: { ...fix.data, version: 3 } }), { ...fix, data: { ...fix.data, version: 3 } });
  });

  test('a closed document: the action resolves to itself', async () => {
    const [current] = await codeActions(client, uri, { start: { line: 7, character: 0 }, end: { line: 7, character: 0 } }, [], ['quickfix']);
    assert.ok(current?.data, 'an action of the current version');
    client.notify('textDocument/didClose', { textDocument: { uri } });
    assert.deepEqual(await client.request('codeAction/resolve', current), current);
  });
});

describe('one whole-file pass per version: hover, code actions and resolve reuse it', () => {
  // A long diagnostics delay: the hover, the code action and the resolve all come before the
  // diagnostics of the edit are due, so each of them could be the one to start the pass.
  const capabilities = { textDocument: RESOLVING.textDocument };
  const client = serverForSuite({ capabilities, initializationOptions: { settings: { diagnosticsDelay: 2000 } } });
  const uri = 'file:///tmp/kalloc-lsp-resolve/passes.c';
  const text = LOCKED_REFILL;
  const passes = async (): Promise<Json[]> => client.request('kernelAllocLens/test/analysisPasses', { uri });

  before(async () => {
    await client.open(uri, text);
  });

  test('opening the document: one pass, for its diagnostics', async () => {
    assert.deepEqual(await passes(), [{ version: 1, during: 'diagnostics' }]);
  });

  test('didChange, hover, codeAction and resolve of the new version: exactly one more pass, none started by the hover', async () => {
    const published = client.diagnosticsFor(uri, 2);
    client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 6, character: 15 }, end: { line: 6, character: 17 } }, text: '96' }] });
    const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 6, character: 9 } });
    assert.match(hover.contents.value, /kmalloc-96/, 'the hover reads the edited version');
    assert.deepEqual(
      (await passes()).filter((pass) => pass.during === 'hover'),
      [],
      'the hover ran no pass',
    );
    const [action] = (await codeActions(client, uri, { start: { line: 6, character: 0 }, end: { line: 6, character: 0 } }, [], ['quickfix'])).filter(
      (candidate) => candidate.title === 'Use GFP_ATOMIC',
    );
    assert.equal(action?.data?.version, 2);
    const resolved = await client.request('codeAction/resolve', action);
    assert.ok(resolved.edit, 'the resolve has its edit');
    await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 6, character: 9 } });
    const { diagnostics } = await published;
    assert.deepEqual(
      diagnostics.map((d: Json) => d.code),
      ['gfp-sleep-in-atomic'],
    );
    const ofVersion2 = (await passes()).filter((pass) => pass.version === 2);
    assert.equal(ofVersion2.length, 1, JSON.stringify(ofVersion2));
    assert.notEqual(ofVersion2[0].during, 'hover');
  });

  // Each of these edits the document, asks before the diagnostics are due, and checks the answer
  // is of the new version; the one pass of that version is then the diagnostics'.
  const change = (version: number, range: Json, newText: string) => client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text: newText }] });
  const at = (line: number, from: number, to: number) => ({ start: { line, character: from }, end: { line, character: to } });
  const WHOLE = { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } };
  const hints = async (): Promise<string[]> => (await client.request('textDocument/inlayHint', { textDocument: { uri }, range: WHOLE })).map((hint: Json) => hint.label);
  const lenses = async (): Promise<Json[]> => (await client.request('textDocument/codeLens', { textDocument: { uri } })).map((lens: Json) => [lens.range.start.line, lens.command.title]);
  const servedBy = async (line: number): Promise<string> =>
    (await client.request('kernelAllocLens/allocationAt', { textDocument: { uri }, position: { line, character: 9 } })).allocation.figures.find((figure: Json) => figure.label === 'served by').value;
  // Waits for the diagnostics first, so a failure leaves no waiter behind for the next test.
  const onePassOf = async (version: number, published: Promise<unknown>, handlers: string[]) => {
    await published;
    assert.deepEqual(
      (await passes()).filter((pass) => handlers.includes(pass.during)),
      [],
      `${handlers.join(', ')} ran no pass`,
    );
    assert.deepEqual(
      (await passes()).filter((pass) => pass.version === version),
      [{ version, during: 'diagnostics' }],
    );
  };

  test("didChange and inlayHint of the new version: one pass, the diagnostics'", async () => {
    const published = client.diagnosticsFor(uri, 3);
    change(3, at(6, 15, 17), '200');
    const hinted = await hints();
    await onePassOf(3, published, ['inlayHint']);
    assert.deepEqual(hinted, ['kmalloc-256 · 56 B unused'], 'the hint reads the edited version');
  });

  test("didChange and codeLens of the new version: one pass, the diagnostics'", async () => {
    const published = client.diagnosticsFor(uri, 4);
    change(4, at(3, 0, 0), '\n');
    const lensed = await lenses();
    await onePassOf(4, published, ['codeLens']);
    assert.deepEqual(lensed, [[4, 'may sleep: kmalloc() with GFP_KERNEL at line 8']], 'the lens reads the edited version');
  });

  test("didChange and allocationAt of the new version: one pass, the diagnostics'", async () => {
    const published = client.diagnosticsFor(uri, 5);
    change(5, at(7, 15, 18), '1000');
    const served = await servedBy(7);
    await onePassOf(5, published, ['allocationAt']);
    assert.match(served, /kmalloc-1k/, 'the map reads the edited version');
  });

  test("didChange, then inlayHint, codeLens, allocationAt and hover together: one pass, the diagnostics'", async () => {
    const published = client.diagnosticsFor(uri, 6);
    change(6, at(7, 15, 19), '4000');
    const [hinted, lensed, served, hover] = await Promise.all([hints(), lenses(), servedBy(7), client.request('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 9 } })]);
    await onePassOf(6, published, ['inlayHint', 'codeLens', 'allocationAt', 'hover']);
    assert.deepEqual(hinted, ['kmalloc-4k · 96 B unused']);
    assert.deepEqual(lensed, [[4, 'may sleep: kmalloc() with GFP_KERNEL at line 8']]);
    assert.match(served, /kmalloc-4k/);
    assert.match(hover.contents.value, /kmalloc-4k/);
  });
});

describe("inlay hints, code lenses and the allocator map after an edit equal a fresh server's, on every fixture", () => {
  // No workspace/configuration on either server, so the settings stay those of initializationOptions;
  // the edited one's diagnostics come 2 s after an edit, after its requests.
  const options = { showChainCommand: true };
  const fresh = serverForSuite({ capabilities: {}, initializationOptions: options });
  const edited = serverForSuite({ capabilities: {}, initializationOptions: { ...options, settings: { diagnosticsDelay: 2000 } } });
  const files = [...sources(FIXTURES), ...sources(EXAMPLES)];
  const texts = new Map(files.map((file) => [file, fs.readFileSync(file, 'utf8')]));

  // Every file is open on both servers, so each answers with the same open siblings.
  before(async () => {
    await Promise.all(files.flatMap((file) => [fresh.open(LspClient.uriOf(file), texts.get(file) ?? ''), edited.open(LspClient.uriOf(file), texts.get(file) ?? '')]));
  });

  /** The three answers for a document: hints over the whole text, its lenses, the map at each line's first call. */
  const answers = (client: LspClient, uri: string, text: string): Promise<Json[]> => {
    const lines = text.split('\n');
    const calls = lines.flatMap((line, index) => (line.indexOf('(') > 0 ? [{ line: index, character: line.indexOf('(') - 1 }] : []));
    return Promise.all([
      client.request('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } } }),
      client.request('textDocument/codeLens', { textDocument: { uri } }),
      ...[{ line: 0, character: 0 }, ...calls].map((position) => client.request('kernelAllocLens/allocationAt', { textDocument: { uri }, position })),
    ]);
  };

  test('typed and undone: the same hints, lenses and maps, and none of them ran a pass', async () => {
    let hintCount = 0;
    let lensCount = 0;
    let mapped = 0;
    for (const file of files) {
      const uri = LspClient.uriOf(file);
      const text = texts.get(file) ?? '';
      const expected = await answers(fresh, uri, text);
      // A character typed at the top and deleted again: the text of version 3 is the file's.
      const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
      edited.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: top, text: 'x' }] });
      edited.notify('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ range: { ...top, end: { line: 0, character: 1 } }, text: '' }] });
      const got = await answers(edited, uri, text);
      const where = path.relative(FIXTURES, file);
      assert.deepEqual(got[0], expected[0], `inlay hints: ${where}`);
      assert.deepEqual(got[1], expected[1], `code lenses: ${where}`);
      assert.deepEqual(got.slice(2), expected.slice(2), `allocator maps: ${where}`);
      const passes: Json[] = await edited.request('kernelAllocLens/test/analysisPasses', { uri });
      assert.deepEqual(
        passes.filter((pass) => ['inlayHint', 'codeLens', 'allocationAt'].includes(pass.during)),
        [],
        `no pass started by a hint, lens or map request: ${where}`,
      );
      hintCount += expected[0].length;
      lensCount += expected[1].length;
      mapped += expected.slice(2).filter((map: Json) => map?.allocation).length;
    }
    // The fixtures are there to carry hints, lenses and allocations: a run that compared none proves nothing.
    assert.ok(hintCount >= 100, `${hintCount} inlay hints compared`);
    assert.ok(lensCount >= 100, `${lensCount} code lenses compared`);
    assert.ok(mapped >= 200, `${mapped} allocator maps with an allocation compared`);
  });
});
