// The differential test of the incremental engine: after every edit of a seeded sequence, what the
// server computes with its long-lived AnalysisDatabase on the incrementally re-parsed tree
// (summaries reused from earlier versions) equals a from-scratch analysis of the same text
// (fresh parse, fresh database): diagnostics, related chains, fixes and hovers.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import type { Node, Parser, Tree } from 'web-tree-sitter';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { FileFacts, collectFileFacts } from '../../server/src/analysis/fileFacts';
import { analyzeFile } from '../../server/src/analyzeFile';
import { hoverAt } from '../../server/src/features/hover';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { DocumentStore, TextChange } from '../../server/src/parsing/documentStore';
import { parseText, sharedParser } from '../support/fixtures';
import { EXAMPLES, FIXTURES } from '../support/paths';

function cFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...cFiles(full));
    else if (/\.[ch]$/.test(entry.name)) found.push(full);
  }
  return found;
}

/** A seeded generator (the same sequence on every run). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

function positionOf(text: string, index: number): { line: number; character: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length - 1;
  return { line, character: index - (before.lastIndexOf('\n') + 1) };
}

function change(text: string, start: number, end: number, inserted: string): TextChange {
  return { range: { start: positionOf(text, start), end: positionOf(text, end) }, text: inserted };
}

function topFunctions(tree: Tree): Node[] {
  return tree.rootNode.descendantsOfType('function_definition').filter((node): node is Node => !!node);
}

/** One edit of the kinds a developer makes: typing, deleting, moving a whole function, touching a lock call. */
function nextEdit(text: string, tree: Tree, next: () => number): TextChange {
  const at = (limit: number) => Math.floor(next() * limit);
  const kind = at(13);
  const functions = topFunctions(tree);
  if (kind === 0 && functions.length > 1) {
    // Cut a whole function (and paste it at the end, as the next edit of this kind may).
    const fn = functions[at(functions.length)];
    return change(text, fn.startIndex, fn.endIndex, '');
  }
  if (kind === 1 && functions.length > 0) {
    // Paste a copy of a function after another one.
    const source = functions[at(functions.length)];
    const after = functions[at(functions.length)];
    return change(text, after.endIndex, after.endIndex, `\n\n${source.text.replace(/\b(\w+)\s*\(/, '$1_copy(')}\n`);
  }
  if (kind === 2 || kind === 5) {
    // Touch a lock call: delete it, or turn an unlock into a lock. Half of these land in a function
    // that others call (a lock wrapper or unlock helper), whose callers' summaries depend on it.
    const called = functions.filter((fn) => {
      const name = fn.childForFieldName('declarator')?.text.match(/(\w+)\s*\(/)?.[1];
      return !!name && (text.slice(0, fn.startIndex) + text.slice(fn.endIndex)).includes(`${name}(`);
    });
    const scope = kind === 5 && called.length > 0 ? called[at(called.length)] : undefined;
    const base = scope ? scope.startIndex : 0;
    const locks = [...(scope ? scope.text : text).matchAll(/\b(spin_|raw_spin_|read_|write_|mutex_)(un)?lock\w*\s*\(/g)];
    if (locks.length > 0) {
      const match = locks[at(locks.length)];
      const start = base + match.index!;
      if (match[2]) return change(text, start + match[1].length, start + match[1].length + 2, '');
      const end = text.indexOf(';', start);
      if (end > start) return change(text, start, end + 1, '');
    }
  }
  if (kind === 3) {
    // Swap a GFP flag.
    const flags = [...text.matchAll(/\bGFP_(KERNEL|ATOMIC|NOWAIT)\b/g)];
    if (flags.length > 0) {
      const match = flags[at(flags.length)];
      return change(text, match.index!, match.index! + match[0].length, match[0] === 'GFP_KERNEL' ? 'GFP_ATOMIC' : 'GFP_KERNEL');
    }
  }
  if (kind === 4) {
    // A new line (every later function moves down).
    const index = at(text.length + 1);
    return change(text, index, index, '\n');
  }
  const lineStarts = [0, ...[...text.matchAll(/\n/g)].map((match) => match.index! + 1)];
  if (kind === 10) {
    // Re-indent a line (the declaration scan's reuse for indentation, a body's or a table's).
    const line = lineStarts[at(lineStarts.length)];
    if (/[ \t]/.test(text[line] ?? '') && next() < 0.5) return change(text, line, line + 1, '');
    return change(text, line, line, next() < 0.5 ? ' ' : '\t');
  }
  if (kind === 11) {
    // Add or remove a #define or a __noreturn declaration: the folder's path names change (a
    // sibling's #ifdef or a caller's noreturn call reads them).
    const defines = [...text.matchAll(/^#define \w+.*\n|^.*__noreturn.*;\n/gm)];
    if (defines.length > 0 && next() < 0.5) {
      const match = defines[at(defines.length)];
      return change(text, match.index!, match.index! + match[0].length, '');
    }
    const line = lineStarts[at(lineStarts.length)];
    const names = [...text.matchAll(/^#if(?:def|ndef)?\s+(?:defined\s*\(?\s*)?(\w+)/gm)].map((match) => match[1]);
    const name = names.length > 0 && next() < 0.7 ? names[at(names.length)] : `KALLOC_EDIT_${at(3)}`;
    return change(text, line, line, next() < 0.7 ? `#define ${name} 1\n` : `void ${name.toLowerCase()}(void) __noreturn;\n`);
  }
  if (kind === 12) {
    // Type into an initializer or declaration outside a function (the declaration scan runs again).
    const line = lineStarts[at(lineStarts.length)];
    const end = text.indexOf('\n', line);
    const lineEnd = end === -1 ? text.length : end;
    return change(text, lineEnd, lineEnd, [' ', 'x', ',', '0', ' | 1'][at(5)]);
  }
  if (kind < 7) {
    const index = at(text.length + 1);
    const inserted = [' ', ';', '{', '}', 'x', '(', ')', '\n', '/*', '*/', 'spin_lock(&l);', 'msleep(1);'][at(12)];
    return change(text, index, index, inserted);
  }
  const start = at(text.length);
  return change(text, start, Math.min(text.length, start + 1 + at(6)), '');
}

interface Snapshot {
  findings: unknown;
  failures: unknown;
  skipped: unknown;
  hovers: (string | undefined)[];
}

/** Calls whose callee the hover test points at: every catalogued or sleeping-looking call. */
function hoverPoints(text: string): { line: number; character: number }[] {
  return [...text.matchAll(/\b(k\w*alloc\w*|v\w*alloc|dma_\w+|mutex_lock|msleep|spin_lock\w*|regmap_\w+|\w+_helper\w*|usb_\w+)\s*\(/g)].slice(0, 40).map((match) => positionOf(text, match.index! + 1));
}

function snapshot(db: AnalysisDatabase, facts: FileFacts, folder: readonly FileFacts[], withHovers: boolean): Snapshot {
  const report = analyzeFile(facts, folder, {}, db);
  const hovers = withHovers ? hoverPoints(facts.text).map((point) => hoverAt(db, facts, folder, point.line, point.character)?.markdown) : [];
  return { findings: report.findings, failures: report.failures, skipped: report.skipped, hovers };
}

function freshFacts(parser: Parser, file: string, text: string): FileFacts {
  return collectFileFacts(file, text, parseText(parser, text), DEFAULT_CONFIG);
}

const EDITS_PER_FILE = 16;

test('incremental analysis equals a from-scratch analysis after every edit (every fixture and the example driver)', async () => {
  const parser = await sharedParser();
  const files = [...cFiles(FIXTURES), ...cFiles(EXAMPLES)];
  assert.ok(files.length >= 20, `found ${files.length} fixture files`);
  let compared = 0;
  let withFindings = 0;
  for (const [fileIndex, file] of files.entries()) {
    const next = random(1000 + fileIndex);
    const siblings = cFiles(path.dirname(file)).filter((other) => other !== file && path.dirname(other) === path.dirname(file));
    const siblingTexts = new Map(siblings.map((other) => [other, fs.readFileSync(other, 'utf8')]));
    const store = new DocumentStore(parser);
    const uri = `file://${file}`;
    store.open(uri, 1, fs.readFileSync(file, 'utf8'));
    const db = new AnalysisDatabase();
    // The incremental side keeps its sibling facts until a sibling changes, as the server's index does.
    const liveSiblings = new Map(siblings.map((other) => [other, freshFacts(parser, other, siblingTexts.get(other)!)]));
    for (let step = 0; step <= EDITS_PER_FILE; step++) {
      if (step > 0) {
        if (siblings.length > 0 && next() < 0.15) {
          // Edit a sibling file of the folder.
          const sibling = siblings[Math.floor(next() * siblings.length)];
          const before = siblingTexts.get(sibling)!;
          const tree = parseText(parser, before);
          const edit = nextEdit(before, tree, next);
          tree.delete();
          const scratch = new DocumentStore(parser);
          scratch.open('file:///sibling', 1, before);
          scratch.change('file:///sibling', 2, [edit]);
          siblingTexts.set(sibling, scratch.get('file:///sibling')!.text);
          liveSiblings.get(sibling)!.tree.delete();
          liveSiblings.set(sibling, freshFacts(parser, sibling, siblingTexts.get(sibling)!));
          scratch.close('file:///sibling');
        } else {
          const document = store.get(uri)!;
          store.change(uri, step + 1, [nextEdit(document.text, document.tree, next)]);
        }
      }
      const document = store.get(uri)!;
      const withHovers = step % 6 === 0;
      const incremental = snapshot(db, collectFileFacts(file, document.text, document.tree, DEFAULT_CONFIG), [...liveSiblings.values()], withHovers);
      const freshFolder = siblings.map((other) => freshFacts(parser, other, siblingTexts.get(other)!));
      const self = freshFacts(parser, file, document.text);
      const scratch = snapshot(new AnalysisDatabase(), self, freshFolder, withHovers);
      assert.deepEqual(incremental, scratch, `${path.relative(FIXTURES, file)} after edit ${step}: incremental and from-scratch analyses differ`);
      self.tree.delete();
      freshFolder.forEach((facts) => facts.tree.delete());
      compared++;
      if ((incremental.findings as unknown[]).length > 0) withFindings++;
    }
    store.close(uri);
    liveSiblings.forEach((facts) => facts.tree.delete());
  }
  // The comparison means something only if many versions had findings to compare.
  assert.ok(withFindings > compared / 3, `${withFindings} of ${compared} versions had findings`);
});

test('incremental analysis equals a from-scratch analysis when what path conditions read changes: a #define in the file, one in its header', async () => {
  const parser = await sharedParser();
  const file = path.join(FIXTURES, 'atomic/paths/pc.c');
  const header = path.join(FIXTURES, 'atomic/paths/pc.h');
  const originalHeader = fs.readFileSync(header, 'utf8');
  const store = new DocumentStore(parser);
  const uri = `file://${file}`;
  store.open(uri, 1, fs.readFileSync(file, 'utf8'));
  const db = new AnalysisDatabase();
  let headerFacts = freshFacts(parser, header, originalHeader);
  const define = '#define PC_TRACE_SLEEPS 1\n';
  // Each step edits the file (a change of its current text) or replaces the header's text.
  const steps: { edit?: (text: string) => TextChange; headerText?: string }[] = [
    {},
    { edit: (text) => change(text, text.indexOf('#define PC_SLEEPY'), text.indexOf('#define PC_SLEEPY'), define) },
    { headerText: originalHeader.replace('#define PC_HAVE_STATS 1\n', '') },
    { edit: (text) => change(text, text.indexOf(define), text.indexOf(define) + define.length, '') },
    { headerText: originalHeader },
  ];
  let differed = 0;
  let previous: string | undefined;
  for (const [index, step] of steps.entries()) {
    if (step.edit) store.change(uri, index + 2, [step.edit(store.get(uri)!.text)]);
    if (step.headerText !== undefined) {
      headerFacts.tree.delete();
      headerFacts = freshFacts(parser, header, step.headerText);
    }
    const document = store.get(uri)!;
    const incremental = snapshot(db, collectFileFacts(file, document.text, document.tree, DEFAULT_CONFIG), [headerFacts], false);
    const freshHeader = freshFacts(parser, header, headerFacts.text);
    const self = freshFacts(parser, file, document.text);
    const scratch = snapshot(new AnalysisDatabase(), self, [freshHeader], false);
    assert.deepEqual(incremental, scratch, `step ${index}: incremental and from-scratch analyses differ`);
    const findings = JSON.stringify(scratch.findings);
    if (previous !== undefined && findings !== previous) differed++;
    previous = findings;
    self.tree.delete();
    freshHeader.tree.delete();
  }
  // Every edit must change the findings, or the comparison proves nothing about them.
  assert.equal(differed, steps.length - 1, `the findings changed at ${differed} of ${steps.length - 1} steps`);
  store.close(uri);
  headerFacts.tree.delete();
});

test('incremental analysis equals a from-scratch analysis when a global variable the sizes read is edited', async () => {
  const parser = await sharedParser();
  const file = '/virtual/globals/gl.c';
  const text = [
    '#include <linux/slab.h>',
    'static unsigned char scratch_buffer[64];',
    'static void *gl_alloc(void)',
    '{',
    '\treturn kmalloc(sizeof(scratch_buffer) * 1024 * 1024, GFP_KERNEL);',
    '}',
    '',
  ].join('\n');
  const store = new DocumentStore(parser);
  const uri = `file://${file}`;
  store.open(uri, 1, text);
  const db = new AnalysisDatabase();
  const at = text.indexOf('[64]') + 1;
  // 64 MiB (no slab or page allocator serves it), then 1 MiB, then 64 MiB again.
  const edits = [(current: string) => change(current, at, at + 2, '1'), (current: string) => change(current, at, at + 1, '64')];
  const seen: string[] = [];
  for (let step = 0; step <= edits.length; step++) {
    if (step > 0) store.change(uri, step + 1, [edits[step - 1](store.get(uri)!.text)]);
    const document = store.get(uri)!;
    const incremental = snapshot(db, collectFileFacts(file, document.text, document.tree, DEFAULT_CONFIG), [], false);
    const self = freshFacts(parser, file, document.text);
    const scratch = snapshot(new AnalysisDatabase(), self, [], false);
    self.tree.delete();
    assert.deepEqual(incremental, scratch, `step ${step}: incremental and from-scratch analyses differ`);
    seen.push(JSON.stringify(scratch.findings));
  }
  assert.notEqual(seen[0], seen[1], 'the edit changes the findings');
  assert.equal(seen[0], seen[2]);
  store.close(uri);
});

test('incremental analysis equals a from-scratch analysis when only what a function reads elsewhere changes (per-function rule results)', async () => {
  const parser = await sharedParser();
  const file = '/virtual/rulecache/rc_main.c';
  const sibling = '/virtual/rulecache/rc_irq.c';
  // rc_fill() is atomic through rc_update()'s lock (its chain cites that call), rc_report()
  // through rc_irq.c's handler; rc_lock_it() is a lock wrapper rc_wrapped() relies on. Each step
  // leaves some function's text as it was while what its findings cite moves or changes.
  const text = [
    '#include <linux/spinlock.h>',
    '#include <linux/slab.h>',
    '#include <linux/delay.h>',
    '',
    'struct rc_priv { spinlock_t lock; void *buf; };',
    'static DEFINE_SPINLOCK(rc_lock);',
    '',
    'static void *rc_fill(void)',
    '{',
    '\treturn kmalloc(64, GFP_KERNEL);',
    '}',
    '',
    'void rc_report(void)',
    '{',
    '\tmsleep(1);',
    '}',
    '',
    'static void rc_lock_it(struct rc_priv *p) __acquires(&p->lock)',
    '{',
    '\tspin_lock(&p->lock);',
    '}',
    '',
    'void rc_wrapped(struct rc_priv *p)',
    '{',
    '\trc_lock_it(p);',
    '\tp->buf = kzalloc(32, GFP_KERNEL);',
    '\tspin_unlock(&p->lock);',
    '}',
    '',
    'void rc_update(void)',
    '{',
    '\tspin_lock(&rc_lock);',
    '\trc_fill();',
    '\tspin_unlock(&rc_lock);',
    '}',
    '',
  ].join('\n');
  const siblingText = [
    '#include <linux/interrupt.h>',
    '',
    'void rc_report(void);',
    '',
    'static irqreturn_t rc_irq(int irq, void *data)',
    '{',
    '\trc_report();',
    '\treturn IRQ_HANDLED;',
    '}',
    '',
    'int rc_probe(struct device *dev, int irq)',
    '{',
    '\treturn request_irq(irq, rc_irq, 0, "rc", dev);',
    '}',
    '',
  ].join('\n');
  const store = new DocumentStore(parser);
  const uri = `file://${file}`;
  store.open(uri, 1, text);
  const db = new AnalysisDatabase();
  let siblingFacts = freshFacts(parser, sibling, siblingText);
  const at = (current: string, needle: string) => {
    const index = current.indexOf(needle);
    assert.ok(index >= 0, `${needle} is in the text`);
    return index;
  };
  const steps: { edit?: (current: string) => TextChange; siblingText?: (current: string) => string }[] = [
    {},
    // rc_update()'s call moves a line down (the composition stays: no call is added): rc_fill()'s
    // text and rows stay, its chain moves.
    { edit: (current) => change(current, at(current, '\trc_fill();'), at(current, '\trc_fill();'), '\t/* refill */\n') },
    // The handler's call moves in the sibling: rc_report()'s chain cites the other file.
    { siblingText: (current) => current.replace('\trc_report();', '\t/* report */\n\trc_report();') },
    // The lock wrapper no longer takes a lock: rc_wrapped()'s text stays, its context goes.
    { edit: (current) => change(current, at(current, '\tspin_lock(&p->lock);'), at(current, '\tspin_lock(&p->lock);') + '\tspin_lock(&p->lock);'.length, '\tmutex_lock(NULL);') },
    // The handler stops calling rc_report(): nothing of rc_main.c changes, its finding goes.
    { siblingText: (current) => current.replace('\trc_report();\n', '') },
  ];
  let previous: string | undefined;
  let differed = 0;
  for (const [index, step] of steps.entries()) {
    if (step.edit) store.change(uri, index + 2, [step.edit(store.get(uri)!.text)]);
    if (step.siblingText) {
      const updated = step.siblingText(siblingFacts.text);
      siblingFacts.tree.delete();
      siblingFacts = freshFacts(parser, sibling, updated);
    }
    const document = store.get(uri)!;
    const incremental = snapshot(db, collectFileFacts(file, document.text, document.tree, DEFAULT_CONFIG), [siblingFacts], true);
    const freshSibling = freshFacts(parser, sibling, siblingFacts.text);
    const self = freshFacts(parser, file, document.text);
    const scratch = snapshot(new AnalysisDatabase(), self, [freshSibling], true);
    assert.deepEqual(incremental, scratch, `step ${index}: incremental and from-scratch analyses differ`);
    const findings = JSON.stringify(scratch.findings);
    if (previous !== undefined && findings !== previous) differed++;
    previous = findings;
    self.tree.delete();
    freshSibling.tree.delete();
  }
  // Every step changes the findings (or the comparison proves nothing), and functions whose
  // inputs did not change kept their results (or the per-function cache was not exercised).
  assert.equal(differed, steps.length - 1, `the findings changed at ${differed} of ${steps.length - 1} steps`);
  assert.ok(db.functionWork.reused > 0, `${db.functionWork.reused} per-function results reused`);
  store.close(uri);
  siblingFacts.tree.delete();
});

test('incremental analysis equals a from-scratch analysis when a helper that hands a buffer on to a DMA sink moves or is edited (reused DMA passes)', async () => {
  const parser = await sharedParser();
  const file = '/virtual/rulecache/rc_dma.c';
  const text = [
    '#include <linux/usb.h>',
    '#include <linux/slab.h>',
    '',
    'static int __rc_send(struct usb_device *udev, void *data, u16 size)',
    '{',
    '\treturn usb_control_msg(udev, usb_sndctrlpipe(udev, 0), 1, USB_DIR_OUT | USB_TYPE_VENDOR, 0, 0, data, size, 1000);',
    '}',
    '',
    'int rc_send(struct usb_device *udev, void *data, u16 size)',
    '{',
    '\treturn __rc_send(udev, data, size);',
    '}',
    '',
    'int rc_setup(struct usb_device *udev)',
    '{',
    '\tu8 status;',
    '',
    '\treturn rc_send(udev, &status, 1);',
    '}',
    '',
  ].join('\n');
  const store = new DocumentStore(parser);
  const uri = `file://${file}`;
  store.open(uri, 1, text);
  const db = new AnalysisDatabase();
  const at = (current: string, needle: string) => {
    const index = current.indexOf(needle);
    assert.ok(index >= 0, `${needle} is in the text`);
    return index;
  };
  const pass = '\treturn __rc_send(udev, data, size);';
  const edits = [
    // Every definition moves a line down with its text unchanged: their passes are reused, at the new rows.
    (current: string) => change(current, at(current, '\nstatic int'), at(current, '\nstatic int'), '\n'),
    // rc_send()'s text changes and its call to __rc_send() moves: its passes are made again.
    (current: string) => change(current, at(current, pass), at(current, pass), '\t/* forward */\n'),
    // rc_send() hands on a copy: it passes nothing on any more.
    (current: string) => change(current, at(current, pass), at(current, pass) + pass.length, '\tvoid *copy = kmemdup(data, size, GFP_KERNEL);\n\n\treturn __rc_send(udev, copy, size);'),
  ];
  let previous: string | undefined;
  let differed = 0;
  for (let step = 0; step <= edits.length; step++) {
    if (step > 0) store.change(uri, step + 1, [edits[step - 1](store.get(uri)!.text)]);
    const document = store.get(uri)!;
    const incremental = snapshot(db, collectFileFacts(file, document.text, document.tree, DEFAULT_CONFIG), [], true);
    const self = freshFacts(parser, file, document.text);
    const scratch = snapshot(new AnalysisDatabase(), self, [], true);
    self.tree.delete();
    assert.deepEqual(incremental, scratch, `step ${step}: incremental and from-scratch analyses differ`);
    const findings = JSON.stringify(scratch.findings);
    if (step === 0) assert.match(findings, /passes it to `usb_control_msg\(\)` at rc_dma\.c:6 via __rc_send\(\)/);
    if (previous !== undefined && findings !== previous) differed++;
    previous = findings;
  }
  assert.equal(differed, edits.length, `the findings changed at ${differed} of ${edits.length} steps`);
  store.close(uri);
});
