// Code lenses over --stdio: above each function entered in atomic context, why; above each
// function that may sleep, through which call; each runs kernelAllocLens.showChain with the
// chain's locations when the client registers that command. Flag-guarded, parameter-guarded and
// context-querying code gets no "may sleep" lens; mutual recursion ends.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, test } from 'node:test';
import { LspClient } from '../support/lspClient';
import { fixtureText } from '../support/fixtureText';
import { FIXTURES } from '../support/paths';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const file = path.join(FIXTURES, 'lens', 'lens.c');
const { text, lines, lineOf } = fixtureText(file);
const uri = LspClient.uriOf(file);

/** The definition line of a function (not its forward declaration). */
function definition(name: string): number {
  const found = lines.flatMap((line, index) => (new RegExp(`^static \\w+ ${name}\\(.*\\)$`).test(line) ? [index] : []));
  assert.equal(found.length, 1, `one definition of ${name}`);
  return found[0];
}

async function lenses(client: LspClient): Promise<Json[]> {
  return client.request('textDocument/codeLens', { textDocument: { uri } });
}

describe('a client that registers the chain command', () => {
  let client: LspClient;
  before(async () => {
    client = new LspClient();
    const result = await client.initialize({ workspace: { configuration: true, codeLens: { refreshSupport: true } } }, { showChainCommand: true });
    assert.deepEqual(result.capabilities.codeLensProvider, { resolveProvider: false });
    await client.open(uri, text);
  });
  after(async () => {
    await client.shutdown();
  });

  test('exact titles: atomic entries with their reason, functions that may sleep with their witness', async () => {
    const timerSetup = lineOf('timer_setup(') + 1;
    const got = (await lenses(client)).map((lens: Json) => [lens.range.start.line, lens.command.title]);
    assert.deepEqual(got, [
      [definition('lens_sizes'), `may sleep: kmalloc() with GFP_KERNEL at line ${lineOf('kmalloc(168,') + 1}`],
      [
        definition('lens_refill'),
        `atomic: called from lens_timer() at line ${lineOf('\tlens_refill(l);') + 1}; lens_timer() is a timer callback (timer softirq) registered by timer_setup at line ${timerSetup}`,
      ],
      [definition('lens_timer'), `atomic: timer callback (timer softirq), registered by timer_setup at line ${timerSetup}`],
      [definition('lens_update_locked'), `atomic: called from lens_update() at line ${lineOf('\tlens_update_locked(l);') + 1} with spin_lock(&l->lock) held`],
      [definition('lens_reset'), `may sleep: mutex_lock() at line ${lineOf('mutex_lock(') + 1}`],
      [definition('lens_setup'), 'may sleep: mutex_lock() via lens_reset()'],
      [definition('lens_even'), 'may sleep: usleep_range() via lens_odd()'],
      [definition('lens_odd'), `may sleep: usleep_range() at line ${lineOf('usleep_range(') + 1}`],
      [definition('lens_work'), `may sleep: msleep() at line ${lineOf('msleep(10)') + 1}`],
      [definition('lens_probe'), 'may sleep: mutex_lock() via lens_setup() → lens_reset()'],
    ]);
    // lens_flagged (if (l->can_sleep)), lens_asks (in_interrupt()), lens_wait (if (wait)) and
    // lens_update (a spinlock only) are not in the list: silence.
  });

  test('each lens runs kernelAllocLens.showChain with the chain, in order', async () => {
    const all = await lenses(client);
    const chain = (line: number, prefix: string) => {
      const lens = all.find((candidate: Json) => candidate.range.start.line === line && candidate.command.title.startsWith(prefix));
      assert.ok(lens, `a lens on line ${line}`);
      assert.equal(lens.command.command, 'kernelAllocLens.showChain');
      const [args] = lens.command.arguments;
      assert.equal(args.uri, uri);
      assert.deepEqual(args.position, { line, character: 0 });
      for (const location of args.locations) assert.equal(location.uri, uri);
      return args.locations.map((location: Json) => location.range.start.line);
    };
    assert.deepEqual(chain(definition('lens_probe'), 'may sleep'), [lineOf('\tlens_setup(l);'), definition('lens_setup') + 2, lineOf('mutex_lock(')]);
    assert.deepEqual(chain(definition('lens_refill'), 'atomic'), [lineOf('\tlens_refill(l);'), lineOf('timer_setup(')]);
    assert.deepEqual(chain(definition('lens_update_locked'), 'atomic'), [lineOf('\tlens_update_locked(l);'), lineOf('spin_lock(&l->lock)')]);
  });

  test('kernelAllocLens.codeLens.enabled = false: no lenses, and the client is asked to refresh', async () => {
    client.settings = { codeLens: { enabled: false } };
    const refreshed = client.waitFor((message) => message.method === 'workspace/codeLens/refresh');
    client.notify('workspace/didChangeConfiguration', { settings: null });
    await refreshed;
    assert.deepEqual(await lenses(client), []);
    client.settings = {};
    const again = client.waitFor((message) => message.method === 'workspace/codeLens/refresh');
    client.notify('workspace/didChangeConfiguration', { settings: null });
    await again;
    assert.equal((await lenses(client)).length, 10);
  });
});

test('a client that does not register the command gets the titles without a command to run', async () => {
  const client = new LspClient();
  try {
    await client.initialize();
    await client.open(uri, text);
    const all = await lenses(client);
    assert.equal(all.length, 10);
    for (const lens of all) {
      assert.equal(lens.command.command, '');
      assert.equal(lens.command.arguments, undefined);
    }
  } finally {
    await client.shutdown();
  }
});

test('a function of a sibling file: the chain crosses into it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-lens-'));
  const helper = path.join(dir, 'helper.c');
  const main = path.join(dir, 'main.c');
  fs.writeFileSync(helper, ['void drv_hw_reset(struct drv *d)', '{', '\tmsleep(5);', '}', ''].join('\n'));
  const mainText = [
    'static void drv_tick(struct timer_list *t)',
    '{',
    '\tdrv_hw_reset(NULL);',
    '}',
    'static int drv_probe(struct drv *d)',
    '{',
    '\ttimer_setup(&d->timer, drv_tick, 0);',
    '\treturn 0;',
    '}',
    '',
  ].join('\n');
  fs.writeFileSync(main, mainText);
  const client = new LspClient();
  try {
    await client.initialize({ workspace: { configuration: true } }, { showChainCommand: true });
    await client.open(LspClient.uriOf(main), mainText);
    const all = await client.request('textDocument/codeLens', { textDocument: { uri: LspClient.uriOf(main) } });
    assert.deepEqual(
      all.map((lens: Json) => [lens.range.start.line, lens.command.title]),
      [
        [0, 'atomic: timer callback (timer softirq), registered by timer_setup at line 7'],
        [0, 'may sleep: msleep() via drv_hw_reset()'],
      ],
    );
    const sleeps = all[1].command.arguments[0].locations;
    assert.deepEqual(
      sleeps.map((location: Json) => [location.uri, location.range.start.line]),
      [
        [LspClient.uriOf(main), 2],
        [LspClient.uriOf(helper), 2],
      ],
    );
  } finally {
    await client.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
