// The server's workspace index over --stdio: cross-file facts from the driver folder of an open
// document, kept current from watched-file events and from edits of open siblings, a dynamically
// registered watcher and a $/progress notification while indexing.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, test } from 'node:test';
import { LspClient, serverForSuite } from '../support/lspClient';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-lsp-index-'));
const hugeHeader = (bytes: number) => `struct huge {\n\tchar buf[${bytes}];\n};\n`;
const driver = '#include "huge.h"\nstatic int probe(void)\n{\n\tvoid *p = kmalloc(sizeof(struct huge), GFP_KERNEL);\n\treturn p ? 0 : -1;\n}\n';
const driverUri = LspClient.uriOf(path.join(dir, 'drv.c'));
const headerUri = LspClient.uriOf(path.join(dir, 'huge.h'));

fs.writeFileSync(path.join(dir, 'huge.h'), hugeHeader(8388608));
fs.writeFileSync(path.join(dir, 'drv.c'), driver);
// Enough siblings that indexing takes more than one slice.
for (let index = 0; index < 40; index++) fs.writeFileSync(path.join(dir, `part${index}.c`), `static int part${index}(void)\n{\n\treturn ${index};\n}\n`.repeat(20));
const client = serverForSuite({ capabilities: { workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } }, window: { workDoneProgress: true } } });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const tooLarge = (published: { diagnostics: { code?: unknown }[] }) => published.diagnostics.filter((d) => d.code === 'kmalloc-too-large').length;

test('the server registers a watcher for C sources', async () => {
  const registration = await client.waitFor((m) => m.method === 'client/registerCapability');
  assert.equal(registration.params.registrations[0].method, 'workspace/didChangeWatchedFiles');
  assert.deepEqual(registration.params.registrations[0].registerOptions.watchers, [{ globPattern: '**/*.{c,h}' }]);
});

test('opening a document indexes its folder with progress, and the first diagnostics use the sibling header', async () => {
  const created = client.waitFor((m) => m.method === 'window/workDoneProgress/create');
  const begun = client.waitFor((m) => m.method === '$/progress' && m.params.value.kind === 'begin');
  const ended = client.waitFor((m) => m.method === '$/progress' && m.params.value.kind === 'end');
  const published = await client.open(driverUri, driver);
  await created;
  assert.match((await begun).params.value.title, /indexing/);
  await ended;
  assert.equal(tooLarge(published), 1, JSON.stringify(published.diagnostics));
});

test('a watched-file change of the sibling updates the open document', async () => {
  fs.writeFileSync(path.join(dir, 'huge.h'), hugeHeader(64));
  const republished = client.diagnosticsFor(driverUri);
  client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: headerUri, type: 2 }] });
  assert.equal(tooLarge(await republished), 0);
});

test('an edit of the open sibling (unsaved) updates the other open document', async () => {
  await client.open(headerUri, hugeHeader(64));
  const republished = client.waitFor((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === driverUri && m.params.diagnostics.length > 0);
  client.notify('textDocument/didChange', {
    textDocument: { uri: headerUri, version: 2 },
    contentChanges: [{ range: { start: { line: 1, character: 10 }, end: { line: 1, character: 12 } }, text: '8388608' }],
  });
  assert.equal(tooLarge((await republished).params), 1);
});

test('no handler failed', () => {
  assert.doesNotMatch(client.stderr, /failed/);
  assert.equal(client.notifications.filter((m) => m.method === 'window/logMessage' && m.params.type === 1).length, 0);
});
