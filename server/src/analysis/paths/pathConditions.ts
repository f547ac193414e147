// What decides which paths of a body exist besides its own code: calls that never return
// (model/noreturn.ts, and functions the driver marks `__noreturn`) and `#if`/`#ifdef` groups whose
// branch is known. `#ifdef X` (and `defined(X)` in `#if`/`#elif`) is not compiled when X is a switch of the
// driver's own that nothing turns on: no file of the folder defines it, the folder defines other
// macros of its prefix (`BNX2X_STOP_ON_ERROR` beside `BNX2X_*`: the driver's namespace, not a kernel
// header's) or a file has the `#define X` commented out, and the build or the kernel headers are
// not known to define it (model/buildMacros.ts). With the tree's
// .config options known, `CONFIG_` tests are evaluated too. Anything else stays unknown and the
// lock walk joins both branches, as it always did.
import type { Node } from 'web-tree-sitter';
import { mayBeDefinedOutside } from '../../model/buildMacros';
import { kernelNoReturn } from '../../model/noreturn';
import { namedChildren } from '../../parsing/syntax';

/** Names of one file that path conditions read: its #defines and its `__noreturn` declarations. */
export interface FilePathNames {
  defined: readonly string[];
  noReturn: readonly string[];
  /** Names of `#define` lines commented out (`/* #define BENCH_FORK *\/`): switches the file offers, turned off. */
  switchedOff: readonly string[];
}

/** The same, over a file and its folder. */
export interface FolderPathFacts {
  defined: ReadonlySet<string>;
  /** Prefixes (`BNX2X_`) of the defined names (macroPrefix). */
  prefixes: ReadonlySet<string>;
  noReturn: ReadonlySet<string>;
  /** Commented-out `#define`s of the folder's files (FilePathNames.switchedOff). */
  switchedOff: ReadonlySet<string>;
  /** Kconfig options of the tree's .config (`CONFIG_X` → `y`, `m`, a value), when known. */
  kconfig?: ReadonlyMap<string, string>;
  key: string;
}

const NORETURN_BEFORE = /\b(?:__noreturn\b|__attribute__\s*\(\(\s*_*noreturn_*\s*\)\))[\w\s*]*?\b([A-Za-z_]\w*)\s*\(/g;
const NORETURN_AFTER = /\b([A-Za-z_]\w*)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)\s*(?:__\w+\s*)*?(?:__noreturn\b|__attribute__\s*\(\(\s*_*noreturn_*\s*\)\))/g;
/** Preprocessor lines (`#define __noreturn __attribute__((noreturn))`), blanked before the scan. */
const DIRECTIVE = /^[ \t]*#.*$/gm;
/** A line that is a commented-out `#define NAME` (`// #define X`, `/* #define X 1 *\/`). */
const COMMENTED_DEFINE = /^[ \t]*(?:\/\/|\/\*)[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\b/gm;

/** The names a file contributes: its #defines (from its macro table) and the functions it declares `__noreturn`. */
export function filePathNames(macros: ReadonlyMap<string, unknown>, text: string): FilePathNames {
  const noReturn = new Set<string>();
  if (text.includes('noreturn')) {
    const code = text.replace(DIRECTIVE, '');
    for (const pattern of [NORETURN_BEFORE, NORETURN_AFTER]) {
      for (const match of code.matchAll(pattern)) if (!match[1].startsWith('__attribute')) noReturn.add(match[1]);
    }
  }
  const switchedOff = text.includes('define') ? [...text.matchAll(COMMENTED_DEFINE)].map((match) => match[1]) : [];
  return { defined: [...macros.keys()], noReturn: [...noReturn].sort(), switchedOff: [...new Set(switchedOff)].sort() };
}

/** A macro's namespace: its first word and underscore (`BNX2X_` of `BNX2X_STOP_ON_ERROR`), if that is at least two characters. */
export function macroPrefix(name: string): string | undefined {
  const match = /^([A-Z][A-Z0-9]+_)[A-Z0-9]/.exec(name);
  return match?.[1];
}

/** The key a summary's dependencies record the folder's prefix lookup under. */
export function prefixKey(prefix: string): string {
  return `prefix:${prefix}`;
}

/** The key a summary's dependencies record the lookup of a commented-out `#define` under. */
export function switchedOffKey(name: string): string {
  return `off:${name}`;
}

/** What the analysis asks about a function's paths; answers about the folder are recorded for its summary. */
export interface PathConditions {
  /** The call never returns. */
  noReturn(name: string): boolean;
  /** Whether the own branch of an `#if`/`#ifdef`/`#elif` group is compiled; undefined when unknown. */
  compiled(node: Node): boolean | undefined;
}

export const NO_PATH_CONDITIONS: PathConditions = { noReturn: kernelNoReturn, compiled: (node) => (node.type === 'preproc_else' ? true : undefined) };

/** `defined X` for a macro name: true, false, or undefined when unknown. */
function definedness(name: string, folder: FolderPathFacts, record: (name: string, defined: boolean) => void): boolean | undefined {
  if (name.startsWith('CONFIG_')) {
    // A driver that #defines a CONFIG_ name of its own decides it itself: not guessed.
    if (!folder.kconfig || folder.defined.has(name)) return undefined;
    // `=y` (or a value) defines CONFIG_X, `=m` defines CONFIG_X_MODULE instead (include/generated/autoconf.h).
    const value = folder.kconfig.get(name);
    if (value !== undefined) return value !== 'n' && value !== 'm';
    return name.endsWith('_MODULE') && folder.kconfig.get(name.slice(0, -'_MODULE'.length)) === 'm';
  }
  const defined = folder.defined.has(name);
  record(name, defined);
  if (defined || mayBeDefinedOutside(name)) return undefined;
  const prefix = macroPrefix(name);
  const owned = prefix !== undefined && folder.prefixes.has(prefix);
  if (prefix) record(prefixKey(prefix), owned);
  if (owned) return false;
  // The file offers the switch and leaves it off (lib/test_maple_tree.c `/* #define BENCH_FORK */`
  // before `#if defined(BENCH_FORK)`, 6.1): the name is the file's own, and nothing defines it.
  const off = folder.switchedOff.has(name);
  record(switchedOffKey(name), off);
  return off ? false : undefined;
}

type Truth = boolean | undefined;

/** A preprocessor condition: `defined(X)`, `!`, `&&`, `||`, `0`/`1`, `IS_ENABLED(CONFIG_X)`. */
function evaluate(node: Node, folder: FolderPathFacts, record: (name: string, defined: boolean) => void): Truth {
  switch (node.type) {
    case 'number_literal':
      return /^\d+[uUlL]*$/.test(node.text) ? Number(node.text.replace(/[uUlL]+$/, '')) !== 0 : undefined;
    case 'parenthesized_expression':
      return node.namedChildCount === 1 ? evaluate(node.namedChild(0)!, folder, record) : undefined;
    case 'preproc_defined': {
      const name = namedChildren(node).find((child) => child.type === 'identifier')?.text;
      return name ? definedness(name, folder, record) : undefined;
    }
    case 'unary_expression': {
      if (node.childForFieldName('operator')?.text !== '!') return undefined;
      const inner = evaluate(node.childForFieldName('argument')!, folder, record);
      return inner === undefined ? undefined : !inner;
    }
    case 'binary_expression': {
      const operator = node.childForFieldName('operator')?.text;
      if (operator !== '&&' && operator !== '||') return undefined;
      const left = evaluate(node.childForFieldName('left')!, folder, record);
      const right = evaluate(node.childForFieldName('right')!, folder, record);
      if (operator === '&&') return left === false || right === false ? false : left === true && right === true ? true : undefined;
      return left === true || right === true ? true : left === false && right === false ? false : undefined;
    }
    case 'call_expression': {
      // IS_ENABLED(CONFIG_X): y or m (include/linux/kconfig.h, 6.1); IS_BUILTIN: y; IS_MODULE: m.
      const name = node.childForFieldName('function')?.text;
      const argument = node.childForFieldName('arguments')?.namedChild(0);
      if (!folder.kconfig || !argument || argument.type !== 'identifier' || !argument.text.startsWith('CONFIG_')) return undefined;
      const value = folder.kconfig.get(argument.text);
      if (name === 'IS_ENABLED') return value === 'y' || value === 'm';
      if (name === 'IS_BUILTIN') return value === 'y';
      if (name === 'IS_MODULE') return value === 'm';
      return undefined;
    }
    case 'identifier': {
      // `#if CONFIG_X` is 1 for =y, 0 when unset (autoconf.h); other identifiers are not guessed.
      if (!folder.kconfig || !node.text.startsWith('CONFIG_')) return undefined;
      const value = folder.kconfig.get(node.text);
      return value === undefined ? false : value === 'y' ? true : undefined;
    }
    default:
      return undefined;
  }
}

/** Whether a preprocessor group's own branch is compiled, recording which macros were looked up. */
export function compiledBranch(node: Node, folder: FolderPathFacts, record: (name: string, defined: boolean) => void): Truth {
  if (node.type === 'preproc_else') return true;
  if (node.type === 'preproc_ifdef' || node.type === 'preproc_elifdef') {
    const name = node.childForFieldName('name')?.text;
    const negated = /^#\s*(ifndef|elifndef)/.test(node.text);
    const defined = name ? definedness(name, folder, record) : undefined;
    return defined === undefined ? undefined : negated ? !defined : defined;
  }
  const condition = node.childForFieldName('condition');
  return condition ? evaluate(condition, folder, record) : undefined;
}

/** The nodes of a preprocessor conditional group and of its `#elif`/`#else` chain. */
export const PREPROCESSOR_GROUPS: ReadonlySet<string> = new Set(['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef', 'preproc_else']);

/**
 * Whether a definition is compiled by the `#if`/`#ifdef` groups around it: false when it lies in a
 * branch the path conditions know is dead (lib/test_maple_tree.c bench_forking() inside
 * `#if defined(BENCH_FORK)`, 6.1), true otherwise (unknown counts as compiled).
 */
/**
 * The `#if` conditions a definition sits under, as text: part of what a reused summary is keyed by,
 * since definitionCompiled() reads them and they lie outside the definition's own text.
 */
export function definitionConditionsKey(definition: Node): string {
  let key = '';
  let inner: Node = definition;
  for (let group = definition.parent; group; inner = group, group = group.parent) {
    if (!PREPROCESSOR_GROUPS.has(group.type)) continue;
    const condition = group.childForFieldName('condition') ?? group.childForFieldName('name');
    key += `${group.type}(${condition?.text ?? ''})${group.childForFieldName('alternative')?.id === inner.id ? 'else' : ''};`;
  }
  return key;
}

export function definitionCompiled(definition: Node, paths: PathConditions): boolean {
  let inner: Node = definition;
  for (let group = definition.parent; group; inner = group, group = group.parent) {
    if (!PREPROCESSOR_GROUPS.has(group.type)) continue;
    const inAlternative = group.childForFieldName('alternative')?.id === inner.id;
    const compiled = paths.compiled(group);
    if (inAlternative ? compiled === true : compiled === false) return false;
  }
  return true;
}

/** Path conditions over a folder's facts; `record` hears every macro looked up in the folder. */
export function pathConditions(folder: FolderPathFacts, record: (name: string, defined: boolean) => void): PathConditions {
  return {
    noReturn: (name) => kernelNoReturn(name) || folder.noReturn.has(name),
    compiled: (node) => compiledBranch(node, folder, record),
  };
}

/** A recorded lookup, answered again: a macro name, or a prefix (prefixKey) the folder's names use. */
export function folderDefines(folder: FolderPathFacts, key: string): boolean {
  if (key.startsWith('off:')) return folder.switchedOff.has(key.slice('off:'.length));
  return key.startsWith('prefix:') ? folder.prefixes.has(key.slice('prefix:'.length)) : folder.defined.has(key);
}

/** The record of which called names the folder declares `__noreturn` (SummaryDependencies.noReturn). */
export function noReturnDependency(calledNames: readonly (string | undefined)[], folder: FolderPathFacts): string {
  return [...new Set(calledNames.filter((name): name is string => !!name && folder.noReturn.has(name)))].sort().join(',');
}
