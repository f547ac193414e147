// The atomic-context tables: consistent among themselves and with the allocation catalogue.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALLOC_APIS, FREE_APIS } from '../../server/src/model/apis';
import { CALLBACK_REGISTRATIONS, SECTION_CLOSERS, SECTION_OPENERS, sectionCloser, sectionOpener } from '../../server/src/model/contexts';
import { GFP_TAKERS, SLEEPERS, sleeper } from '../../server/src/model/sleepers';

test('every section class that opens also closes, and the reverse', () => {
  const opened = new Set(SECTION_OPENERS.map((row) => row.class));
  const closed = new Set(SECTION_CLOSERS.map((row) => row.class));
  assert.deepEqual([...opened].sort(), [...closed].sort());
  assert.equal(sectionOpener('spin_lock_irqsave')?.class, 'spin');
  assert.equal(sectionCloser('spin_unlock_irqrestore')?.class, 'spin');
  assert.equal(sectionOpener('mutex_lock'), undefined, 'mutexes are sleeping locks, not atomic sections');
});

test('trylocks are conditional and nothing else is', () => {
  for (const row of SECTION_OPENERS) {
    assert.equal('conditional' in row && row.conditional === true, row.name.includes('trylock'), row.name);
  }
});

test('the sleepers table never restates an allocation or free API (those come from model/apis.ts)', () => {
  const catalogued = new Set<string>([...ALLOC_APIS.map((api) => api.name), ...FREE_APIS.map((api) => api.name)]);
  for (const row of [...SLEEPERS, ...GFP_TAKERS]) assert.ok(!catalogued.has(row.name), `${row.name} is in apis.ts`);
  for (const row of GFP_TAKERS) assert.equal(sleeper(row.name), undefined, `${row.name} sleeps by its mask, not always`);
  assert.equal(new Set(SLEEPERS.map((row) => row.name)).size, SLEEPERS.length, 'no duplicate sleeper rows');
  assert.equal(sleeper('mutex_trylock'), undefined, 'mutex_trylock does not sleep');
  assert.equal(sleeper('mdelay'), undefined, 'mdelay spins');
  assert.match(sleeper('disable_irq')!.instead!, /disable_irq_nosync/);
});

test('threaded IRQ registrations give the primary handler to hard IRQ and the thread function to process context', () => {
  const rows = CALLBACK_REGISTRATIONS.filter((row) => row.api === 'devm_request_threaded_irq');
  assert.deepEqual(rows.map((row) => [row.arg, row.context]).sort(), [
    [2, 'hardirq'],
    [3, 'process'],
  ]);
});
