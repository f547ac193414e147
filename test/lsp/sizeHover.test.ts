// The size a hover reports through the real server, when it needs the driver folder: a macro
// and a struct from `#include "drv.h"` on disk, sizeof(*p) through a local declaration, and the
// member layout in the 'requested' row.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { serverForSuite } from '../support/lspClient';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-size-hover-'));
const header = ['#define FW_LEN 70000', 'struct big_state {', '\tu8 hdrs[1536];', '\tu8 fw_image[FW_LEN];', '};', ''].join('\n');
const source = ['#include "drv.h"', 'static int probe(void)', '{', '\tstruct big_state *st = kzalloc(sizeof(*st), GFP_KERNEL);', '\treturn st ? 0 : -ENOMEM;', '}', ''].join('\n');
fs.writeFileSync(path.join(dir, 'drv.h'), header);
fs.writeFileSync(path.join(dir, 'drv.c'), source);
const uri = pathToFileURL(path.join(dir, 'drv.c')).href;

const client = serverForSuite();
before(async () => {
  await client.open(uri, source);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('hover on kzalloc(sizeof(*st)) shows the struct layout from the included header', async () => {
  const answer = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 26 } });
  assert.ok(answer, 'a hover card');
  const card: string = answer.contents.value;
  assert.match(card, /\| requested \| 71536 bytes — sizeof\(\*st\) = sizeof\(struct big_state\) = 71536 \(drv\.h\): hdrs 1536 @0, fw_image 70000 @1536 \|/);
  assert.match(card, /page allocator, order 5 \(128 KiB compound page\), 59536 bytes unused/);
});
