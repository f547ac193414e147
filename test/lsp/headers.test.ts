// Headers arrive as C++: VS Code (and Neovim) give every `.h` the language id `cpp`. Over --stdio,
// a driver or kernel header opened as `cpp` is analysed like C; a C++ project's header, a `.cpp`
// file and a lone `.h` outside any kernel tree get nothing (no diagnostics, hover or actions).
import assert from 'node:assert/strict';
import * as path from 'path';
import { describe, test } from 'node:test';
import { serverForSuite, temporaryFilesForSuite } from '../support/lspClient';

const HEADER = [
  '#include <linux/slab.h>',
  '#include <linux/spinlock.h>',
  'static DEFINE_SPINLOCK(drv_lock);',
  'static inline void *drv_refill(void)',
  '{',
  '\tvoid *p;',
  '\tspin_lock(&drv_lock);',
  '\tp = kmalloc(64, GFP_KERNEL);',
  '\tspin_unlock(&drv_lock);',
  '\treturn p;',
  '}',
  '',
].join('\n');
const CALL_LINE = 7;

describe('headers opened with languageId cpp', () => {
  const client = serverForSuite();
  const { file, root } = temporaryFilesForSuite('kalloc-lsp-headers-');
  const rules = (diagnostics: { code: string; range: { start: { line: number } } }[]) => diagnostics.map((d) => `${d.range.start.line}:${d.code}`);

  /** The server's decision not to analyse a document, which it logs when the document opens. */
  async function openIgnored(uri: string, languageId = 'cpp'): Promise<string> {
    const logged = client.waitFor((m) => m.method === 'window/logMessage' && m.params.message.startsWith(`not analysing ${uri}:`));
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text: HEADER } });
    const message: string = (await logged).params.message;
    assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position: { line: CALL_LINE, character: 6 } }), null);
    const range = { start: { line: CALL_LINE, character: 6 }, end: { line: CALL_LINE, character: 6 } };
    assert.deepEqual(await client.request('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [] } }), []);
    assert.equal(await client.request('kernelAllocLens/modelInUse', { uri }), null, 'no status bar model for it');
    return message.slice(`not analysing ${uri}: `.length);
  }

  test('a .h beside a .c file is a driver header: it gets the finding and the hover', async () => {
    file('drv/drv_main.c', 'int drv_probe(void) { return 0; }\n');
    const uri = file('drv/drv.h', HEADER);
    const published = await client.open(uri, HEADER, 1, 'cpp');
    assert.deepEqual(rules(published.diagnostics), [`${CALL_LINE}:gfp-sleep-in-atomic`]);
    const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: CALL_LINE, character: 6 } });
    assert.match(hover.contents.value, /kmalloc/);
  });

  test('a .h in a kernel tree with no .c beside it is a kernel header, modelled for that tree', async () => {
    file('linux/Makefile', 'VERSION = 6\nPATCHLEVEL = 6\nSUBLEVEL = 0\n');
    const uri = file('linux/include/linux/drv_helpers.h', HEADER);
    const published = await client.open(uri, HEADER, 1, 'cpp');
    assert.deepEqual(rules(published.diagnostics), [`${CALL_LINE}:gfp-sleep-in-atomic`]);
    const model = await client.request('kernelAllocLens/modelInUse', { uri });
    assert.match(model.label, /^kernel 6\.6 /);
  });

  test('a .h beside only C++ sources gets nothing', async () => {
    file('app/widget.cpp', 'int main() { return 0; }\n');
    file('app/widget_impl.hpp', '');
    const uri = file('app/widget.h', HEADER);
    assert.equal(await openIgnored(uri), 'a .h beside C++ sources only');
  });

  test('a .h beside only C++ sources gets nothing even inside a kernel tree', async () => {
    file('linux/tools/cxxtool/tool.cc', 'int main() { return 0; }\n');
    const uri = file('linux/tools/cxxtool/tool.h', HEADER);
    assert.equal(await openIgnored(uri), 'a .h beside C++ sources only');
  });

  test('C++ sources are never analysed, even beside .c files', async () => {
    const uri = file('drv/glue.cpp', HEADER);
    assert.equal(await openIgnored(uri), 'not a .h file');
    assert.equal(await openIgnored(file('drv/glue.hpp', HEADER)), 'not a .h file');
  });

  test('a lone .h outside a kernel tree gets nothing', async () => {
    const uri = file('misc/lone.h', HEADER);
    assert.match(await openIgnored(uri), /no \.c file beside it, outside a kernel tree/);
    assert.match(await openIgnored('untitled:Untitled-1'), /not a file on disk/);
  });

  test('no diagnostics were ever published for the documents not analysed', async () => {
    // The answers above are the deterministic check; this one looks at the wire itself: by the
    // time a later header's diagnostics arrive, those of documents opened before it would have too.
    file('late/late.c', '');
    await client.open(file('late/late.h', HEADER), HEADER, 1, 'cpp');
    const published = client.notifications.filter((m) => m.method === 'textDocument/publishDiagnostics').map((m) => path.relative(root(), new URL(m.params.uri).pathname));
    assert.deepEqual(published.sort(), ['drv/drv.h', 'late/late.h', 'linux/include/linux/drv_helpers.h']);
  });

  test('a .h the user set to C is analysed wherever it is', async () => {
    const uri = file('app/forced_c.h', HEADER);
    const published = await client.open(uri, HEADER, 1, 'c');
    assert.deepEqual(rules(published.diagnostics), [`${CALL_LINE}:gfp-sleep-in-atomic`]);
  });

  test('closing an ignored document is quiet and reopening it as C analyses it', async () => {
    const uri = file('misc/reopened.h', HEADER);
    await openIgnored(uri);
    client.notify('textDocument/didClose', { textDocument: { uri } });
    const published = await client.open(uri, HEADER, 2, 'c');
    assert.deepEqual(rules(published.diagnostics), [`${CALL_LINE}:gfp-sleep-in-atomic`]);
  });
});
