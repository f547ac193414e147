import * as path from 'path';
import { test } from 'node:test';
import { checkFixture } from '../support/fixtures';
import { FIXTURES } from '../support/paths';

const RULES = ['gfp-sleep-in-atomic', 'sleep-in-atomic'];
const dir = path.join(FIXTURES, 'atomic');

for (const name of [
  'locks.c',
  'callbacks.c',
  'helpers.c',
  'gfpTakers.c',
  'crossfile/xf_main.c',
  'crossfile/xf_irq.c',
  'crossfile/xf.h',
  'regmapbus/rb.c',
  'regmapmmio/rm.c',
  'paths/pc.c',
  'conditions/cond.c',
  'opsrelease/ops.c',
  'unseen/lazy.c',
  'refcount/ref.c',
  'configstub/cs_offload.c',
  'configstub/cs_main.c',
  'dmafree.c',
]) {
  test(`atomic fixture ${name}`, async () => {
    await checkFixture(path.join(dir, name), { rules: RULES });
  });
}
