// The language server and the kernel headers' types of the index: a copy of the fixture tree with a
// .config is indexed in the background ("auto"); the driver's kzalloc of structs holding a header
// mutex is a costly order only once the index is loaded, and the hover's size row names the header.
// The cache goes to a temp XDG_CACHE_HOME, which the server inherits from this process.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { after, describe, test } from 'node:test';
import * as os from 'os';
import * as path from 'path';
import { LspClient, serverForSuite } from '../support/lspClient';
import { FIXTURES } from '../support/paths';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-lsp-hdr-')));
process.env.XDG_CACHE_HOME = path.join(work, 'cache');
after(() => fs.rmSync(work, { recursive: true, force: true }));

const root = path.join(work, 'linux');
fs.cpSync(path.join(FIXTURES, 'kernel-tree'), root, { recursive: true });
fs.writeFileSync(path.join(root, '.config'), 'CONFIG_X86_64=y\nCONFIG_64BIT=y\nCONFIG_SMP=y\nCONFIG_HDR_MUTEX_SPIN_ON_OWNER=y\n');
const DRIVER = path.join(root, 'drivers', 'hdrdemo', 'hdr_demo.c');
const TEXT = fs.readFileSync(DRIVER, 'utf8');
const SLOTS = TEXT.split('\n').findIndex((line) => line.includes('kzalloc(1024 * sizeof(*demo->slots)'));

describe('kernel-header types in the server', () => {
  const client = serverForSuite({ capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true } }, settings: { index: { build: 'auto' } } });

  test('the finding appears once the index is loaded, and the hover names the header', async () => {
    const uri = LspClient.uriOf(DRIVER);
    const first = await client.open(uri, TEXT);
    const costly = (diagnostics: Json[]) => diagnostics.filter((d: Json) => d.code === 'kmalloc-costly-order').map((d: Json) => d.range.start.line);
    assert.deepEqual(costly(first.diagnostics), [], 'from the folder alone every size here is unknown');
    // The kernel index's progress, not the driver folders' (which may end first on a loaded machine).
    const seenOrNext = (match: (m: Json) => boolean) => client.notifications.find(match) ?? client.waitFor(match, 60_000);
    const begun = await seenOrNext((m) => m.method === '$/progress' && m.params.value.kind === 'begin' && m.params.value.title === `Kernel Alloc Lens: indexing ${root}`);
    const ended = await seenOrNext((m) => m.method === '$/progress' && m.params.token === begun.params.token && m.params.value.kind === 'end');
    const endedAt = client.notifications.indexOf(ended);
    const republished = await client.waitFor((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && client.notifications.indexOf(m) > endedAt, 60_000);
    assert.ok(costly(republished.params.diagnostics).includes(SLOTS), JSON.stringify(republished.params.diagnostics.map((d: Json) => [d.code, d.range.start.line])));
    const character = TEXT.split('\n')[SLOTS].indexOf('kzalloc') + 2;
    const answer = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: SLOTS, character } });
    assert.ok(answer, 'a hover card');
    assert.match(
      answer.contents.value,
      /\| requested \| 40960 bytes \(40 KiB\) — .*sizeof\(struct hdr_demo_slot\) = 40 \(hdr_demo\.c\): lock 32 @0, tag 8 @32; from the kernel headers: struct hdr_mutex \(include\/linux\/hdr_lock\.h\)/,
    );
  });
});
