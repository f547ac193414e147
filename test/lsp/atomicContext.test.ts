// The atomic-context rules over --stdio: diagnostics with the rule id as code, the related chain
// back to the lock or registration, GFP quick fixes, the suppression action and the context hover.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { serverForSuite } from '../support/lspClient';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const uri = 'file:///tmp/kalloc-lsp-atomic/drv.c';
const text = [
  'struct drv { spinlock_t lock; void *buf; struct work_struct work; };', // 0
  'static void *drv_fill(struct drv *d)', // 1
  '{', // 2
  '\treturn kzalloc(64, GFP_KERNEL | __GFP_NOWARN);', // 3
  '}', // 4
  'static void drv_update(struct drv *d)', // 5
  '{', // 6
  '\tunsigned long flags;', // 7
  '\tspin_lock_irqsave(&d->lock, flags);', // 8
  '\td->buf = drv_fill(d);', // 9
  '\td->buf = kmalloc(8, GFP_KERNEL_ACCOUNT);', // 10
  '\tspin_unlock_irqrestore(&d->lock, flags);', // 11
  '\td->buf = drv_fill(d);', // 12
  '}', // 13
  'static irqreturn_t drv_irq(int irq, void *data)', // 14
  '{', // 15
  '\tmsleep(1);', // 16
  '\treturn IRQ_HANDLED;', // 17
  '}', // 18
  'static void drv_work(struct work_struct *w)', // 19
  '{', // 20
  '\tmsleep(1);', // 21
  '}', // 22
  'static int drv_probe(struct device *dev, struct drv *d)', // 23
  '{', // 24
  '\tINIT_WORK(&d->work, drv_work);', // 25
  '\treturn devm_request_irq(dev, 5, drv_irq, 0, "drv", d);', // 26
  '}', // 27
  '',
].join('\n');

const client = serverForSuite();
let diagnostics: Json[];
before(async () => {
  diagnostics = (await client.open(uri, text)).diagnostics.filter((d: Json) => /sleep-in-atomic/.test(d.code));
});

function at(line: number, code: string): Json {
  const found = diagnostics.find((d) => d.range.start.line === line && d.code === code);
  assert.ok(found, `a ${code} diagnostic on line ${line}; got ${JSON.stringify(diagnostics.map((d) => [d.range.start.line, d.code]))}`);
  return found;
}

async function actionsFor(diagnostic: Json): Promise<Json[]> {
  return client.request('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
}

test('exactly the atomic findings: helper allocation, lock region, IRQ handler; not the work handler', () => {
  const lines = diagnostics.map((d) => `${d.range.start.line}:${d.code}`).sort();
  assert.deepEqual(lines, ['10:gfp-sleep-in-atomic', '16:sleep-in-atomic', '3:gfp-sleep-in-atomic']);
  for (const d of diagnostics) assert.equal(d.severity, 2);
});

test('the helper finding walks the chain back to the lock and says other callers are affected', async () => {
  const helper = at(3, 'gfp-sleep-in-atomic');
  assert.match(helper.message, /drv_fill\(\) is called from drv_update\(\) at line 10, where spin_lock_irqsave\(&d->lock\) is held since line 9/);
  assert.match(helper.message, /1 other call site also uses: changing its flag affects them too/);
  assert.deepEqual(
    helper.relatedInformation.map((r: Json) => [r.location.range.start.line, r.message]),
    [
      [9, 'drv_fill() called here from drv_update()'],
      [8, 'spin_lock_irqsave(&d->lock) taken here'],
    ],
  );
  const actions = await actionsFor(helper);
  const atomic = actions.find((a) => a.title.startsWith('Use GFP_ATOMIC'));
  assert.ok(atomic, JSON.stringify(actions.map((a) => a.title)));
  assert.match(atomic.title, /in drv_fill\(\) \(affects its other callers\)/);
  assert.deepEqual(atomic.edit.changes[uri], [{ range: { start: { line: 3, character: 20 }, end: { line: 3, character: 30 } }, newText: 'GFP_ATOMIC' }]);
  const nowait = actions.find((a) => a.title.startsWith('Use GFP_NOWAIT'));
  assert.deepEqual(nowait.edit.changes[uri][0].newText, 'GFP_NOWAIT');
});

test('GFP_KERNEL_ACCOUNT becomes GFP_ATOMIC | __GFP_ACCOUNT, and the suppress action inserts the comment', async () => {
  const account = at(10, 'gfp-sleep-in-atomic');
  assert.deepEqual(
    account.relatedInformation.map((r: Json) => r.location.range.start.line),
    [8],
  );
  const actions = await actionsFor(account);
  const atomic = actions.find((a) => a.title === 'Use GFP_ATOMIC');
  assert.deepEqual(atomic.edit.changes[uri], [{ range: { start: { line: 10, character: 21 }, end: { line: 10, character: 39 } }, newText: 'GFP_ATOMIC | __GFP_ACCOUNT' }]);
  assert.equal(atomic.isPreferred, true);
  const suppress = actions.find((a) => a.title === 'Suppress gfp-sleep-in-atomic on this line');
  assert.deepEqual(suppress.edit.changes[uri], [{ range: { start: { line: 10, character: 0 }, end: { line: 10, character: 0 } }, newText: '\t/* kalloc-ignore: gfp-sleep-in-atomic */\n' }]);
});

test('the IRQ handler finding points at the registration and has no GFP fix', async () => {
  const irq = at(16, 'sleep-in-atomic');
  assert.match(irq.message, /drv_irq\(\) is a hard-IRQ handler registered by devm_request_irq at line 27/);
  assert.deepEqual(
    irq.relatedInformation.map((r: Json) => [r.location.range.start.line, r.message]),
    [[26, 'drv_irq() registered here as a hard-IRQ handler']],
  );
  const actions = await actionsFor(irq);
  assert.deepEqual(
    actions.map((a) => a.title),
    ['Suppress sleep-in-atomic on this line'],
  );
});

test('hover gives the context at a call: lock held, IRQ handler, process context, or nothing', async () => {
  const hover = (line: number, character: number) => client.request('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  assert.match((await hover(9, 11)).contents.value, /atomic: spin_lock_irqsave\(&d->lock\) held since line 9/);
  assert.match((await hover(16, 2)).contents.value, /atomic: hard-IRQ handler registered by devm_request_irq at line 27/);
  assert.match((await hover(21, 2)).contents.value, /process context: drv_work\(\) is a work handler \(kworker\) registered by INIT_WORK at line 26/);
  const unknown = await hover(12, 11);
  assert.ok(!unknown || !/Context/.test(unknown.contents.value), 'no context claim after the unlock in a function of unknown context');
});

test('a suppression comment silences the finding after an edit', async () => {
  const lines = text.split('\n');
  lines.splice(16, 0, '\t/* kalloc-ignore: sleep-in-atomic */');
  const published = client.diagnosticsFor(uri, 2);
  client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: lines.join('\n') }] });
  const after = (await published).diagnostics.filter((d: Json) => /sleep-in-atomic/.test(d.code));
  assert.deepEqual(after.map((d: Json) => `${d.range.start.line}:${d.code}`).sort(), ['10:gfp-sleep-in-atomic', '3:gfp-sleep-in-atomic']);
});

test('usb_submit_urb(…, GFP_KERNEL) in a URB completion handler gets the GFP_ATOMIC fix', async () => {
  const completionUri = 'file:///tmp/kalloc-lsp-atomic/urb.c';
  const source = [
    'static void urb_done(struct urb *urb)',
    '{',
    '\tusb_submit_urb(urb, GFP_KERNEL);',
    '}',
    'static int urb_start(struct urb *urb, struct usb_device *udev, void *buf)',
    '{',
    '\tusb_fill_bulk_urb(urb, udev, 0, buf, 64, urb_done, NULL);',
    '\treturn usb_submit_urb(urb, GFP_KERNEL);',
    '}',
    '',
  ].join('\n');
  const found = (await client.open(completionUri, source)).diagnostics.filter((d: Json) => /sleep-in-atomic/.test(d.code));
  assert.deepEqual(
    found.map((d: Json) => `${d.range.start.line}:${d.code}`),
    ['2:gfp-sleep-in-atomic'],
  );
  assert.match(found[0].message, /urb_done\(\) is a URB completion handler registered by usb_fill_bulk_urb at line 7/);
  const actions = await client.request('textDocument/codeAction', { textDocument: { uri: completionUri }, range: found[0].range, context: { diagnostics: [found[0]] } });
  const atomic = actions.find((a: Json) => a.title === 'Use GFP_ATOMIC');
  assert.deepEqual(atomic.edit.changes[completionUri], [{ range: { start: { line: 2, character: 21 }, end: { line: 2, character: 31 } }, newText: 'GFP_ATOMIC' }]);
});

test('no "process context" claim where a lock may be held on some paths', async () => {
  const pathsUri = 'file:///tmp/kalloc-lsp-atomic/paths.c';
  const source = [
    'static void paths_work(struct work_struct *w)',
    '{',
    '\tif (w->data)',
    '\t\tspin_lock(&paths_lock);',
    '\tkfree(w);',
    '}',
    'static int paths_probe(struct work_struct *w)',
    '{',
    '\tINIT_WORK(w, paths_work);',
    '\treturn 0;',
    '}',
    '',
  ].join('\n');
  await client.open(pathsUri, source);
  const hover = await client.request('textDocument/hover', { textDocument: { uri: pathsUri }, position: { line: 4, character: 2 } });
  assert.ok(!hover || !/Context/.test(hover.contents.value), JSON.stringify(hover));
});

test('no GFP_ATOMIC fix for a __GFP_NOFAIL mask: the message says to move the allocation instead', async () => {
  const nofailUri = 'file:///tmp/kalloc-lsp-atomic/nofail.c';
  const source = ['static void nofail(struct s *s)', '{', '\tspin_lock(&s->lock);', '\ts->skb = alloc_skb(64, GFP_KERNEL | __GFP_NOFAIL);', '\tspin_unlock(&s->lock);', '}', ''].join('\n');
  const found = (await client.open(nofailUri, source)).diagnostics.filter((d: Json) => d.code === 'gfp-sleep-in-atomic');
  assert.equal(found.length, 1);
  assert.match(found[0].message, /__GFP_NOFAIL needs a blocking mask/);
  const actions = await client.request('textDocument/codeAction', { textDocument: { uri: nofailUri }, range: found[0].range, context: { diagnostics: [found[0]] } });
  assert.deepEqual(
    actions.map((a: Json) => a.title),
    ['Suppress gfp-sleep-in-atomic on this line'],
  );
});
