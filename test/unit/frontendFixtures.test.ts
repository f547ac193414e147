// Fixture lines whose findings exist only because the kernel-macro rewrite let the analyses read
// the body (test/fixtures/frontend/macros.c), and bodies still not understood, which stay silent.
import * as path from 'path';
import { test } from 'node:test';
import { checkFixture } from '../support/fixtures';
import { FIXTURES } from '../support/paths';

test('frontend fixture macros.c', async () => {
  await checkFixture(path.join(FIXTURES, 'frontend', 'macros.c'), { rules: ['gfp-sleep-in-atomic', 'sleep-in-atomic'] });
});
