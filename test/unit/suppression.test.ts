// Suppression comments silence exactly the named rule on the line they are on and the next one;
// a comment with no rule list silences every rule there. Nothing else is silenced.
import * as path from 'path';
import { test } from 'node:test';
import { checkFixture } from '../support/fixtures';
import { FIXTURES } from '../support/paths';

test('kalloc-ignore silences the named rules on its line and the next, and nothing else', async () => {
  await checkFixture(path.join(FIXTURES, 'suppression', 'suppression.c'));
});
