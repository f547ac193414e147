// The language server's workspace index on real files in a temporary folder: background indexing
// in slices, open documents' facts taken from the editor, file events, the memory budget.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, test } from 'node:test';
import { FileFacts, collectFileFacts } from '../../server/src/analysis/fileFacts';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { WorkspaceIndex, WorkspaceIndexHost } from '../../server/src/workspace/workspaceIndex';
import { parseText, sharedParser } from '../support/fixtures';

const created: string[] = [];
after(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

function tempFolder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-index-'));
  created.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Lets the index's setImmediate slices run until it is idle (bounded by a turn count, not time). */
async function drain(index: WorkspaceIndex): Promise<void> {
  for (let turn = 0; turn < 10_000 && !index.idle(); turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(index.idle(), 'the index finished its queue');
}

async function makeIndex(open: Map<string, FileFacts> = new Map(), cachedBytes?: number) {
  const parser = await sharedParser();
  const changed: string[] = [];
  const host: WorkspaceIndexHost = {
    parser,
    configFor: () => DEFAULT_CONFIG,
    maxFileSize: () => 1024 * 1024,
    isOpen: (file) => open.has(file),
    openFacts: (file) => open.get(file),
    folderChanged: (folder) => changed.push(folder),
  };
  return { index: new WorkspaceIndex(host, cachedBytes), changed, parser };
}

const fn = (name: string) => `static int ${name}(void)\n{\n\treturn 0;\n}\n`;

test('a folder is indexed in the background and complete once idle; the file itself is not its own sibling', async () => {
  const dir = tempFolder({ 'main.c': fn('probe'), 'rx.c': fn('rx_poll'), 'regs.h': '#define RX_LEN 64\n', 'notes.txt': 'x' });
  const { index, changed } = await makeIndex();
  const main = path.join(dir, 'main.c');
  const first = index.folderOf(main);
  assert.equal(first.complete, false, 'nothing is parsed synchronously');
  await drain(index);
  const view = index.folderOf(main);
  assert.equal(view.complete, true);
  assert.deepEqual(view.facts.map((facts) => path.basename(facts.path)).sort(), ['regs.h', 'rx.c']);
  assert.deepEqual(
    view.facts.find((facts) => facts.path.endsWith('rx.c'))!.functions.map((f) => f.name),
    ['rx_poll'],
  );
  assert.ok(changed.includes(dir), 'the host heard that the folder is ready');
  assert.notEqual(first.version, view.version);
  index.dispose();
});

test('an open sibling contributes the editor text, not the disk text', async () => {
  const dir = tempFolder({ 'a.c': fn('on_disk'), 'b.c': fn('other') });
  const parser = await sharedParser();
  const open = new Map<string, FileFacts>();
  const aPath = path.join(dir, 'a.c');
  const text = fn('in_editor');
  open.set(aPath, collectFileFacts(aPath, text, parseText(parser, text), DEFAULT_CONFIG));
  const { index } = await makeIndex(open);
  index.documentOpened(aPath);
  await drain(index);
  const names = index.folderOf(path.join(dir, 'b.c')).facts.flatMap((facts) => facts.functions.map((f) => f.name));
  assert.deepEqual(names, ['in_editor']);
  const before = index.folderOf(path.join(dir, 'b.c')).version;
  index.openChanged(aPath);
  assert.notEqual(index.folderOf(path.join(dir, 'b.c')).version, before, 'an edit of an open sibling invalidates cached analyses');
  index.dispose();
  open.get(aPath)!.tree.delete();
});

test('file events: a changed sibling is re-read, a new one appears, a deleted one disappears', async () => {
  const dir = tempFolder({ 'a.c': fn('first'), 'b.c': fn('other') });
  const { index } = await makeIndex();
  const bPath = path.join(dir, 'b.c');
  index.folderOf(bPath);
  await drain(index);
  const aPath = path.join(dir, 'a.c');
  fs.writeFileSync(aPath, fn('second'));
  index.fileChanged(aPath);
  const cPath = path.join(dir, 'c.c');
  fs.writeFileSync(cPath, fn('third'));
  index.fileChanged(cPath);
  await drain(index);
  assert.deepEqual(
    index.folderOf(bPath).facts.flatMap((facts) => facts.functions.map((f) => f.name)),
    ['second', 'third'],
  );
  fs.unlinkSync(aPath);
  index.fileChanged(aPath);
  await drain(index);
  assert.deepEqual(
    index.folderOf(bPath).facts.flatMap((facts) => facts.functions.map((f) => f.name)),
    ['third'],
  );
  index.dispose();
});

test('whole-tree indexing keeps summaries of every file but trees only within the budget', async () => {
  const files: Record<string, string> = {};
  for (let folder = 0; folder < 6; folder++) for (let file = 0; file < 3; file++) files[`drv${folder}/f${file}.c`] = fn(`fn_${folder}_${file}`) + '/* padding */\n'.repeat(50);
  files['drv0/blob.c'] = 'int x;\u0000\u0001';
  const dir = tempFolder(files);
  const oneFolderBytes = 3 * (fn('fn_0_0').length + '/* padding */\n'.length * 50);
  const { index } = await makeIndex(new Map(), oneFolderBytes * 2);
  assert.equal(await index.indexTree(dir), 6);
  await drain(index);
  const stats = index.stats();
  assert.equal(stats.summaries, 19);
  assert.ok(stats.bytesWithTrees <= oneFolderBytes * 2, `trees held for ${stats.bytesWithTrees} bytes of source`);
  assert.ok(stats.filesWithTrees >= 3 && stats.filesWithTrees < 18);
  const summaries = index.summaries();
  assert.deepEqual(summaries.get(path.join(dir, 'drv5', 'f2.c'))?.functions, ['fn_5_2']);
  assert.match(summaries.get(path.join(dir, 'drv0', 'blob.c'))?.skipped ?? '', /binary/);
  // A dropped folder is parsed again when a document in it is opened.
  const open = path.join(dir, 'drv0', 'f0.c');
  index.documentOpened(open);
  await drain(index);
  assert.equal(index.folderOf(open).complete, true);
  assert.equal(index.folderOf(open).facts.length, 2);
  index.dispose();
});
