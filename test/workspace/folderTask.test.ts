// The CLI workers' folder task (workspace/folderTask.ts) with its tree bound: a folder larger than
// the resident trees reports exactly what it reports with every tree kept, and no file's analysis
// reads a sibling's tree (each file is parsed at most twice more: to summarise, to analyse).
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { runFolderTask } from '../../server/src/workspace/folderTask';
import type { WorkerMessage } from '../../server/src/workspace/workerProtocol';
import { sharedParser } from '../support/fixtures';
import { FIXTURES } from '../support/paths';

/** Fixture folders whose findings need their siblings: callers, registrations, field writes, sizes. */
const FOLDERS = ['atomic/crossfile', 'provenance/fields', 'size/dmadrv', 'size/fixdrv'].map((folder) => path.join(FIXTURES, folder));

async function run(folder: string, residentTreeBytes?: number) {
  const parser = await sharedParser();
  const files = fs
    .readdirSync(folder)
    .filter((name) => /\.[ch]$/.test(name))
    .sort()
    .map((name) => path.join(folder, name));
  const messages: WorkerMessage[] = [];
  const work = runFolderTask({ type: 'task', id: 1, files, exclude: [] }, { parser, config: DEFAULT_CONFIG, severities: {}, maxFileSize: 1 << 22, residentTreeBytes }, (message) =>
    messages.push(message),
  );
  const outcomes = messages.filter((message) => message.type !== 'step');
  return { files, outcomes, reparses: work.reparses };
}

test('a folder past the resident tree bound reports every file as with all its trees kept', async () => {
  let findings = 0;
  for (const folder of FOLDERS) {
    const kept = await run(folder);
    assert.equal(kept.reparses, 0, `${folder}: a folder within the bound is parsed once per file`);
    assert.equal(kept.outcomes.length, kept.files.length, `${folder}: one outcome per file`);
    const bounded = await run(folder, 0);
    assert.deepEqual(bounded.outcomes, kept.outcomes, `${folder}: the same outcomes with no resident tree`);
    assert.ok(bounded.reparses > 0, `${folder}: the trees were freed and parsed again`);
    assert.ok(bounded.reparses <= 2 * bounded.files.length, `${folder}: ${bounded.reparses} re-parses for ${bounded.files.length} files: an analysis read a sibling's tree`);
    for (const outcome of bounded.outcomes) {
      assert.equal(outcome.type, 'result', `${folder}: every file analysed`);
      if (outcome.type === 'result') {
        assert.deepEqual(outcome.failures, [], `${outcome.file}: no rule threw`);
        findings += outcome.findings.length;
      }
    }
  }
  assert.ok(findings > 0, 'the folders have findings');
});
