// The fixture helpers are the spec's judge: a file analyzeFile refuses must fail checkFixture, or a
// refused fixture without `expect:` lines would pass with no rule ever run on it.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'node:test';
import { checkFixture } from '../support/fixtures';

test('checkFixture fails on a fixture analyzeFile skipped', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-skipped-fixture-'));
  try {
    // Unbraced ifs nest syntax, not brackets: only analyzeFile's syntax-depth gate refuses them.
    const file = path.join(dir, 'deep.c');
    fs.writeFileSync(file, `void deep(int x)\n{\n${'if (x) '.repeat(10_000)}x++;\n}\n`);
    await assert.rejects(checkFixture(file), /deep\.c was analysed, not skipped/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
