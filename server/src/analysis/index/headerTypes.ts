// The kernel tree's header types: struct, union and typedef layouts of include/ and
// arch/<arch>/include/, as the size scope's lowest layer (below the file's and its folder's own
// declarations). Built once per index from the headers' text, stored with the index's facts
// (KernelFacts.headerTypes), plain data. Exact or absent, never a guess:
//
// - `#if`/`#ifdef` groups are decided with the tree's .config (CONFIG_ tests) and what the
//   compiler predefines for the architecture (model/headerPredefines.ts); a decided group keeps
//   only its compiled branch. A group left undecided (no .config, or a test of another macro)
//   stays in the text, so a struct with members under it is unknown (parsing/typeDeclarations.ts),
//   and a type defined in two undecided branches is defined twice: not exported.
// - A header every `#include` of which is in a branch not compiled (linux/spinlock_types_up.h on
//   an SMP .config), or an asm-generic header the arch's asm/ folder shadows, is left out.
// - A name defined differently in two headers that are kept is not exported; nor is a name the
//   model knows (model/ctypes.ts: `u32`, `size_t`, `struct list_head`): its row wins.
// - The table is closed: every by-value member type is bound here to the header definition it
//   names (or to an unknown placeholder), array lengths, bitfield widths and alignments are
//   evaluated to numbers with the headers' own macros, so a driver's definitions can never change
//   a header struct's layout; only the driver's own `struct foo` takes precedence over the
//   headers' `struct foo` (the size scope's layers).
import * as path from 'path';
import type { Arch, ModelConfig } from '../../model/config';
import { DEFAULT_CONFIG } from '../../model/config';
import { scalarLayout } from '../../model/ctypes';
import { headerPredefines, HeaderPredefines } from '../../model/headerPredefines';
import { KERNEL_INTEGER_FUNCTIONS, kernelIntegerFunctions, kernelMacroValues } from '../../model/kernelMacros';
import { RecordDecl, TypeDeclarations, TypeRef, TypedefDecl, collectTypeDeclarations } from '../../parsing/typeDeclarations';
import { MacroDefinition, createScope, evaluateText, sameDefinition } from '../sizes/constants';
import { TypeLayer, isUnknown, layeredTypeEnvironment, sizeOfType } from '../sizes/structLayout';

/** Bump when what buildHeaderTypes() computes changes: a stored table of another version is rebuilt, not reused. */
export const HEADER_TABLE_VERSION = 1;

/** The header types of one tree for one architecture and .config: plain data, structured-clonable. */
export interface HeaderTypeTable {
  arch: Arch;
  /** The digest of the .config the `#if` groups were decided with (KconfigOptions.key); absent: none. */
  kconfigKey?: string;
  /** What the table was built from (the headers' paths, sizes and mtimes, the arch, the .config): the next index run reuses it while equal. */
  sourceKey?: string;
  /** Headers read, and of those left out as never included. */
  headers: number;
  leftOut: number;
  /** Named structs and unions, each the only definition of its name in the kept headers, bound (see above). */
  records: readonly RecordDecl[];
  typedefs: readonly TypedefDecl[];
}

/** One header of the tree: its path relative to the tree's root (`include/linux/mutex.h`) and its text. */
export interface HeaderSource {
  path: string;
  text: string;
}

/** What decides a header's `#if` tests: the architecture and the tree's .config options, when there is one. */
export interface HeaderConditions {
  arch: Arch;
  kconfig?: { key: string; options: ReadonlyMap<string, string> };
}

type Truth = boolean | undefined;

/** The folders of a tree whose headers the table reads, for an architecture. */
export function headerFolders(arch: Arch): string[] {
  return ['include', `arch/${headerPredefines(arch).archDir}/include`];
}

// ---- #if evaluation over the text ----

/** Comments and string/char literals as spaces (newlines kept), so directives are found by line. */
function maskComments(text: string): string {
  const out: string[] = [];
  let copied = 0;
  const special = /\/\*|\/\/|["']/g;
  for (let found = special.exec(text); found; found = special.exec(text)) {
    const start = found.index;
    let end: number;
    if (found[0] === '/*') {
      const close = text.indexOf('*/', start + 2);
      end = close < 0 ? text.length : close + 2;
    } else if (found[0] === '//') {
      const close = text.indexOf('\n', start);
      end = close < 0 ? text.length : close;
    } else {
      end = start + 1;
      while (end < text.length && text[end] !== found[0] && text[end] !== '\n') end += text[end] === '\\' ? 2 : 1;
      end = Math.min(end + 1, text.length);
    }
    out.push(text.slice(copied, start), blanked(text, start, end));
    copied = end;
    special.lastIndex = end;
  }
  out.push(text.slice(copied));
  return out.join('');
}

/** `text[start, end)` with every character but newlines as a space. */
function blanked(text: string, start: number, end: number): string {
  const slice = text.slice(start, end);
  if (!slice.includes('\n')) return ' '.repeat(end - start);
  return slice
    .split('\n')
    .map((line) => ' '.repeat(line.length))
    .join('\n');
}

interface ConditionFacts {
  predefines: HeaderPredefines;
  kconfig?: ReadonlyMap<string, string>;
}

function definedness(name: string, facts: ConditionFacts): Truth {
  if (name.startsWith('CONFIG_')) {
    if (!facts.kconfig) return undefined;
    // `=y` (or a value) defines CONFIG_X, `=m` defines CONFIG_X_MODULE (include/generated/autoconf.h).
    const value = facts.kconfig.get(name);
    if (value !== undefined) return value !== 'm' && value !== 'n';
    return name.endsWith('_MODULE') && facts.kconfig.get(name.slice(0, -'_MODULE'.length)) === 'm';
  }
  if (facts.predefines.defined.has(name)) return true;
  if (facts.predefines.undefined.has(name)) return false;
  return undefined;
}

/** The value an identifier has in an `#if`: a CONFIG_ option's (0 when unset), a predefined one's. */
function identifierValue(name: string, facts: ConditionFacts): number | undefined {
  if (name.startsWith('CONFIG_')) {
    if (!facts.kconfig) return undefined;
    const value = facts.kconfig.get(name);
    if (value === undefined || value === 'm' || value === 'n') return 0;
    if (value === 'y') return 1;
    return /^(0x[0-9a-fA-F]+|-?\d+)$/.test(value) ? Number(value) : undefined;
  }
  if (facts.predefines.undefined.has(name)) return 0;
  return facts.predefines.defined.get(name);
}

const UNKNOWN_WORD = '__header_condition_unknown__';

/** An `#if`/`#elif` condition: true, false, or undefined when it depends on something not known. */
export function decideCondition(condition: string, facts: ConditionFacts): Truth {
  const config: ModelConfig = DEFAULT_CONFIG;
  const word = (truth: Truth) => (truth === undefined ? UNKNOWN_WORD : truth ? '1' : '0');
  const rewritten = condition
    .replace(/\bdefined\s*\(\s*(\w+)\s*\)|\bdefined\s+(\w+)/g, (_, inParens: string | undefined, bare: string | undefined) => word(definedness(inParens ?? bare!, facts)))
    .replace(/\b(IS_ENABLED|IS_BUILTIN|IS_MODULE|IS_REACHABLE)\s*\(\s*(CONFIG_\w+)\s*\)/g, (_, test: string, option: string) => {
      if (!facts.kconfig) return UNKNOWN_WORD;
      const value = facts.kconfig.get(option);
      // include/linux/kconfig.h (6.1); IS_REACHABLE of a module option depends on who includes it.
      if (test === 'IS_ENABLED') return word(value === 'y' || value === 'm');
      if (test === 'IS_BUILTIN') return word(value === 'y');
      if (test === 'IS_MODULE') return word(value === 'm');
      return value === 'm' ? UNKNOWN_WORD : word(value === 'y');
    })
    .replace(/\b(\d+)[uUlL]+\b/g, '$1');
  const macros = new Map<string, MacroDefinition>();
  for (const match of rewritten.matchAll(/\b[A-Za-z_]\w*\b/g)) {
    const name = match[0];
    if (macros.has(name) || name === UNKNOWN_WORD) continue;
    const value = identifierValue(name, facts);
    if (value !== undefined) macros.set(name, { name, body: String(value), line: 0 });
  }
  const scope = { ...createScope(config, macros), kernelValues: new Map<string, number>() };
  const value = evaluateText(rewritten, scope)?.value;
  return value === undefined ? undefined : value !== 0;
}

interface IncludeSite {
  target: string;
  system: boolean;
  /** Whether the branch it is in is compiled (`maybe`: an enclosing group is undecided). */
  state: BranchState;
}

/** A header's text with the decided `#if` groups resolved, and its includes outside branches not compiled. */
export interface ConfiguredHeader {
  text: string;
  /** The same with comments and literals blanked (for reading its #defines). */
  masked: string;
  includes: IncludeSite[];
}

type BranchState = 'active' | 'inactive' | 'maybe';

interface Group {
  /** `decided`: its directives are dropped and one branch kept; `kept`: left as written; `dead`: inside a branch not compiled. */
  mode: 'decided' | 'kept' | 'dead';
  taken: boolean;
  branch: BranchState;
}

/**
 * Resolves the `#if` groups of a header whose tests are decided, line by line: a branch not
 * compiled becomes blank lines, the directives of a decided group too; an undecided group is left
 * as written (line numbers are kept, so definitions keep their lines).
 */
export function configureHeader(text: string, facts: ConditionFacts): ConfiguredHeader {
  const original = text.split('\n');
  const masked = maskComments(text).split('\n');
  const out = [...original];
  const maskedOut = [...masked];
  const includes: IncludeSite[] = [];
  const stack: Group[] = [];
  const state = (): BranchState => {
    let result: BranchState = 'active';
    for (const group of stack) {
      if (group.branch === 'inactive') return 'inactive';
      if (group.branch === 'maybe') result = 'maybe';
    }
    return result;
  };
  // Logical lines: a directive continued with backslashes spans several physical ones.
  const directives: { first: number; last: number; text: string }[] = [];
  for (let line = 0; line < masked.length; line++) {
    const first = line;
    let joined = masked[line];
    while (joined.endsWith('\\') && line + 1 < masked.length) joined = `${joined.slice(0, -1)} ${masked[++line]}`;
    directives.push({ first, last: line, text: joined });
  }
  const blank = (entry: { first: number; last: number }) => {
    for (let line = entry.first; line <= entry.last; line++) {
      out[line] = '';
      maskedOut[line] = '';
    }
  };
  const directiveOf = (entry: { text: string }) => /^\s*#\s*(\w+)\s*(.*)$/.exec(entry.text);
  for (let index = 0; index < directives.length; index++) {
    const entry = directives[index];
    const match = directiveOf(entry);
    const here = state();
    if (!match) {
      if (here === 'inactive') blank(entry);
      continue;
    }
    const [, keyword, rest] = match;
    const argument = rest.trim();
    const openTruth = (): Truth => {
      if (keyword === 'if') return decideCondition(argument, facts);
      const name = /^\w+/.exec(argument)?.[0];
      if (!name) return undefined;
      let defined = definedness(name, facts);
      // An include guard: `#ifndef _FOO_H` right before `#define _FOO_H` is compiled on first inclusion.
      if (defined === undefined && keyword === 'ifndef') {
        let next = index + 1;
        while (next < directives.length && directives[next].text.trim() === '') next++;
        const define = next < directives.length ? directiveOf(directives[next]) : undefined;
        if (define?.[1] === 'define' && /^\w+/.exec(define[2].trim())?.[0] === name) defined = false;
      }
      return defined === undefined ? undefined : keyword === 'ifdef' ? defined : !defined;
    };
    switch (keyword) {
      case 'if':
      case 'ifdef':
      case 'ifndef': {
        if (here === 'inactive') {
          stack.push({ mode: 'dead', taken: true, branch: 'inactive' });
          blank(entry);
          break;
        }
        const truth = openTruth();
        if (truth === undefined) stack.push({ mode: 'kept', taken: false, branch: 'maybe' });
        else {
          stack.push({ mode: 'decided', taken: truth, branch: truth ? 'active' : 'inactive' });
          blank(entry);
        }
        break;
      }
      case 'elif':
      case 'else': {
        const group = stack[stack.length - 1];
        if (!group) break;
        if (group.mode === 'dead') {
          blank(entry);
          break;
        }
        if (group.mode === 'kept') {
          group.branch = 'maybe';
          break;
        }
        if (group.taken) {
          group.branch = 'inactive';
          blank(entry);
          break;
        }
        const truth = keyword === 'else' ? true : decideCondition(argument, facts);
        if (truth === undefined) {
          // Earlier branches were not compiled; from here on which one is, is not known.
          group.mode = 'kept';
          group.branch = 'maybe';
        } else {
          group.taken = truth;
          group.branch = truth ? 'active' : 'inactive';
          blank(entry);
        }
        break;
      }
      case 'endif': {
        const group = stack.pop();
        if (!group || group.mode !== 'kept') blank(entry);
        break;
      }
      default: {
        if (keyword === 'include') {
          // The include's target is in the original text (the mask blanked the "…" form).
          const source = original.slice(entry.first, entry.last + 1).join(' ');
          const include = /#\s*include\s*([<"])([^>"]+)[>"]/.exec(source);
          if (include) includes.push({ target: include[2].trim(), system: include[1] === '<', state: here });
        }
        if (here === 'inactive') blank(entry);
      }
    }
  }
  return { text: out.join('\n'), masked: maskedOut.join('\n'), includes };
}

// ---- which headers are compiled ----

/** The header an `#include` names, searched as the kernel's build does (-I arch/<arch>/include -I include … uapi), asm/ falling back to asm-generic. */
export function resolveInclude(from: string, site: { target: string; system: boolean }, archDir: string, exists: (file: string) => boolean): string | undefined {
  const candidates: string[] = [];
  if (!site.system) candidates.push(path.posix.normalize(path.posix.join(path.posix.dirname(from), site.target)));
  const target = site.target;
  candidates.push(`arch/${archDir}/include/${target}`, `include/${target}`, `arch/${archDir}/include/uapi/${target}`, `include/uapi/${target}`);
  // Kbuild's generic-y/mandatory-y wrappers (arch/<arch>/include/generated/asm/*.h) include asm-generic/.
  if (target.startsWith('asm/')) candidates.push(`include/asm-generic/${target.slice(4)}`, `include/uapi/asm-generic/${target.slice(4)}`);
  return candidates.find(exists);
}

/**
 * The headers never compiled: an asm-generic one nothing includes (the arch's own asm/ header is
 * found first), and a header that is included somewhere but only from branches not compiled or
 * from headers never compiled. A header nothing includes (a driver's `#include <linux/foo.h>`) is kept.
 */
function neverCompiled(configured: ReadonlyMap<string, ConfiguredHeader>, archDir: string): Set<string> {
  const exists = (file: string) => configured.has(file);
  const included = new Set<string>();
  const liveIncluders = new Map<string, string[]>();
  for (const [file, header] of configured) {
    for (const site of header.includes) {
      const target = resolveInclude(file, site, archDir, exists);
      if (!target || target === file) continue;
      included.add(target);
      if (site.state === 'inactive') continue;
      const list = liveIncluders.get(target);
      if (list) list.push(file);
      else liveIncluders.set(target, [file]);
    }
  }
  const generic = (file: string) => file.startsWith('include/asm-generic/') || file.startsWith('include/uapi/asm-generic/');
  const dead = new Set<string>();
  for (const file of configured.keys()) {
    if ((generic(file) || included.has(file)) && !liveIncluders.has(file)) dead.add(file);
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const [file, from] of liveIncluders) {
      if (!dead.has(file) && from.every((includer) => dead.has(includer))) {
        dead.add(file);
        changed = true;
      }
    }
  }
  return dead;
}

// ---- macros of the kept headers, for array lengths ----

/** Object-like and simple function-like #defines of a configured header's text. */
function headerMacros(masked: string, file: string, into: Map<string, MacroDefinition>): void {
  const lines = masked.split('\n');
  for (let line = 0; line < lines.length; line++) {
    let joined = lines[line];
    const first = line;
    while (joined.endsWith('\\') && line + 1 < lines.length) joined = `${joined.slice(0, -1)} ${lines[++line]}`;
    const match = /^\s*#\s*define\s+([A-Za-z_]\w*)(\(([^)]*)\))?\s*(.*)$/.exec(joined);
    if (!match) continue;
    const params =
      match[2] === undefined
        ? undefined
        : match[3]
            .split(',')
            .map((param) => param.trim())
            .filter(Boolean);
    const definition: MacroDefinition = { name: match[1], body: match[4].trim(), line: first, file, ...(params ? { params } : {}) };
    const previous = into.get(definition.name);
    if (previous && (previous.conflicting || !sameDefinition(previous, definition))) into.set(definition.name, { ...previous, conflicting: true });
    else if (!previous) into.set(definition.name, definition);
  }
}

// ---- the table ----

/** The headers with their `#if` groups decided, and those left out as never compiled: what both header tables read. */
export interface PreparedHeaders {
  configured: ReadonlyMap<string, ConfiguredHeader>;
  dead: ReadonlySet<string>;
}

export function prepareHeaders(sources: readonly HeaderSource[], conditions: HeaderConditions): PreparedHeaders {
  const predefines = headerPredefines(conditions.arch);
  const facts: ConditionFacts = { predefines, kconfig: conditions.kconfig?.options };
  const configured = new Map<string, ConfiguredHeader>();
  for (const source of sources) configured.set(source.path, configureHeader(source.text, facts));
  return { configured, dead: neverCompiled(configured, predefines.archDir) };
}

/** The #defines of the kept headers (index/headerMacros.ts derives the function-like ones that sleep or lock). */
export function keptHeaderMacros(prepared: PreparedHeaders): Map<string, MacroDefinition> {
  const macros = new Map<string, MacroDefinition>();
  for (const [file, header] of prepared.configured) if (!prepared.dead.has(file)) headerMacros(header.masked, file, macros);
  return macros;
}

/** Builds the table from the headers of include/ and arch/<arch>/include/ (paths relative to the tree's root). */
export function buildHeaderTypes(sources: readonly HeaderSource[], conditions: HeaderConditions, prepared: PreparedHeaders = prepareHeaders(sources, conditions)): HeaderTypeTable {
  const { configured, dead } = prepared;

  const config: ModelConfig = { ...DEFAULT_CONFIG, arch: conditions.arch };
  const modelValues = kernelMacroValues(config);
  const modelFunctions = { ...KERNEL_INTEGER_FUNCTIONS, ...kernelIntegerFunctions(config) };
  const macros = new Map<string, MacroDefinition>();
  const scanned: TypeDeclarations[] = [];
  // Typedefs whose attributes the scanner drops (`typedef u64 __aligned(8) x;`): never bound.
  const attributed = new Set<TypedefDecl>();
  for (const [file, header] of configured) {
    if (dead.has(file)) continue;
    headerMacros(header.masked, file, macros);
    const declarations = collectTypeDeclarations(header.text, file);
    const lines = header.masked.split('\n');
    for (const typedef of declarations.typedefs) {
      if (typedef.type.record) continue;
      let text = '';
      for (let line = typedef.line; line < lines.length && line < typedef.line + 8; line++) {
        text += lines[line];
        if (text.includes(';')) break;
      }
      if (/__attribute__|__aligned|__packed|\baligned\b/.test(text.slice(0, text.indexOf(';') + 1 || undefined))) attributed.add(typedef);
    }
    scanned.push(declarations);
  }
  // Enum constants are constants too (array lengths such as `NR_FOO`).
  for (const declarations of scanned) {
    for (const declaration of declarations.enums) {
      for (const constant of declaration.constants) {
        const previous = macros.get(constant.name);
        if (previous) macros.set(constant.name, { ...previous, conflicting: true });
        else macros.set(constant.name, { name: constant.name, body: constant.value, line: declaration.line });
      }
    }
  }
  // include/generated/autoconf.h: `CONFIG_X 1` for =y, `CONFIG_X_MODULE 1` for =m, the value for numbers.
  for (const [option, value] of conditions.kconfig?.options ?? []) {
    const body = value === 'y' ? '1' : /^(0x[0-9a-fA-F]+|-?\d+)$/.test(value) ? value : undefined;
    if (body !== undefined) macros.set(option, { name: option, body, line: 0 });
    else if (value === 'm') macros.set(`${option}_MODULE`, { name: `${option}_MODULE`, body: '1', line: 0 });
  }
  // The model's constants and helpers win over the headers' spelling of them (`_AC(1,UL) << PAGE_SHIFT`).
  for (const name of [...modelValues.keys(), ...Object.keys(modelFunctions)]) macros.delete(name);
  const scope = {
    ...createScope(config, macros),
    sizeofType: (text: string) => {
      const scalar = scalarLayout(text, config);
      return scalar ? { value: scalar.size, steps: [] } : undefined;
    },
  };
  const constant = (text: string): number | undefined => {
    if (/^\d+$/.test(text)) return Number(text);
    const value = evaluateText(text, scope)?.value;
    return value !== undefined && value >= 0 ? value : undefined;
  };

  const records = new Map<string, RecordDecl[]>();
  const unbindable = new Set<string>();
  const typedefs = new Map<string, TypedefDecl[]>();
  const enums = new Map<string, { values: (number | undefined)[] }[]>();
  for (const declarations of scanned) {
    for (const record of declarations.records) {
      if (!record.name) continue;
      const key = `${record.kind} ${record.name}`;
      const list = records.get(key);
      if (list) list.push(record);
      else records.set(key, [record]);
    }
    for (const typedef of declarations.typedefs) {
      if (attributed.has(typedef)) unbindable.add(typedef.name);
      const list = typedefs.get(typedef.name);
      if (list) list.push(typedef);
      else typedefs.set(typedef.name, [typedef]);
    }
    for (const declaration of declarations.enums) {
      if (!declaration.name) continue;
      const entry = { values: declaration.constants.map((entry) => evaluateText(entry.name, scope)?.value) };
      const list = enums.get(`enum ${declaration.name}`);
      if (list) list.push(entry);
      else enums.set(`enum ${declaration.name}`, [entry]);
    }
  }
  const modelRows = new Map<string, boolean>();
  const modelKnows = (name: string) => {
    let known = modelRows.get(name);
    if (known === undefined) modelRows.set(name, (known = scalarLayout(name, config) !== undefined));
    return known;
  };
  const placeholder = (base: string, reason: string, file?: string): TypeRef => ({
    base,
    pointers: 0,
    dims: [],
    record: { kind: 'struct', alias: base, members: [], packed: false, unsupported: reason, line: 0, file, header: true },
  });
  const sameTypedef = (a: TypedefDecl, b: TypedefDecl) => JSON.stringify(a.type, recordIdentity) === JSON.stringify(b.type, recordIdentity);
  const uniqueTypedef = (name: string): TypedefDecl | undefined => {
    const list = typedefs.get(name);
    return list && !unbindable.has(name) && list.every((typedef) => sameTypedef(typedef, list[0])) ? list[0] : undefined;
  };
  const uniqueRecord = (key: string): RecordDecl | undefined => {
    const list = records.get(key);
    return list?.length === 1 ? list[0] : undefined;
  };

  const boundTypedefs = new Map<string, TypeRef | 'binding'>();
  const boundRecords = new Set<RecordDecl>();
  const bindType = (type: TypeRef, file: string | undefined, depth: number): TypeRef => {
    if (depth > 24) return placeholder(type.base, 'types nest too deeply', file);
    const dims: (string | null)[] = [];
    for (const dim of type.dims) {
      if (dim === null) {
        dims.push(null);
        continue;
      }
      const value = constant(dim);
      if (value === undefined) return placeholder(type.base, `array length \`${dim}\` is not a constant of the kernel headers`, file);
      dims.push(String(value));
    }
    if (type.record) {
      bindRecord(type.record, depth + 1);
      return { ...type, dims };
    }
    if (type.pointers > 0) return { ...type, dims };
    const base = type.base;
    if (modelKnows(base)) return { ...type, dims };
    const words = base.split(' ');
    if (words[0] === 'struct' || words[0] === 'union') {
      const record = uniqueRecord(base);
      if (!record) return placeholder(base, records.has(base) ? `${base} is defined more than once in the kernel headers` : `${base} is not defined in the kernel headers`, file);
      bindRecord(record, depth + 1);
      return { base, pointers: 0, dims, record };
    }
    if (words[0] === 'enum') {
      // GCC gives an enum whose values fit 32 bits the type int or unsigned int (no -fshort-enums in the kernel).
      const list = enums.get(base);
      const values = list?.length === 1 ? list[0].values : undefined;
      if (!values || values.some((value) => value === undefined || value >= 2 ** 32 || value < -(2 ** 31)))
        return placeholder(base, `the values of ${base} are not known from the kernel headers`, file);
      return { base: values.some((value) => value! < 0) ? 'int' : 'unsigned int', pointers: 0, dims };
    }
    if (words.length > 1 || ['void', 'float', 'double'].includes(base)) return { ...type, dims };
    const inner = bindTypedef(base, depth + 1);
    if (!inner) return placeholder(base, `typedef ${base} is not defined once in the kernel headers`, file);
    return { base: inner.base, record: inner.record, pointers: inner.pointers, dims: [...dims, ...inner.dims] };
  };
  const bindTypedef = (name: string, depth: number): TypeRef | undefined => {
    const known = boundTypedefs.get(name);
    if (known === 'binding') return undefined;
    if (known) return known;
    const typedef = uniqueTypedef(name);
    if (!typedef) return undefined;
    boundTypedefs.set(name, 'binding');
    const type = bindType(typedef.type, typedef.type.record?.file, depth);
    boundTypedefs.set(name, type);
    return type;
  };
  const bindRecord = (record: RecordDecl, depth: number): void => {
    if (boundRecords.has(record)) return;
    boundRecords.add(record);
    record.header = true;
    const evaluated = (text: string | undefined, what: string): string | undefined => {
      if (text === undefined) return undefined;
      const value = constant(text);
      if (value === undefined) record.unsupported ??= `${what} \`${text}\` is not a constant of the kernel headers`;
      return value === undefined ? text : String(value);
    };
    for (const member of record.members) {
      member.type = bindType(member.type, record.file, depth);
      member.bits = evaluated(member.bits, 'bitfield width');
      member.aligned = evaluated(member.aligned, 'alignment');
    }
    record.aligned = evaluated(record.aligned, 'alignment');
  };

  const candidateRecords: RecordDecl[] = [];
  for (const [key, list] of records) {
    if (list.length !== 1 || modelKnows(key)) continue;
    bindRecord(list[0], 0);
    candidateRecords.push(list[0]);
  }
  const candidateTypedefs: TypedefDecl[] = [];
  for (const [name, list] of typedefs) {
    if (modelKnows(name)) continue;
    const type = bindTypedef(name, 0);
    if (type) candidateTypedefs.push({ name, type, line: list[0].line });
  }
  // Only what has a size is kept: an unknown layout answers nothing a missing one would not, and
  // half the headers' structs hold a member under an undecided #if or an attribute not modelled.
  // The table is closed, so its layouts are computed here once as every file will (numbers only).
  const numeric = (text: string) => (/^\d+$/.test(text) ? { value: Number(text), steps: [] } : undefined);
  const environment = layeredTypeEnvironment(config, [headerTypeLayer({ arch: conditions.arch, headers: 0, leftOut: 0, records: candidateRecords, typedefs: candidateTypedefs })], numeric);
  const sized = (type: TypeRef) => !isUnknown(sizeOfType(environment, type));
  const exportedRecords = candidateRecords.filter((record) => sized({ base: `${record.kind} ${record.name}`, pointers: 0, dims: [], record }));
  const exportedTypedefs = candidateTypedefs.filter((typedef) => sized(typedef.type));
  shareTypes(exportedRecords, exportedTypedefs);
  return {
    arch: conditions.arch,
    ...(conditions.kconfig ? { kconfigKey: conditions.kconfig.key } : {}),
    headers: sources.length,
    leftOut: dead.size,
    records: exportedRecords,
    typedefs: exportedTypedefs,
  };
}

/**
 * One object per distinct member type (`u32`, `struct list_head`, `char *`): most members of the
 * headers repeat a handful of types, and a serialized or cloned table keeps shared objects shared.
 */
function shareTypes(records: readonly RecordDecl[], typedefs: readonly TypedefDecl[]): void {
  const ids = new Map<RecordDecl, number>();
  const shared = new Map<string, TypeRef>();
  const seen = new Set<RecordDecl>();
  const share = (type: TypeRef): TypeRef => {
    if (type.record && !ids.has(type.record)) ids.set(type.record, ids.size);
    const key = `${type.base}|${type.pointers}|${type.dims.join(',')}|${type.record ? ids.get(type.record) : ''}`;
    const known = shared.get(key);
    if (known) return known;
    shared.set(key, type);
    return type;
  };
  const visit = (record: RecordDecl) => {
    if (seen.has(record)) return;
    seen.add(record);
    for (const member of record.members) {
      if (member.type.record) visit(member.type.record);
      member.type = share(member.type);
    }
  };
  records.forEach(visit);
  for (const typedef of typedefs) {
    if (typedef.type.record) visit(typedef.type.record);
    typedef.type = share(typedef.type);
  }
}

function recordIdentity(key: string, value: unknown): unknown {
  return key === 'record' && value ? `${(value as RecordDecl).file}:${(value as RecordDecl).line}` : value;
}

/** Whether a table holds for a file's model configuration: its architecture, and the same .config (or none). */
export function headerTypesFor(table: HeaderTypeTable | undefined, config: ModelConfig): HeaderTypeTable | undefined {
  if (!table || table.arch !== config.arch || (table.kconfigKey ?? null) !== (config.kconfig?.key ?? null)) return undefined;
  return table;
}

/** The table as the size scope's layer (sizes/structLayout.ts TypeLayer): the lowest one. */
export function headerTypeLayer(table: HeaderTypeTable): TypeLayer {
  return {
    records: new Map(table.records.map((record) => [`${record.kind} ${record.name}`, record])),
    typedefs: new Map(table.typedefs.map((typedef) => [typedef.name, typedef])),
    enums: new Map(),
  };
}
