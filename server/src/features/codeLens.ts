// Code lenses above functions: why the kernel enters one in atomic context ("atomic: timer
// callback (timer softirq), registered by timer_setup at line 97") and why one may sleep ("may
// sleep: mutex_lock() via foo_reset()"). Clicking one runs SHOW_CHAIN_COMMAND with the chain's
// locations: the registration or lock and the calls down to the function, or the calls from it
// down to the sleeping call. Both come from the composition over the folder's summaries.
import { CodeLens, Command, Range } from 'vscode-languageserver';
import type { AnalysisDatabase } from '../analysis/database';
import type { FileFacts } from '../analysis/fileFacts';
import { refKey } from '../analysis/locks/atomicEntry';
import { maySleep } from '../analysis/locks/maySleep';
import { SHOW_CHAIN_COMMAND, ShowChainArguments } from '../protocol';
import { contextChain, entryTitle } from '../rules/atomicWording';
import type { RelatedLocation } from '../rules/rule';
import { sleepChain, sleepWitness } from '../rules/sleepWording';
import { UriOf, toRange } from './diagnostics';

export interface CodeLensOptions {
  uri: string;
  uriOf: UriOf;
  /** The client registers SHOW_CHAIN_COMMAND; otherwise a lens is a title only. */
  showChainCommand: boolean;
}

export function codeLensesFor(db: AnalysisDatabase, facts: FileFacts, folder: readonly FileFacts[], options: CodeLensOptions): CodeLens[] {
  const view = db.atomicView(facts, folder);
  const witnesses = maySleep(view);
  const lenses: CodeLens[] = [];
  view.files[view.self].functions.forEach((entry, fn) => {
    const ref = { file: view.self, fn };
    const range = Range.create(entry.startRow, 0, entry.startRow, 0);
    const lens = (title: string, chain: RelatedLocation[]) => lenses.push({ range, command: command(title, chain, range, options) });
    const reason = view.composition.entry.get(refKey(ref));
    if (reason) lens(entryTitle(view, ref, reason), contextChain(view, { kind: 'entry', fn: ref, reason }));
    const sleeps = sleepWitness(view, witnesses, ref);
    if (sleeps) lens(sleeps, sleepChain(view, witnesses, ref));
  });
  return lenses;
}

function command(title: string, chain: RelatedLocation[], range: Range, options: CodeLensOptions): Command {
  if (!options.showChainCommand) return { title, command: '' };
  const args: ShowChainArguments = { uri: options.uri, position: range.start, locations: chain.map((related) => ({ uri: options.uriOf(related.file), range: toRange(related.span) })) };
  return { title, command: SHOW_CHAIN_COMMAND, arguments: [args] };
}
