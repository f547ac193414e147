// What one file version gives the size scope of the files that see it (itself, the files that
// include it, the rest of its driver folder): its #define table, its struct/union/typedef/enum
// declarations with their enum constants, and its local includes. Plain data, computed once per
// file version and kept without the file's tree: binding a file to its folder reads only this.
import * as path from 'path';
import { hashText } from '../summaries/fileSummary';
import type { TypeDeclarations } from '../../parsing/typeDeclarations';
import { MacroDefinition, sameDefinition } from './constants';
import { LayeredMap } from './layeredMap';

export interface SizeData {
  /** The file's path as the caller gave it, and resolved (its includes resolve beside it). */
  readonly path: string;
  readonly resolvedPath: string;
  /** Its own #defines (collectMacros). */
  readonly macros: ReadonlyMap<string, MacroDefinition>;
  /** Its type declarations (parsing/typeDeclarations.ts). */
  readonly declarations: TypeDeclarations;
  /** Names this version in the database's memo keys: another version of the file has another id. */
  readonly id: string;
}

/** A merged macro table with a key that is equal whenever the table's definitions are (lines aside). */
export interface MacroTable {
  readonly macros: ReadonlyMap<string, MacroDefinition>;
  readonly key: string;
}

/** The local headers a file includes, transitively, found among its folder's files (by resolved path). */
export function includedHeaders(file: SizeData, byPath: ReadonlyMap<string, SizeData>): SizeData[] {
  const found: SizeData[] = [];
  const visit = (from: SizeData, depth: number) => {
    if (depth > 8) return;
    for (const include of from.declarations.localIncludes) {
      const target = byPath.get(path.resolve(path.dirname(from.path), include));
      if (target && !found.includes(target) && target.resolvedPath !== file.resolvedPath) {
        found.push(target);
        visit(target, depth + 1);
      }
    }
  };
  visit(file, 0);
  return found;
}

function definitionKey(macro: MacroDefinition): string {
  return `${macro.name}(${macro.params?.join(',') ?? '-'})${macro.conflicting ? '!' : ''}=${macro.body}`;
}

function tableKey(macros: Iterable<MacroDefinition>): string {
  const parts: string[] = [];
  for (const macro of macros) parts.push(definitionKey(macro));
  return hashText(parts.join('\n'));
}

/** Enum constants as macros (their value is their expression text), where no earlier name stands. */
function addEnumConstants(into: Map<string, MacroDefinition>, declarations: TypeDeclarations, file: string, taken: (name: string) => boolean): void {
  for (const declaration of declarations.enums) {
    for (const constant of declaration.constants) {
      if (!taken(constant.name) && !into.has(constant.name)) into.set(constant.name, { name: constant.name, body: constant.value, line: declaration.line, file });
    }
  }
}

/**
 * The included headers' macros as the preprocessor sees them at the end of the includes, the
 * first-included header last (it is read first, so later headers redefine it). A name two
 * headers define differently is `conflicting`: its value depends on which one applies.
 */
export function mergeHeaderMacros(headers: readonly SizeData[]): MacroTable {
  const merged = new Map<string, MacroDefinition>();
  for (const header of [...headers].reverse()) {
    const name = path.basename(header.path);
    for (const [key, macro] of header.macros) {
      const previous = merged.get(key);
      const conflicting = macro.conflicting || (previous !== undefined && (previous.conflicting || !sameDefinition(previous, macro)));
      merged.set(key, { ...macro, file: name, ...(conflicting ? { conflicting: true } : {}) });
    }
    const enums = new Map<string, MacroDefinition>();
    addEnumConstants(enums, header.declarations, name, (constant) => merged.has(constant));
    for (const [key, macro] of enums) merged.set(key, macro);
  }
  return { macros: merged, key: tableKey(merged.values()) };
}

/**
 * A file's macro table: its own #defines over its headers' merged table, then its own enum
 * constants. Costs the file's own definitions only; the headers' table is shared as it is.
 */
export function fileMacroTable(file: SizeData, headers: MacroTable): MacroTable {
  const own = new Map<string, MacroDefinition>();
  for (const [key, macro] of file.macros) {
    // A header macro the file redefines differently (after #undef, or under #if) has no single value.
    const previous = headers.macros.get(key);
    const conflicting = previous !== undefined && (previous.conflicting || !sameDefinition(previous, macro));
    own.set(key, conflicting ? { ...macro, conflicting } : macro);
  }
  const enums = new Map<string, MacroDefinition>();
  addEnumConstants(enums, file.declarations, '', (constant) => own.has(constant) || headers.macros.has(constant));
  const key = hashText(`${headers.key}\n${tableKey(own.values())}\n${tableKey(enums.values())}`);
  return { macros: new LayeredMap([own, headers.macros, enums]), key };
}
