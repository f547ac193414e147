// Calls through struct fields, functions passed as arguments, and core-called ops contexts
// (ALSA/ASoC .trigger unless nonatomic): the fixtures of test/fixtures/ops-fields/.
import * as path from 'path';
import { test } from 'node:test';
import { checkFixture } from '../support/fixtures';
import { FIXTURES } from '../support/paths';

const RULES = ['gfp-sleep-in-atomic', 'sleep-in-atomic'];
const dir = path.join(FIXTURES, 'ops-fields');

for (const name of ['phy/ph_main.c', 'phy/ph_phy.c', 'phy/ph_hw.h', 'twotypes/tt.c', 'callback/cb.c', 'pcm/pc.c', 'pcmnonatomic/pn.c', 'asoc/ac.c', 'asocnonatomic/an.c']) {
  test(`ops-field fixture ${name}`, async () => {
    await checkFixture(path.join(dir, name), { rules: RULES });
  });
}
