// The layout engine: size, alignment and member offsets of struct and union definitions found in
// a file and its driver folder, for the configured architecture. Follows the GCC rules the kernel
// is built with (x86-64 SysV psABI, AAPCS/AAPCS64): natural alignment, tail padding to the largest
// member alignment, `packed` (alignment 1 unless a member says `aligned`), `aligned(n)` on
// members and types, flexible array members (size 0), and bitfields packed into storage units of
// their declared type. Whatever it cannot resolve exactly is `unknown`, with the reason.
import { ModelConfig } from '../../model/config';
import { dataModel, pointerLayout, scalarLayout } from '../../model/ctypes';
import type { Evaluation } from './constants';
import { LayeredMap } from './layeredMap';
import { EnumDecl, MemberDecl, RecordDecl, TypeDeclarations, TypeRef, TypedefDecl } from '../../parsing/typeDeclarations';

export interface MemberLayout {
  name?: string;
  type: TypeRef;
  /** Byte offset (of the storage unit's first byte for bitfields). */
  offset: number;
  size: number;
  bitOffset?: number;
  bits?: number;
  /** Members of an anonymous struct/union member, with offsets relative to the outer record. */
  inner?: MemberLayout[];
}

export interface RecordLayout {
  title: string;
  size: number;
  align: number;
  members: MemberLayout[];
  packed: boolean;
  file?: string;
  /** The record comes from the kernel tree's headers (the index), not from the file or its folder. */
  header?: boolean;
  /** The kernel-header records (the index's) its members hold by value, each once: `struct mutex (include/linux/mutex.h)`. */
  headerMembers?: string[];
}

export type Sized = { size: number; align: number; steps: string[]; layout?: RecordLayout };
export type SizeAnswer = Sized | { unknown: string };

export function isUnknown(answer: SizeAnswer): answer is { unknown: string } {
  return 'unknown' in answer;
}

type Entry<T> = T | 'ambiguous';

/** The types visible to one file: its own definitions first, then its driver folder's. */
export interface TypeEnvironment {
  config: ModelConfig;
  records: ReadonlyMap<string, Entry<RecordDecl>>;
  typedefs: ReadonlyMap<string, Entry<TypedefDecl>>;
  enums: ReadonlyMap<string, Entry<EnumDecl>>;
  /** Constant expressions in array sizes, bitfield widths and `aligned(n)`. */
  evaluate: (text: string) => Evaluation | undefined;
  /** Layouts computed so far: the environment owns them and they die with it. */
  layouts: Map<RecordDecl, SizeAnswer>;
}

/** Type names of some files by key (`struct foo`, `foo_t`, `enum bar`): plain data, shareable between environments. */
export interface TypeLayer {
  records: ReadonlyMap<string, Entry<RecordDecl>>;
  typedefs: ReadonlyMap<string, Entry<TypedefDecl>>;
  enums: ReadonlyMap<string, Entry<EnumDecl>>;
}

function sameRecord(a: RecordDecl, b: RecordDecl): boolean {
  return a.file === b.file && a.line === b.line;
}

function add<T>(map: Map<string, Entry<T>>, key: string, value: T, same: (a: T, b: T) => boolean): void {
  const existing = map.get(key);
  if (existing === undefined) map.set(key, value);
  else if (existing !== 'ambiguous' && !same(existing, value)) map.set(key, 'ambiguous');
}

/**
 * The type names of groups of files, earlier groups first. Within a group a name defined
 * differently in two files (two .c files each with a private `struct priv`) is ambiguous and
 * resolves to unknown; a name an earlier group defines is taken from it.
 */
export function typeLayer(groups: readonly (readonly TypeDeclarations[])[]): TypeLayer {
  const layer = { records: new Map<string, Entry<RecordDecl>>(), typedefs: new Map<string, Entry<TypedefDecl>>(), enums: new Map<string, Entry<EnumDecl>>() };
  for (const group of groups) {
    const records = new Map<string, Entry<RecordDecl>>();
    const typedefs = new Map<string, Entry<TypedefDecl>>();
    const enums = new Map<string, Entry<EnumDecl>>();
    for (const declarations of group) {
      for (const record of declarations.records) if (record.name) add(records, `${record.kind} ${record.name}`, record, sameRecord);
      for (const typedef of declarations.typedefs) add(typedefs, typedef.name, typedef, (a, b) => JSON.stringify(a.type, replacer) === JSON.stringify(b.type, replacer));
      for (const declaration of declarations.enums) if (declaration.name) add(enums, `enum ${declaration.name}`, declaration, (a, b) => a.line === b.line);
    }
    for (const [key, value] of records) if (!layer.records.has(key)) layer.records.set(key, value);
    for (const [key, value] of typedefs) if (!layer.typedefs.has(key)) layer.typedefs.set(key, value);
    for (const [key, value] of enums) if (!layer.enums.has(key)) layer.enums.set(key, value);
  }
  return layer;
}

/** An environment over layers of type names, the first layer defining a name winning (own, then folder). */
export function layeredTypeEnvironment(config: ModelConfig, layers: readonly TypeLayer[], evaluate: (text: string) => Evaluation | undefined): TypeEnvironment {
  return {
    config,
    records: new LayeredMap(layers.map((layer) => layer.records)),
    typedefs: new LayeredMap(layers.map((layer) => layer.typedefs)),
    enums: new LayeredMap(layers.map((layer) => layer.enums)),
    evaluate,
    layouts: new Map(),
  };
}

/**
 * Builds the environment. `own` definitions win; among the folder's files, a name defined
 * differently in two files is ambiguous. `preferred` files (the headers the file includes) win
 * over other siblings.
 */
export function createTypeEnvironment(
  config: ModelConfig,
  own: TypeDeclarations,
  preferred: readonly TypeDeclarations[],
  others: readonly TypeDeclarations[],
  evaluate: (text: string) => Evaluation | undefined,
): TypeEnvironment {
  return layeredTypeEnvironment(config, [typeLayer([[own]]), typeLayer([preferred, others])], evaluate);
}

function replacer(key: string, value: unknown): unknown {
  return key === 'record' && value ? `${(value as RecordDecl).file}:${(value as RecordDecl).line}` : value;
}

const MAX_DEPTH = 24;

function roundUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

function constant(environment: TypeEnvironment, text: string, what: string): number | { unknown: string } {
  const value = environment.evaluate(text)?.value;
  if (value === undefined) return { unknown: `${what} \`${text}\` is not a constant the model can evaluate` };
  return value;
}

export function typeTitle(type: TypeRef): string {
  return `${type.base}${type.pointers > 0 ? ` ${'*'.repeat(type.pointers)}` : ''}${type.dims.map((dim) => `[${dim ?? ''}]`).join('')}`;
}

/** Size of a declared type; a flexible dimension (`[]`) is an error here — callers handle FAMs. */
export function sizeOfType(environment: TypeEnvironment, type: TypeRef, depth = 0): SizeAnswer {
  if (depth > MAX_DEPTH) return { unknown: 'types nest too deeply' };
  if (type.dims.length > 0) {
    const element = sizeOfType(environment, { ...type, dims: [] }, depth + 1);
    if (isUnknown(element)) return element;
    let count = 1;
    for (const dim of type.dims) {
      if (dim === null) return { unknown: `${typeTitle(type)} has no length` };
      const value = constant(environment, dim, 'array length');
      if (typeof value !== 'number') return value;
      if (value < 0) return { unknown: `array length ${dim} is negative` };
      count *= value;
    }
    return { size: count * element.size, align: element.align, steps: element.steps, layout: undefined };
  }
  if (type.pointers > 0) return { ...pointerLayout(environment.config), steps: [] };
  if (type.record) return layoutRecord(environment, type.record, depth + 1);
  return sizeOfBase(environment, type.base, depth);
}

function sizeOfBase(environment: TypeEnvironment, base: string, depth: number): SizeAnswer {
  const words = base.split(' ');
  if (words[0] === 'struct' || words[0] === 'union') {
    const record = environment.records.get(base);
    if (record === 'ambiguous') return { unknown: `${base} is defined differently in several files of the folder` };
    if (record) return layoutRecord(environment, record, depth + 1);
    const known = scalarLayout(base, environment.config);
    return known ? { ...known, steps: [] } : { unknown: `${base} is not defined in this file or its driver folder` };
  }
  if (words[0] === 'enum') return sizeOfEnum(environment, base);
  const typedef = environment.typedefs.get(base);
  if (typedef === 'ambiguous') return { unknown: `typedef ${base} is defined differently in several files of the folder` };
  if (typedef) return sizeOfType(environment, typedef.type, depth + 1);
  const scalar = scalarLayout(base, environment.config);
  if (scalar) return { ...scalar, steps: [] };
  return { unknown: `the size of ${base} depends on the kernel configuration or is not known to the model` };
}

/** GCC gives an enum the type unsigned int or int when every value fits (no -fshort-enums in the kernel). */
function sizeOfEnum(environment: TypeEnvironment, base: string): SizeAnswer {
  const declaration = environment.enums.get(base);
  if (!declaration || declaration === 'ambiguous') return { unknown: `${base} is not defined in this file or its driver folder` };
  for (const entry of declaration.constants) {
    const value = environment.evaluate(entry.name)?.value;
    if (value === undefined) return { unknown: `${base}: value of ${entry.name} unknown` };
    if (value < -(2 ** 31) || value >= 2 ** 32) return { unknown: `${base} has values beyond 32 bits` };
  }
  return { size: 4, align: 4, steps: [] };
}

export function layoutRecord(environment: TypeEnvironment, record: RecordDecl, depth = 0): SizeAnswer {
  const cache = environment.layouts;
  const cached = cache.get(record);
  if (cached) return cached;
  // A record that contains itself by value is invalid C; guard against loops anyway.
  cache.set(record, { unknown: `${recordTitle(record)} contains itself` });
  const answer = computeLayout(environment, record, depth);
  cache.set(record, answer);
  return answer;
}

export function recordTitle(record: RecordDecl): string {
  if (record.name) return `${record.kind} ${record.name}`;
  return record.alias ?? `anonymous ${record.kind}`;
}

function computeLayout(environment: TypeEnvironment, record: RecordDecl, depth: number): SizeAnswer {
  const title = recordTitle(record);
  if (record.unsupported) return { unknown: `${title}: ${record.unsupported}` };
  if (record.members.length === 0) {
    // An empty struct is 0 bytes in GNU C (x86's `struct dev_archdata {}`, arch/x86/include/asm/device.h,
    // 6.1); trusted only for the index's headers, whose bodies were read with every #if decided.
    if (record.header && record.kind === 'struct' && !record.aligned) {
      const layout: RecordLayout = { title, size: 0, align: 1, members: [], packed: record.packed, file: record.file, header: true };
      return { size: 0, align: 1, steps: [describeLayout(layout)], layout };
    }
    return { unknown: `${title} has no members the model can read` };
  }
  const ilp32 = dataModel(environment.config.arch) === 'ILP32';
  const members: MemberLayout[] = [];
  const headerMembers: string[] = [];
  let bitPosition = 0;
  let unionSize = 0;
  let maxAlign = 1;
  for (const [index, member] of record.members.entries()) {
    const flexible = member.type.dims[0] === null;
    if (flexible && (index !== record.members.length - 1 || record.kind === 'union' || member.type.dims.length > 1 || member.bits)) {
      return { unknown: `${title}: flexible array ${member.name ?? ''} is not the last member` };
    }
    const element = sizeOfType(environment, flexible ? { ...member.type, dims: [] } : member.type, depth + 1);
    if (isUnknown(element)) return { unknown: `${title}.${member.name ?? '<anonymous>'}: ${element.unknown}` };
    if (!record.header && member.type.pointers === 0) {
      const held = resolveRecord(environment, { ...member.type, dims: [] });
      const origin = held?.header ? `${recordTitle(held)} (${held.file})` : undefined;
      if (origin && !headerMembers.includes(origin)) headerMembers.push(origin);
    }
    let align = record.packed || member.packed ? 1 : element.align;
    // #pragma pack(n) caps member alignment (GCC); with an explicit aligned() too, stay silent.
    if (record.pack !== undefined) {
      if (member.aligned !== undefined) return { unknown: `${title}: aligned() under #pragma pack not modelled` };
      align = Math.min(align, record.pack);
    }
    if (member.aligned !== undefined) {
      const requested = constant(environment, member.aligned, 'alignment');
      if (typeof requested !== 'number') return requested;
      if (requested <= 0 || (requested & (requested - 1)) !== 0) return { unknown: `${title}: alignment ${member.aligned} is not a power of two` };
      align = Math.max(align, requested);
    }
    const start = record.kind === 'union' ? 0 : bitPosition;
    if (member.bits !== undefined) {
      const width = constant(environment, member.bits, 'bitfield width');
      if (typeof width !== 'number') return width;
      if (member.aligned !== undefined || width < 0 || width > element.size * 8) return { unknown: `${title}: bitfield ${member.name ?? ''} not modelled` };
      // Unnamed and zero-width bitfields differ between the SysV and AAPCS ABIs: stay exact on
      // the one checked against GCC (x86-64/arm64 share the rules here), unknown on 32-bit arm.
      if (ilp32 && (width === 0 || !member.name)) return { unknown: `${title}: unnamed bitfield on 32-bit arm not modelled` };
      if (width === 0) {
        if (record.kind === 'struct') bitPosition = roundUp(bitPosition, element.align * 8);
        continue;
      }
      let position = start;
      const unit = element.size * 8;
      const packedField = record.packed || member.packed || record.pack !== undefined;
      if (record.pack !== undefined && record.pack !== 1) return { unknown: `${title}: bitfields under #pragma pack(${record.pack}) not modelled` };
      if (!packedField && Math.floor(position / unit) !== Math.floor((position + width - 1) / unit)) position = roundUp(position, element.align * 8);
      if (member.name) maxAlign = Math.max(maxAlign, align);
      members.push({ name: member.name, type: member.type, offset: Math.floor(position / 8), size: element.size, bitOffset: position % 8, bits: width });
      if (record.kind === 'union') unionSize = Math.max(unionSize, Math.ceil(width / 8));
      else bitPosition = position + width;
      continue;
    }
    const offset = roundUp(Math.ceil(start / 8), align);
    const size = flexible ? 0 : element.size;
    maxAlign = Math.max(maxAlign, align);
    const inner = !member.name && element.layout ? element.layout.members.map((entry) => shift(entry, offset)) : undefined;
    members.push({ name: member.name, type: member.type, offset, size, inner });
    if (record.kind === 'union') unionSize = Math.max(unionSize, size);
    else bitPosition = (offset + size) * 8;
  }
  if (record.aligned !== undefined) {
    const requested = constant(environment, record.aligned, 'alignment');
    if (typeof requested !== 'number') return requested;
    if (requested <= 0 || (requested & (requested - 1)) !== 0) return { unknown: `${title}: alignment ${record.aligned} is not a power of two` };
    maxAlign = Math.max(maxAlign, requested);
  }
  const raw = record.kind === 'union' ? unionSize : Math.ceil(bitPosition / 8);
  const size = roundUp(raw, maxAlign);
  const layout: RecordLayout = {
    title,
    size,
    align: maxAlign,
    members,
    packed: record.packed || record.pack !== undefined,
    file: record.file,
    ...(record.header ? { header: true } : {}),
    ...(headerMembers.length > 0 ? { headerMembers } : {}),
  };
  return { size, align: maxAlign, steps: [describeLayout(layout)], layout };
}

function shift(member: MemberLayout, by: number): MemberLayout {
  return { ...member, offset: member.offset + by, inner: member.inner?.map((entry) => shift(entry, by)) };
}

const SHOWN_MEMBERS = 6;

/** `sizeof(struct big_state) = 71536: hdrs 1536 @0, fw_image 70000 @1536` (largest members when there are many). */
export function describeLayout(layout: RecordLayout): string {
  const flat = layout.members;
  const shown =
    flat.length <= SHOWN_MEMBERS
      ? flat
      : [...flat]
          .sort((a, b) => b.size - a.size)
          .slice(0, SHOWN_MEMBERS - 1)
          .sort((a, b) => a.offset - b.offset);
  const parts = shown.map((member) => {
    const name = member.name ?? `<anonymous ${member.type.base.split(' ')[0]}>`;
    const where = member.bits !== undefined ? `@${member.offset}+${member.bitOffset} bits` : `@${member.offset}`;
    return `${name} ${member.bits !== undefined ? `:${member.bits}` : member.size} ${where}`;
  });
  const more = flat.length - shown.length;
  const tail = more > 0 ? `, … ${more} smaller member${more === 1 ? '' : 's'}` : '';
  // A kernel header is named by its path in the tree (include/sound/memalloc.h), a driver's file by its name.
  const origin = layout.file ? ` (${layout.header ? layout.file : layout.file.split('/').pop()})` : '';
  // What the size owes to the kernel tree's headers (the index), so the evidence says so.
  const headers = layout.headerMembers ?? [];
  const fromHeaders = headers.length > 0 ? `; from the kernel headers: ${headers.slice(0, 3).join(', ')}${headers.length > 3 ? ` and ${headers.length - 3} more` : ''}` : '';
  return `sizeof(${layout.title}) = ${layout.size}${layout.packed ? ' (packed)' : ''}${origin}: ${parts.join(', ')}${tail}${fromHeaders}`;
}

/** A member by name, looking through anonymous struct/union members as C does. */
export function findMember(environment: TypeEnvironment, recordType: TypeRef, name: string): MemberDecl | undefined {
  const record = resolveRecord(environment, recordType);
  return record ? findIn(environment, record, name, 0) : undefined;
}

function findIn(environment: TypeEnvironment, record: RecordDecl, name: string, depth: number): MemberDecl | undefined {
  if (depth > MAX_DEPTH) return undefined;
  for (const member of record.members) {
    if (member.name === name) return member;
    if (!member.name && member.type.record) {
      const found = findIn(environment, member.type.record, name, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** The record a (non-pointer, non-array) type names, through typedefs. */
export function resolveRecord(environment: TypeEnvironment, type: TypeRef, depth = 0): RecordDecl | undefined {
  if (depth > MAX_DEPTH || type.pointers > 0 || type.dims.length > 0) return undefined;
  if (type.record) return type.record;
  const record = environment.records.get(type.base);
  if (record && record !== 'ambiguous') return record;
  const typedef = environment.typedefs.get(type.base);
  if (typedef && typedef !== 'ambiguous') return resolveRecord(environment, typedef.type, depth + 1);
  return undefined;
}

/** Follows typedefs so `foo_t *p` can be dereferenced: the TypeRef a typedef name stands for. */
export function expandTypedef(environment: TypeEnvironment, type: TypeRef, depth = 0): TypeRef {
  if (depth > MAX_DEPTH || type.record) return type;
  const typedef = environment.typedefs.get(type.base);
  if (!typedef || typedef === 'ambiguous') return type;
  const inner = typedef.type;
  // `typedef struct foo *foo_p; foo_p x[2];` → struct foo *x[2]: outer dims, inner pointers.
  if (inner.dims.length > 0 && type.pointers > 0) return type;
  return expandTypedef(environment, { base: inner.base, record: inner.record, pointers: inner.pointers + type.pointers, dims: [...type.dims, ...inner.dims] }, depth + 1);
}
