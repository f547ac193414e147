// Struct, union, typedef and enum definitions of one file, read from its text. Kernel attribute
// macros (`__packed`, `__aligned(n)`, `} __randomize_layout;`) send tree-sitter into error
// recovery, so definitions are scanned from tokens instead. A body the scanner cannot read
// exactly — a member behind #ifdef, a macro it does not know — is kept with the reason, so the
// layout engine reports "unknown" rather than a wrong size.

/** A declared type: base name, pointer depth, array dimensions (expression text; null = `[]`). */
export interface TypeRef {
  base: string;
  pointers: number;
  dims: (string | null)[];
  /** An inline struct/union body given in place of a base name. */
  record?: RecordDecl;
}

export interface MemberDecl {
  /** Absent for anonymous struct/union members and unnamed bitfields. */
  name?: string;
  type: TypeRef;
  /** Bitfield width expression. */
  bits?: string;
  /** `__aligned(n)` on the member: the expression text. */
  aligned?: string;
  packed: boolean;
}

export interface RecordDecl {
  kind: 'struct' | 'union';
  name?: string;
  members: MemberDecl[];
  packed: boolean;
  aligned?: string;
  /** The typedef name of an anonymous record (`typedef struct { … } foo_t;`), for messages. */
  alias?: string;
  /** Maximum member alignment set by an enclosing `#pragma pack(n)`. */
  pack?: number;
  /** Why the layout cannot be computed exactly, when it cannot. */
  unsupported?: string;
  /** 0-based line of the definition. */
  line: number;
  file?: string;
  /** From the kernel tree's headers (the index's table, analysis/index/headerTypes.ts): `file` is relative to the tree's root. */
  header?: boolean;
}

export interface TypedefDecl {
  name: string;
  type: TypeRef;
  line: number;
}

export interface EnumDecl {
  name?: string;
  /** Constant names with their value as expression text (implicit ones as `PREV + 1`). */
  constants: { name: string; value: string }[];
  line: number;
}

export interface TypeDeclarations {
  records: RecordDecl[];
  typedefs: TypedefDecl[];
  enums: EnumDecl[];
  /** `#include "x.h"` targets, as written. */
  localIncludes: string[];
}

interface Token {
  text: string;
  offset: number;
}

const C_TYPE_WORDS = new Set(['unsigned', 'signed', 'int', 'long', 'short', 'char', 'void', 'float', 'double', '_Bool', 'bool']);
const IGNORED_WORDS = new Set([
  'const',
  'volatile',
  'static',
  'extern',
  'register',
  'inline',
  '__iomem',
  '__user',
  '__rcu',
  '__force',
  // A sparse annotation (include/linux/compiler_types.h, 6.1): no effect on the layout.
  '__bitwise',
  '__percpu',
  '__private',
  '__kernel',
  'restrict',
  '__restrict',
  '__nonstring',
  '__read_mostly',
  '__maybe_unused',
  '__used',
]);
/** Attributes that make a layout configuration-dependent: cache-line size, randstruct. */
const UNKNOWN_LAYOUT_ATTRIBUTES =
  /^(____cacheline_aligned\w*|__cacheline_aligned\w*|____cacheline_internodealigned_in_smp|__randomize_layout|randomized_struct_fields_start|randomized_struct_fields_end|__no_randomize_layout)$/;
/** Annotations that do not change a layout. */
const NEUTRAL_CALL_ATTRIBUTES = /^(__counted_by|__counted_by_le|__counted_by_be|__guarded_by|__pt_guarded_by|__aligned_largest)$/;

/** The characters mask() acts on; everything else is copied as is. */
const MASK_SPECIAL = /[\n#/"']/g;
const NOT_BLANK = /[^ \t\r]/;

/** Replaces comments, string and char literals by spaces (newlines kept) so offsets stay valid. */
function mask(text: string): { masked: string; preprocessor: { offset: number; end: number; text: string }[] } {
  // Built from slices rather than a char array: driver folders hold multi-megabyte tables.
  const parts: string[] = [];
  let copied = 0;
  const preprocessor: { offset: number; end: number; text: string }[] = [];
  // Jumps from one special character to the next (a regex scan, not a JS loop per character: this
  // runs on every edit of the open file). `lineStart` holds at `checkedFrom`; the ordinary
  // characters between there and the next special one only matter before a `#`.
  let index = 0;
  let lineStart = true;
  let checkedFrom = 0;
  const blank = (from: number, to: number) => {
    parts.push(text.slice(copied, from), text.slice(from, to).replace(/[^\n]/g, ' '));
    copied = to;
  };
  const special = new RegExp(MASK_SPECIAL.source, 'g');
  while (index < text.length) {
    special.lastIndex = index;
    const found = special.exec(text);
    if (!found) break;
    index = found.index;
    const char = text[index];
    if (char === '\n') {
      lineStart = true;
      index++;
      checkedFrom = index;
      continue;
    }
    if (char === '#' && lineStart && !NOT_BLANK.test(text.slice(checkedFrom, index))) {
      let end = index;
      while (end < text.length && text[end] !== '\n') {
        if (text[end] === '\\' && text[end + 1] === '\n') end += 2;
        else if (text.startsWith('/*', end)) {
          const close = text.indexOf('*/', end + 2);
          end = close < 0 ? text.length : close + 2;
        } else end++;
      }
      preprocessor.push({ offset: index, end, text: text.slice(index, end) });
      blank(index, end);
      index = end;
      checkedFrom = end;
      continue;
    }
    // Every special character other than a newline is not blank.
    lineStart = false;
    if (char === '/' && text[index + 1] === '*') {
      const close = text.indexOf('*/', index + 2);
      const end = close < 0 ? text.length : close + 2;
      blank(index, end);
      index = end;
    } else if (char === '/' && text[index + 1] === '/') {
      const close = text.indexOf('\n', index);
      const end = close < 0 ? text.length : close;
      blank(index, end);
      index = end;
    } else if (char === '"' || char === "'") {
      let end = index + 1;
      while (end < text.length && text[end] !== char && text[end] !== '\n') end += text[end] === '\\' ? 2 : 1;
      const stop = Math.min(end + 1, text.length);
      blank(index, stop);
      index = stop;
    } else {
      index++;
    }
    checkedFrom = index;
  }
  parts.push(text.slice(copied));
  return { masked: parts.join(''), preprocessor };
}

function tokenize(masked: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /[A-Za-z_]\w*|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|->|<<|>>|<=|>=|==|!=|&&|\|\||\.\.\.|\S/g;
  for (let match = pattern.exec(masked); match; match = pattern.exec(masked)) tokens.push({ text: match[0], offset: match.index });
  return tokens;
}

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Index of the token closing the bracket at `open`, or -1. */
function matching(tokens: Token[], open: number): number {
  const stack: string[] = [];
  for (let index = open; index < tokens.length; index++) {
    const text = tokens[index].text;
    if (CLOSERS[text]) stack.push(CLOSERS[text]);
    else if (text === ')' || text === ']' || text === '}') {
      if (stack.pop() !== text) return -1;
      if (stack.length === 0) return index;
    }
  }
  return -1;
}

function joinTokens(tokens: Token[]): string {
  return tokens.map((token) => token.text).join(' ');
}

/** Splits at top-level occurrences of `separator`. */
function splitTop(tokens: Token[], separator: string): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.text === '(' || token.text === '[' || token.text === '{') depth++;
    else if (token.text === ')' || token.text === ']' || token.text === '}') depth--;
    if (depth === 0 && token.text === separator) parts.push([]);
    else parts[parts.length - 1].push(token);
  }
  return parts;
}

interface Attributes {
  packed: boolean;
  aligned?: string;
  unsupported?: string;
}

/**
 * Removes attribute tokens from a token list, collecting what they say about layout.
 * `__attribute__((packed, aligned(4)))`, `__packed`, `__aligned(n)`, `__attribute__((__aligned__(n)))`.
 */
function stripAttributes(tokens: Token[]): { rest: Token[]; attributes: Attributes } {
  const rest: Token[] = [];
  const attributes: Attributes = { packed: false };
  for (let index = 0; index < tokens.length; index++) {
    const text = tokens[index].text;
    if (text === '__packed') {
      attributes.packed = true;
    } else if (text === '__aligned' && tokens[index + 1]?.text === '(') {
      const close = matching(tokens, index + 1);
      if (close < 0) return { rest, attributes: { ...attributes, unsupported: 'unbalanced __aligned()' } };
      attributes.aligned = joinTokens(tokens.slice(index + 2, close));
      index = close;
    } else if ((text === '__attribute__' || text === '__attribute') && tokens[index + 1]?.text === '(') {
      const close = matching(tokens, index + 1);
      if (close < 0) return { rest, attributes: { ...attributes, unsupported: 'unbalanced __attribute__' } };
      const inner = tokens.slice(index + 3, close - 1);
      for (const part of splitTop(inner, ',')) {
        const name = part[0]?.text.replace(/^__(.*)__$/, '$1');
        if (name === 'packed') attributes.packed = true;
        else if (name === 'aligned' && part[1]?.text === '(') attributes.aligned = joinTokens(part.slice(2, -1));
        else if (name === 'aligned') attributes.unsupported = '__attribute__((aligned)) without a value (the target maximum)';
        else if (name && !['unused', 'used', 'may_alias', 'designated_init', 'preserve_access_index', 'nonstring', 'deprecated', 'counted_by'].includes(name)) {
          attributes.unsupported = `__attribute__((${name}))`;
        }
      }
      index = close;
    } else if (UNKNOWN_LAYOUT_ATTRIBUTES.test(text)) {
      attributes.unsupported = `${text} depends on the kernel configuration`;
      if (tokens[index + 1]?.text === '(') index = Math.max(index, matching(tokens, index + 1));
    } else if (NEUTRAL_CALL_ATTRIBUTES.test(text) && tokens[index + 1]?.text === '(') {
      index = Math.max(index, matching(tokens, index + 1));
    } else if (IGNORED_WORDS.has(text)) {
      continue;
    } else {
      rest.push(tokens[index]);
    }
  }
  return { rest, attributes };
}

interface Scan {
  tokens: Token[];
  lineOf: (offset: number) => number;
  /** Offsets of #if/#ifdef/#else/#elif/#endif lines. */
  conditionals: number[];
  /** `#pragma pack` state changes in file order: offset and the packing from there on (undefined = default, NaN = unknown). */
  packs: { offset: number; pack?: number }[];
  file?: string;
  records: RecordDecl[];
  enums: EnumDecl[];
}

/** Parses `struct|union [attrs] [name] [attrs] { … } [attrs]` starting at `start`; returns the record and the index after its trailing attributes. */
function parseRecord(scan: Scan, start: number): { record: RecordDecl; next: number } | undefined {
  const { tokens } = scan;
  const kind = tokens[start].text as 'struct' | 'union';
  let index = start + 1;
  const before: Token[] = [];
  let name: string | undefined;
  while (index < tokens.length && tokens[index].text !== '{') {
    const text = tokens[index].text;
    if (text === '(') {
      const close = matching(tokens, index);
      if (close < 0) return undefined;
      before.push(...tokens.slice(index, close + 1));
      index = close + 1;
      continue;
    }
    if (!/^[A-Za-z_]\w*$/.test(text)) return undefined;
    if (text.startsWith('__') || UNKNOWN_LAYOUT_ATTRIBUTES.test(text)) before.push(tokens[index]);
    else if (name === undefined) name = text;
    else return undefined;
    index++;
  }
  if (index >= tokens.length) return undefined;
  const close = matching(tokens, index);
  if (close < 0) return undefined;
  const record: RecordDecl = { kind, name, members: [], packed: false, line: scan.lineOf(tokens[start].offset), file: scan.file };
  const pack = [...scan.packs].reverse().find((change) => change.offset < tokens[start].offset)?.pack;
  if (pack !== undefined) {
    if (Number.isNaN(pack)) record.unsupported = '#pragma pack state not understood';
    else record.pack = pack;
  }
  const bodyStart = tokens[index].offset;
  const bodyEnd = tokens[close].offset;
  if (scan.conditionals.some((offset) => offset > bodyStart && offset < bodyEnd)) {
    record.unsupported = 'members under #if/#ifdef depend on the kernel configuration';
  }
  parseMembers(scan, tokens.slice(index + 1, close), record);
  // Trailing attributes up to the declarators: `} __packed __aligned(4);`
  let next = close + 1;
  const after: Token[] = [];
  while (next < tokens.length) {
    const text = tokens[next].text;
    const isAttribute = text.startsWith('__') || UNKNOWN_LAYOUT_ATTRIBUTES.test(text);
    if (!isAttribute) break;
    if (tokens[next + 1]?.text === '(' && text !== '__packed') {
      const end = matching(tokens, next + 1);
      if (end < 0) break;
      after.push(...tokens.slice(next, end + 1));
      next = end + 1;
    } else {
      after.push(tokens[next]);
      next++;
    }
  }
  const { attributes, rest } = stripAttributes([...before, ...after]);
  record.packed = attributes.packed;
  record.aligned = attributes.aligned;
  if (attributes.unsupported) record.unsupported ??= attributes.unsupported;
  if (rest.length > 0) record.unsupported ??= `unknown attribute ${rest[0].text}`;
  scan.records.push(record);
  return { record, next };
}

/** Type specifier at the head of a declaration: returns the TypeRef base and where declarators start. */
function parseSpecifier(scan: Scan, tokens: Token[]): { base: string; record?: RecordDecl; rest: Token[] } | undefined {
  if (tokens.length === 0) return undefined;
  const first = tokens[0].text;
  if (first === 'struct' || first === 'union') {
    const brace = tokens.findIndex((token) => token.text === '{');
    const nameEnd = tokens.findIndex((token, index) => index > 0 && token.text !== '{' && !/^[A-Za-z_]\w*$/.test(token.text));
    if (brace > 0 && (nameEnd < 0 || brace <= nameEnd)) {
      const local: Scan = { ...scan, tokens };
      const parsed = parseRecord(local, 0);
      if (!parsed) return undefined;
      return { base: parsed.record.name ? `${first} ${parsed.record.name}` : `${first} <anonymous>`, record: parsed.record, rest: tokens.slice(parsed.next) };
    }
    if (!tokens[1] || !/^[A-Za-z_]\w*$/.test(tokens[1].text)) return undefined;
    return { base: `${first} ${tokens[1].text}`, rest: tokens.slice(2) };
  }
  if (first === 'enum') {
    const brace = tokens.findIndex((token) => token.text === '{');
    if (brace > 0 && brace <= 2) {
      const close = matching(tokens, brace);
      if (close < 0) return undefined;
      const name = brace === 2 ? tokens[1].text : undefined;
      scan.enums.push(parseEnumBody(scan, name, tokens.slice(brace + 1, close), tokens[0].offset));
      return { base: name ? `enum ${name}` : 'enum <anonymous>', rest: tokens.slice(close + 1) };
    }
    if (!tokens[1]) return undefined;
    return { base: `enum ${tokens[1].text}`, rest: tokens.slice(2) };
  }
  const words: string[] = [];
  let index = 0;
  while (index < tokens.length && C_TYPE_WORDS.has(tokens[index].text)) words.push(tokens[index++].text);
  if (words.length === 0) {
    if (!/^[A-Za-z_]\w*$/.test(first)) return undefined;
    words.push(first);
    index = 1;
  }
  return { base: words.join(' '), rest: tokens.slice(index) };
}

interface Declarator {
  name?: string;
  pointers: number;
  dims: (string | null)[];
  bits?: string;
}

/** One declarator: `*name`, `name[4][N]`, `(*fn)(int)`, `(*table[4])(void)`, `name : 3`, `: 0`. */
function parseDeclarator(tokens: Token[]): Declarator | undefined {
  let index = 0;
  let pointers = 0;
  while (tokens[index]?.text === '*') {
    pointers++;
    index++;
  }
  const declarator: Declarator = { pointers, dims: [] };
  if (tokens[index]?.text === '(') {
    // Function pointer or pointer to array: the name and array dimensions sit inside the parentheses.
    const close = matching(tokens, index);
    if (close < 0) return undefined;
    const inner = parseDeclarator(tokens.slice(index + 1, close));
    if (!inner || inner.pointers === 0 || inner.bits !== undefined) return undefined;
    index = close + 1;
    if (tokens[index]?.text === '(') {
      const end = matching(tokens, index);
      if (end < 0) return undefined;
      index = end + 1;
    } else if (tokens[index]?.text === '[') {
      // Pointer to array: still a pointer.
      while (tokens[index]?.text === '[') index = matching(tokens, index) + 1;
    } else {
      return undefined;
    }
    if (index !== tokens.length) return undefined;
    return { name: inner.name, pointers: inner.pointers, dims: inner.dims };
  }
  if (tokens[index] && /^[A-Za-z_]\w*$/.test(tokens[index].text)) declarator.name = tokens[index++].text;
  while (tokens[index]?.text === '[') {
    const close = matching(tokens, index);
    if (close < 0) return undefined;
    const size = joinTokens(tokens.slice(index + 1, close));
    declarator.dims.push(size === '' ? null : size);
    index = close + 1;
  }
  if (tokens[index]?.text === ':') {
    declarator.bits = joinTokens(tokens.slice(index + 1));
    if (!declarator.bits) return undefined;
    index = tokens.length;
  }
  if (tokens[index]?.text === '=') index = tokens.length;
  return index === tokens.length ? declarator : undefined;
}

/** DECLARE_BITMAP(name, bits) is `unsigned long name[BITS_TO_LONGS(bits)]` (include/linux/types.h). */
function knownMemberMacro(tokens: Token[]): MemberDecl | undefined {
  if (tokens[0]?.text === 'DECLARE_BITMAP' && tokens[1]?.text === '(') {
    const close = matching(tokens, 1);
    const args = splitTop(tokens.slice(2, close), ',');
    if (close === tokens.length - 1 && args.length === 2 && args[0].length === 1) {
      return { name: args[0][0].text, type: { base: 'unsigned long', pointers: 0, dims: [`BITS_TO_LONGS(${joinTokens(args[1])})`] }, packed: false };
    }
  }
  return undefined;
}

function parseMembers(scan: Scan, body: Token[], record: RecordDecl): void {
  for (const raw of splitTop(body, ';')) {
    if (raw.length === 0) continue;
    const known = knownMemberMacro(raw);
    if (known) {
      record.members.push(known);
      continue;
    }
    const { rest, attributes } = stripAttributes(raw);
    if (attributes.unsupported) record.unsupported ??= attributes.unsupported;
    const specifier = parseSpecifier(scan, rest);
    if (!specifier) {
      record.unsupported ??= `member \`${joinTokens(raw)}\` not understood`;
      continue;
    }
    if (specifier.record?.unsupported) record.unsupported ??= specifier.record.unsupported;
    // Attributes after the type and before the name (`struct foo __packed x;`) were stripped above.
    const { rest: declaratorTokens, attributes: late } = stripAttributes(specifier.rest);
    if (late.unsupported) record.unsupported ??= late.unsupported;
    const packed = attributes.packed || late.packed;
    const aligned = late.aligned ?? attributes.aligned;
    if (declaratorTokens.length === 0) {
      // Anonymous struct/union member, or a type with no declarator (a macro we do not know).
      if (specifier.record && !specifier.record.name) {
        record.members.push({ type: { base: specifier.base, pointers: 0, dims: [], record: specifier.record }, packed, aligned });
      } else if (!specifier.record) {
        record.unsupported ??= `member \`${joinTokens(raw)}\` not understood`;
      }
      continue;
    }
    for (const part of splitTop(declaratorTokens, ',')) {
      const declarator = parseDeclarator(part);
      if (!declarator || (!declarator.name && declarator.bits === undefined)) {
        record.unsupported ??= `member \`${joinTokens(raw)}\` not understood`;
        continue;
      }
      record.members.push({
        name: declarator.name,
        type: { base: specifier.base, pointers: declarator.pointers, dims: declarator.dims, record: specifier.record },
        bits: declarator.bits,
        aligned,
        packed,
      });
    }
  }
}

function parseEnumBody(scan: Scan, name: string | undefined, body: Token[], offset: number): EnumDecl {
  const constants: { name: string; value: string }[] = [];
  let previous: string | undefined;
  for (const part of splitTop(body, ',')) {
    if (part.length === 0 || !/^[A-Za-z_]\w*$/.test(part[0].text)) continue;
    const constant = part[0].text;
    const value = part[1]?.text === '=' ? joinTokens(part.slice(2)) : previous === undefined ? '0' : `(${previous}) + 1`;
    constants.push({ name: constant, value });
    previous = constant;
  }
  return { name, constants, line: scan.lineOf(offset) };
}

/**
 * `#pragma pack(n)`, `pack(push, n)`, `pack(pop)`, `pack()` in file order (GCC semantics: the
 * packing caps member alignment until changed). Anything else makes the state unknown (NaN).
 */
function pragmaPacks(lines: { offset: number; text: string }[]): { offset: number; pack?: number }[] {
  const changes: { offset: number; pack?: number }[] = [];
  const stack: (number | undefined)[] = [];
  let current: number | undefined;
  for (const line of lines) {
    const match = /^#\s*pragma\s+pack\s*\(([^)]*)\)/.exec(line.text);
    if (!match) continue;
    const args = match[1]
      .split(',')
      .map((arg) => arg.trim())
      .filter(Boolean);
    if (args.length === 0) current = undefined;
    else if (args[0] === 'pop' && args.length === 1) current = stack.pop();
    else if (args[0] === 'push') {
      stack.push(current);
      if (args[1] !== undefined) current = /^\d+$/.test(args[1]) ? Number(args[1]) : NaN;
    } else if (/^\d+$/.test(args[0]) && args.length === 1) current = Number(args[0]);
    else current = NaN;
    changes.push({ offset: line.offset, pack: current });
  }
  return changes;
}

/** All type definitions of a file's text. */
export function collectTypeDeclarations(text: string, file?: string): TypeDeclarations {
  const { masked, preprocessor } = mask(text);
  const lineStarts = [0];
  for (let index = 0; index < text.length; index++) if (text[index] === '\n') lineStarts.push(index + 1);
  const lineOf = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  };
  const tokens = tokenize(masked);
  const scan: Scan = {
    tokens,
    lineOf,
    packs: pragmaPacks(preprocessor),
    conditionals: preprocessor.filter((line) => /^#\s*(if|ifdef|ifndef|elif|else|endif)\b/.test(line.text)).map((line) => line.offset),
    file,
    records: [],
    enums: [],
  };
  const typedefs: TypedefDecl[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const text = tokens[index].text;
    if (text === 'typedef') {
      let end = index + 1;
      let depth = 0;
      while (end < tokens.length && !(depth === 0 && tokens[end].text === ';')) {
        if (tokens[end].text === '{' || tokens[end].text === '(') depth++;
        else if (tokens[end].text === '}' || tokens[end].text === ')') depth--;
        end++;
      }
      const { rest } = stripAttributes(tokens.slice(index + 1, end));
      const specifier = parseSpecifier(scan, rest);
      if (specifier) {
        const { rest: declarators } = stripAttributes(specifier.rest);
        for (const part of splitTop(declarators, ',')) {
          const declarator = parseDeclarator(part);
          if (declarator?.name && declarator.bits === undefined) {
            if (specifier.record && !specifier.record.name && declarator.pointers === 0 && declarator.dims.length === 0) specifier.record.alias ??= declarator.name;
            typedefs.push({
              name: declarator.name,
              type: { base: specifier.base, pointers: declarator.pointers, dims: declarator.dims, record: specifier.record },
              line: lineOf(tokens[index].offset),
            });
          }
        }
      }
      index = end;
    } else if ((text === 'struct' || text === 'union') && tokens[index - 1]?.text !== 'typedef') {
      let probe = index + 1;
      while (probe < tokens.length && /^[A-Za-z_]\w*$/.test(tokens[probe].text) && probe - index <= 3) probe++;
      if (tokens[probe]?.text === '(') {
        // `struct __aligned(8) foo {`
        const close = matching(tokens, probe);
        if (close > 0) probe = close + 1;
        while (probe < tokens.length && /^[A-Za-z_]\w*$/.test(tokens[probe].text) && probe - index <= 6) probe++;
      }
      if (tokens[probe]?.text === '{') {
        const parsed = parseRecord(scan, index);
        if (parsed) index = parsed.next - 1;
      }
    } else if (text === 'enum' && (tokens[index + 1]?.text === '{' || tokens[index + 2]?.text === '{')) {
      const brace = tokens[index + 1].text === '{' ? index + 1 : index + 2;
      const close = matching(tokens, brace);
      if (close > 0) {
        scan.enums.push(parseEnumBody(scan, brace === index + 2 ? tokens[index + 1].text : undefined, tokens.slice(brace + 1, close), tokens[index].offset));
        index = close;
      }
    }
  }
  const localIncludes = preprocessor.map((line) => /^#\s*include\s*"([^"]+)"/.exec(line.text)?.[1]).filter((target): target is string => target !== undefined);
  return { records: scan.records, typedefs, enums: scan.enums, localIncludes };
}
