// Summaries of small C texts for the unit tests of the summary builder and its engines.
import assert from 'node:assert/strict';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { FileFacts, collectFileFacts } from '../../server/src/analysis/fileFacts';
import type { FileSummary } from '../../server/src/analysis/summaries/fileSummary';
import type { FunctionSummary } from '../../server/src/analysis/summaries/functionSummary';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { parseText, sharedParser } from './fixtures';

/** The facts of `text` as the file `path`, parsed through the front end. */
export async function factsOf(text: string, path = '/drv/a.c'): Promise<FileFacts> {
  const parser = await sharedParser();
  return collectFileFacts(path, text, parseText(parser, text), DEFAULT_CONFIG);
}

/** The file summary of `text` alone in its folder, from `db` (a fresh one unless given). */
export async function summaryOf(text: string, db = new AnalysisDatabase(), path = '/drv/a.c'): Promise<FileSummary> {
  return db.fileSummary(await factsOf(text, path), []);
}

/** The summary of the function `name` of a file summary; fails when there is none. */
export function fn(file: FileSummary, name: string): FunctionSummary {
  const entry = file.functions.find((candidate) => candidate.name === name);
  assert.ok(entry, `summary of ${name}()`);
  return entry.summary;
}
