// The ops-field facts of function and file summaries (analysis/locks/opsFields.ts): calls through
// a struct field with their struct type and path, calls of a parameter, arguments that may name a
// function, functions stored in struct fields, the struct declarations field paths resolve with,
// the context flags set; and the composition's edges from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { composeAtomic, refKey } from '../../server/src/analysis/locks/atomicEntry';
import { factsOf, fn, summaryOf } from '../support/summaries';

const DECLARATIONS = `
struct x_hw;
typedef int (*x_read_fn)(struct x_hw *hw, int reg);
struct x_phy_ops {
	int (*acquire)(struct x_hw *hw);
	void (*release)(struct x_hw *hw);
	x_read_fn read;
	int flags;
};
struct x_phy {
	struct x_phy_ops ops;
	union { int addr; struct x_phy_ops *alt; };
};
typedef struct x_hw {
	struct x_phy phy;
	spinlock_t lock;
} x_hw_t;
`;

test('calls through a struct field: struct type of the variable and field path; unknown type keeps the member', async () => {
  const file = await summaryOf(`${DECLARATIONS}
static void user(struct x_hw *hw, x_hw_t *other, void *opaque)
{
	struct x_phy *phy = &hw->phy;

	hw->phy.ops.release(hw);
	phy->ops.acquire(hw);
	(*other->phy.ops.release)(other);
	((struct x_phy *)opaque)->ops.release(hw);
	plain(hw);
}
`);
  const calls = fn(file, 'user').calls;
  assert.deepEqual(
    calls.map((call) => call.throughField),
    [
      { key: 'struct x_hw.phy.ops.release', field: 'release' },
      { key: 'struct x_phy.ops.acquire', field: 'acquire' },
      { key: 'x_hw_t.phy.ops.release', field: 'release' },
      { field: 'release' },
      undefined,
    ],
  );
});

test('struct declarations: function-pointer members (typedef ones too), struct members, anonymous unions, typedef names', async () => {
  const file = await summaryOf(DECLARATIONS);
  const records = Object.fromEntries(file.opsTypes.records.map((record) => [record.type, record.members]));
  assert.deepEqual(records['struct x_phy_ops'], [{ name: 'acquire', type: 'fn' }, { name: 'release', type: 'fn' }, { name: 'read', type: 'x_read_fn' }, { name: 'flags' }]);
  assert.deepEqual(records['struct x_phy'], [{ name: 'ops', type: 'struct x_phy_ops' }, { name: 'addr' }, { name: 'alt', type: 'struct x_phy_ops' }]);
  assert.deepEqual(records['struct x_hw'], [
    { name: 'phy', type: 'struct x_phy' },
    { name: 'lock', type: 'spinlock_t' },
  ]);
  assert.deepEqual(file.opsTypes.typedefs, [
    { name: 'x_read_fn', type: 'fn' },
    { name: 'x_hw_t', type: 'struct x_hw' },
  ]);
});

test('functions stored in fields: initialisers (nested, arrays of structs) and assignments; NULL and constants are not stores', async () => {
  const file = await summaryOf(`
struct x_drv { struct x_phy_ops ops; const char *name; };
static const struct x_phy_ops x_ops = { .acquire = x_acquire, .release = &x_release, .flags = X_FLAG };
static struct x_drv x_drivers[] = { { .ops = { .read = x_read }, .name = "a" }, { .ops.release = NULL } };
static void setup(struct x_hw *hw, struct x_phy_ops *ops)
{
	hw->phy.ops.release = x_release_slow;
	ops->read = x_read_slow;
	hw->phy.ops.flags = 1;
}
`);
  assert.deepEqual(
    file.opsStores.map((store) => [store.key, store.field, store.target, store.site.startLine]),
    [
      ['struct x_phy_ops.acquire', 'acquire', 'x_acquire', 2],
      ['struct x_phy_ops.release', 'release', 'x_release', 2],
      ['struct x_drv.ops.read', 'read', 'x_read', 3],
    ],
  );
  assert.deepEqual(
    fn(file, 'setup').opsStores.map((store) => [store.key, store.field, store.target]),
    [
      ['struct x_hw.phy.ops.release', 'release', 'x_release_slow'],
      ['struct x_phy_ops.read', 'read', 'x_read_slow'],
    ],
  );
});

test('calls of a parameter and arguments that may name a function; context flags set', async () => {
  const file = await summaryOf(`
static void run(struct p *p, void (*cb)(struct p *p), int n)
{
	cb(p);
	(*cb)(p);
}
static void user(struct p *p, void (*mine)(struct p *p))
{
	void (*local)(struct p *p) = pick(p);

	run(p, foo_cb, 3);
	run(p, &bar_cb, N_MAX);
	run(p, mine, 0);
	run(p, local, 0);
	p->pcm->nonatomic = true;
	p->other->nonatomic = 0;
}
static struct snd_soc_dai_link links[] = { { .nonatomic = 1 } };
`);
  assert.deepEqual(
    fn(file, 'run').calls.map((call) => call.calledParameter),
    [1, 1],
  );
  assert.deepEqual(
    fn(file, 'user')
      .calls.filter((call) => call.name === 'run')
      .map((call) => call.functionArguments),
    [[undefined, 'foo_cb', undefined], [undefined, 'bar_cb', undefined], undefined, undefined],
  );
  assert.deepEqual(fn(file, 'user').flagsSet, ['nonatomic']);
  assert.deepEqual(file.flagsSet, ['nonatomic']);
});

test('core-called ops rows register by struct type and field; the same field of another struct does not', async () => {
  const file = await summaryOf(`
static const struct snd_pcm_ops a_ops = { .trigger = a_trigger, .open = a_open };
static const struct my_ops b_ops = { .trigger = b_trigger };
`);
  assert.deepEqual(
    file.registrations.map((registration) => [registration.callback, registration.context, registration.via, registration.unlessFlag]),
    [
      ['a_trigger', 'atomic', '.trigger of struct snd_pcm_ops', 'nonatomic'],
      ['a_open', 'process', '.open', undefined],
    ],
  );
});

test('composition: a field path resolves through the folder declarations; a member name alone gives no edge', async () => {
  const db = new AnalysisDatabase();
  const header = await factsOf(
    `${DECLARATIONS}
struct y_ops { void (*release)(struct x_hw *hw); void (*kick)(struct x_hw *hw); };
`,
    '/drv/x.h',
  );
  const main = await factsOf(
    `
static void x_release(struct x_hw *hw) { }
static void y_release(struct x_hw *hw) { }
static void y_kick(struct x_hw *hw) { }
static const struct x_phy_ops x_ops = { .release = x_release };
static const struct y_ops y_ops = { .release = y_release, .kick = y_kick };
static void f_release(struct x_hw *hw) { }
static void f_kick(struct x_hw *hw) { }
static const struct file_operations f_ops = { .release = f_release, .kick = f_kick };
static void typed(struct x_hw *hw) { hw->phy.ops.release(hw); }
static void unknown(struct z *z) { z->ops->release(z->hw); z->ops->kick(z->hw); }
static int g_get(struct gpio_chip *gc, unsigned int offset) { return 0; }
static const struct gpio_chip g_chip = { .get = g_get };
static void kernel_struct(struct gpio_chip *gc) { gc->get(gc, 0); }
`,
    '/drv/x.c',
  );
  const view = db.atomicView(main, [header]);
  const self = view.self;
  const ref = (name: string) => ({ file: self, fn: view.files[self].functions.findIndex((entry) => entry.name === name) });
  const callers = (name: string) => view.composition.callersOf(ref(name)).map((site) => view.files[site.caller.file].functions[site.caller.fn].name);
  assert.deepEqual(callers('x_release'), ['typed']);
  assert.deepEqual(callers('y_release'), []);
  // A member name alone (the variable's type unknown) gives no edge, even when one struct of the folder has it.
  assert.deepEqual(callers('y_kick'), []);
  // A store into a known struct the folder does not declare is never taken for the folder's own one.
  assert.deepEqual(callers('f_kick'), []);
  // A call through a kernel struct's member (`gc->get`) may be another driver's instance: no edge,
  // not even to the calling file's own store.
  assert.deepEqual(callers('g_get'), []);
  // The same folder composed again from scratch gives the same edges (plain data, no hidden state).
  const again = composeAtomic(view.files);
  assert.deepEqual(
    again.callersOf(ref('y_kick')).map((site) => refKey(site.caller)),
    view.composition.callersOf(ref('y_kick')).map((site) => refKey(site.caller)),
  );
});

test('an edit that changes only an ops initialiser target changes the file semantic key (the composition is redone)', async () => {
  const db = new AnalysisDatabase();
  const before = await summaryOf('static const struct x_ops o = { .release = a_release };\nstatic void a_release(void) { }\n', db);
  const after = await summaryOf('static const struct x_ops o = { .release = b_release };\nstatic void a_release(void) { }\n', db);
  assert.notEqual(before.semanticKey, after.semanticKey);
});
