// The kernel tree's function-like macros that act at their use site: those whose expansion calls
// a sleeping function of the model (model/sleepers.ts), through other header macros up to
// macroCalls.ts's depth, and those whose whole body is one lock call. Derived from the macro
// bodies of include/ and arch/<arch>/include/ in the index's header pass (the headers' `#if`
// groups decided as for the header types, index/headerTypes.ts), stored with the index's facts
// (KernelFacts.headerMacros), plain data. A use site consults them after the file's own macros
// and its folder's headers (analysis/locks/macroCalls.ts), so a driver's definition of the same
// name wins; the seeds of model/sleepers.ts SLEEPING_MACROS stay overrides above both.
//
// A sleep that depends on the macro's arguments keeps that dependence as data (`when`): the
// iopoll family (include/linux/iopoll.h, 6.1) sleeps only when its sleep_us argument is nonzero
// (`if (__sleep_us) usleep_range(...)`), and its `_atomic` forms, which udelay(), not at all.
import type { ArgumentTest, MacroSleep } from '../locks/macroCalls';
import { macroSection, macroSleep } from '../locks/macroCalls';
import type { Arch, ModelConfig } from '../../model/config';
import type { MacroDefinition } from '../sizes/constants';
import { hashText } from '../summaries/fileSummary';

/** Bump when what deriveHeaderMacros() computes changes: a stored table of another version is rebuilt. */
export const HEADER_MACRO_VERSION = 1;

/** A header macro whose expansion may sleep at its use site. */
export interface HeaderMacroSleep {
  name: string;
  /** The model's sleeping call the expansion makes. */
  sleeper: string;
  /** The macros expanded to reach it, this one first. */
  macros: string[];
  /** Arguments (by position) that decide it: it sleeps when each passes its test. Absent: always. */
  when?: ArgumentTest[];
  /** The header (relative to the tree's root) and the 1-based line of the definition. */
  file: string;
  line: number;
}

/** A header macro whose body is one lock call (`#define xa_lock(xa) spin_lock(&(xa)->xa_lock)`). */
export interface HeaderMacroSection {
  name: string;
  /** The lock call it stands for (a model opener or closer, model/contexts.ts). */
  call: string;
  opens: boolean;
  /** The body's call as written, for messages. */
  text: string;
  file: string;
  line: number;
}

/** The derived macros of one tree's headers for one architecture and .config: plain data, structured-clonable. */
export interface HeaderMacroTable {
  arch: Arch;
  /** The digest of the .config the `#if` groups were decided with; absent: none. */
  kconfigKey?: string;
  /** What the table was built from (index/kernelIndexBuild.ts): reused while equal. */
  sourceKey?: string;
  /** Sorted by name. */
  sleeps: readonly HeaderMacroSleep[];
  sections: readonly HeaderMacroSection[];
}

/** Literals only: a header macro's constants are not evaluated (a constant argument is the use site's to give). */
function literal(text: string): number | undefined {
  if (/^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.test(text)) return Number(text.replace(/[uUlL]+$/, ''));
  return text === 'true' ? 1 : text === 'false' ? 0 : undefined;
}

/**
 * The function-like macros of the kept headers (name → definition, `conflicting` when two kept
 * headers define a name differently) that sleep or lock at their use site.
 */
export function deriveHeaderMacros(macros: ReadonlyMap<string, MacroDefinition>, conditions: { arch: Arch; kconfigKey?: string }): HeaderMacroTable {
  const sleeps: HeaderMacroSleep[] = [];
  const sections: HeaderMacroSection[] = [];
  const names = [...macros.keys()].sort();
  for (const name of names) {
    const macro = macros.get(name)!;
    if (!macro.params || macro.conflicting || !macro.file) continue;
    const location = { file: macro.file, line: macro.line + 1 };
    // Derived from the bodies: the seeds are for the use site, not for the derivation.
    const sleep = macroSleep(name, macros, () => undefined, literal, { seeds: false });
    if (sleep) sleeps.push({ name, sleeper: sleep.sleeper, macros: sleep.macros, ...(sleep.when ? { when: sleep.when } : {}), ...location });
    const section = macroSection(name, macros);
    if (section) sections.push({ name, call: section.call, opens: section.opens, text: section.text, ...location });
  }
  return { arch: conditions.arch, ...(conditions.kconfigKey ? { kconfigKey: conditions.kconfigKey } : {}), sleeps, sections };
}

/** Whether a table holds for a file's model configuration: its architecture, and the same .config (or none). */
export function headerMacrosFor(table: HeaderMacroTable | undefined, config: ModelConfig): HeaderMacroTable | undefined {
  if (!table || table.arch !== config.arch || (table.kconfigKey ?? null) !== (config.kconfig?.key ?? null)) return undefined;
  return table;
}

/** A table's rows by name, for the use sites of one database (analysis/database.ts). */
export interface HeaderMacroLookup {
  /** Changes with the table's content: part of the summaries' macro key. */
  key: string;
  sleep(name: string): (MacroSleep & { file: string; line: number }) | undefined;
  section(name: string): HeaderMacroSection | undefined;
}

export function headerMacroLookup(table: HeaderMacroTable): HeaderMacroLookup {
  const sleeps = new Map(table.sleeps.map((row) => [row.name, row]));
  const sections = new Map(table.sections.map((row) => [row.name, row]));
  return {
    key: table.sourceKey ?? hashText(JSON.stringify(table)),
    sleep: (name) => sleeps.get(name),
    section: (name) => sections.get(name),
  };
}
