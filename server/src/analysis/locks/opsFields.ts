// Calls through a struct field (`hw->phy.ops.release(hw)`, `priv->ops.recv_buf(…)`) and the
// functions stored in struct fields (`.release = foo_release` in a `struct x_ops` initialiser,
// `p->ops.recv_buf = foo_recv`), and a function passed as an argument to a parameter the callee
// calls (`run_cb(priv, foo_cb)` with `run_cb(p, cb) { …; cb(p); }`). The facts are plain data in
// the summaries, named structurally by struct type and field path (`struct e1000_hw.phy.ops.release`),
// so a folder here and a whole tree later (the kernel index) can aggregate them; the composition
// (atomicEntry.ts) turns them into call edges with `opsFieldEdges()`.
//
// A field path is resolved through the struct declarations of the folder to the struct that
// declares the function pointer (`struct e1000_hw.phy.ops.release` → `struct
// e1000_phy_operations.release`), so a call and a store written from different variables meet.
// When the type is unknown, or the path starts at a kernel struct the folder does not declare
// (`struct gpio_chip.get`), there is no edge: in a folder of many drivers a member name joins one
// driver's call to every other driver's function of that name (silence over a guess).
import type { Node } from 'web-tree-sitter';
import { Span, callArguments, unwrapExpression } from '../../parsing/syntax';
import type { FileSummary } from '../summaries/fileSummary';
import { FunctionSummary, RegistrationFact, placed } from '../summaries/functionSummary';
import type { KernelLookup } from '../index/kernelSleeps';
import type { DerivedOpsContext } from '../index/opsContexts';
import type { FunctionRef } from './atomicEntry';

/** A call through a struct field. */
export interface FieldCall {
  /** `struct e1000_hw.phy.ops.release`: the declared type of the variable the path starts from, and the path; absent when the type is not declared in the function. */
  key?: string;
  /** The member called: `release`. */
  field: string;
}

/** A function stored in a struct field. */
export interface OpsStore {
  /** `struct x_ops.release` (initialiser of a `struct x_ops`), `struct foo_priv.ops.recv_buf` (assignment); absent when the type is unknown. */
  key?: string;
  field: string;
  /** The function stored. */
  target: string;
  /** The initialiser pair or assignment (rows relative to its function or item). */
  site: Span;
}

/** One struct declaration, as far as field paths need it. */
export interface OpsRecord {
  /** `struct e1000_hw`, or the typedef name of an anonymous struct. */
  type: string;
  /** Each member: the struct (or typedef) type it holds or points to, 'fn' for a function pointer; no type for anything else. */
  members: readonly { name: string; type?: string }[];
}

/** The struct declarations and typedefs of a file (or of one of its file-scope items). */
export interface OpsTypes {
  records: readonly OpsRecord[];
  /** `typedef struct foo foo_t;` → `{ name: 'foo_t', type: 'struct foo' }`; a typedef of a function pointer has type 'fn'. */
  typedefs: readonly { name: string; type: string }[];
}

export const NO_OPS_TYPES: OpsTypes = { records: [], typedefs: [] };

/** `struct foo` / `union foo` / a typedef name of a type specifier; undefined for anything else. */
function typeNameOf(type: Node | null): string | undefined {
  if (!type) return undefined;
  if (type.type === 'struct_specifier' || type.type === 'union_specifier') {
    const name = type.childForFieldName('name')?.text;
    return name ? `${type.type === 'struct_specifier' ? 'struct' : 'union'} ${name}` : undefined;
  }
  return type.type === 'type_identifier' ? type.text : undefined;
}

/** The name a (field) declarator declares and whether it is a function pointer. */
function declaratorName(declarator: Node): { name: string; function: boolean } | undefined {
  let current: Node | null = declarator;
  let isFunction = false;
  for (let guard = 0; current && guard < 16; guard++) {
    if (current.type === 'field_identifier' || current.type === 'identifier' || current.type === 'type_identifier') return { name: current.text, function: isFunction };
    if (current.type === 'function_declarator') isFunction = true;
    if (current.type === 'parenthesized_declarator') current = current.namedChildren.find((child) => !!child && child.type !== 'comment') ?? null;
    else current = current.childForFieldName('declarator');
  }
  return undefined;
}

function membersOf(body: Node, into: { name: string; type?: string }[]): void {
  for (const member of body.namedChildren) {
    if (member?.type !== 'field_declaration') continue;
    const type = member.childForFieldName('type');
    const declarators = member.childrenForFieldName('declarator').filter((node): node is Node => !!node);
    // An anonymous struct or union member: its members are reached directly.
    if (declarators.length === 0 && type && (type.type === 'struct_specifier' || type.type === 'union_specifier') && !type.childForFieldName('name')) {
      const inner = type.childForFieldName('body');
      if (inner) membersOf(inner, into);
      continue;
    }
    const typeName = typeNameOf(type);
    for (const declarator of declarators) {
      const declared = declaratorName(declarator);
      if (!declared) continue;
      const held = declared.function ? 'fn' : typeName;
      into.push(held ? { name: declared.name, type: held } : { name: declared.name });
    }
  }
}

/** The struct declarations and typedefs inside one file-scope item (never a function body). */
export function opsTypesIn(item: Node): OpsTypes {
  if (item.type === 'function_definition' || item.type === 'comment') return NO_OPS_TYPES;
  const records: OpsRecord[] = [];
  const typedefs: { name: string; type: string }[] = [];
  const specifiers = item.descendantsOfType(['struct_specifier', 'union_specifier']).filter((node): node is Node => !!node);
  for (const specifier of specifiers) {
    const body = specifier.childForFieldName('body');
    if (!body) continue;
    let type = typeNameOf(specifier);
    if (!type && specifier.parent?.type === 'type_definition') {
      // `typedef struct { … } foo_t;`: the record is known by its typedef name.
      const declarator = specifier.parent.childForFieldName('declarator');
      type = declarator ? declaratorName(declarator)?.name : undefined;
    }
    if (!type) continue;
    const members: { name: string; type?: string }[] = [];
    membersOf(body, members);
    records.push({ type, members });
  }
  for (const definition of item.type === 'type_definition' ? [item] : item.descendantsOfType(['type_definition']).filter((node): node is Node => !!node)) {
    const type = definition.childForFieldName('type');
    for (const declarator of definition.childrenForFieldName('declarator')) {
      if (!declarator) continue;
      const declared = declaratorName(declarator);
      if (!declared) continue;
      const named = declared.function ? 'fn' : typeNameOf(type);
      if (named && named !== declared.name) typedefs.push({ name: declared.name, type: named });
    }
  }
  return records.length === 0 && typedefs.length === 0 ? NO_OPS_TYPES : { records, typedefs };
}

/** The member names of a field expression, outermost first (`hw->phy.ops.release` → phy, ops, release), and the expression it starts from. */
function fieldChain(node: Node): { root: Node; fields: string[] } | undefined {
  const fields: string[] = [];
  let current = unwrapExpression(node);
  while (current.type === 'field_expression') {
    const field = current.childForFieldName('field');
    const argument = current.childForFieldName('argument');
    if (!field || !argument) return undefined;
    fields.unshift(field.text);
    current = unwrapExpression(argument);
  }
  return fields.length > 0 ? { root: current, fields } : undefined;
}

/**
 * The field a call goes through (`hw->phy.ops.release(hw)`, `(*p->ops->cb)(p)`); undefined for a
 * call of a plain name. `fieldKey` names a field expression structurally (paths/fieldConditions.ts).
 */
export function fieldCallOf(call: Node, fieldKey: (node: Node) => string | undefined): FieldCall | undefined {
  let callee = call.childForFieldName('function');
  if (!callee) return undefined;
  callee = unwrapExpression(callee);
  if (callee.type === 'pointer_expression' && callee.childForFieldName('operator')?.text === '*') callee = unwrapExpression(callee.childForFieldName('argument')!);
  const chain = fieldChain(callee);
  if (!chain) return undefined;
  const key = fieldKey(callee);
  return { ...(key ? { key } : {}), field: chain.fields[chain.fields.length - 1] };
}

/** The names of a definition's parameters by position, function-pointer parameters (`void (*cb)(int)`) included; '' when unnamed. */
export function parameterNames(definition: Node): string[] {
  let declarator = definition.childForFieldName('declarator');
  while (declarator && declarator.type !== 'function_declarator') declarator = declarator.childForFieldName('declarator');
  const list = declarator?.childForFieldName('parameters');
  return (list?.namedChildren ?? [])
    .filter((parameter): parameter is Node => !!parameter && parameter.type !== 'comment')
    .map((parameter) => {
      const inner = parameter.childForFieldName('declarator');
      return (inner ? declaratorName(inner)?.name : undefined) ?? '';
    });
}

/** The parameter a call calls (`cb(p)`, `(*cb)(p)` with `cb` a parameter), by index. */
export function calledParameterOf(call: Node, parameters: readonly string[]): number | undefined {
  let callee = call.childForFieldName('function');
  if (!callee) return undefined;
  callee = unwrapExpression(callee);
  if (callee.type === 'pointer_expression' && callee.childForFieldName('operator')?.text === '*') callee = unwrapExpression(callee.childForFieldName('argument')!);
  if (callee.type !== 'identifier') return undefined;
  const index = callee.text ? parameters.indexOf(callee.text) : -1;
  return index >= 0 ? index : undefined;
}

/** `fn`, `&fn` → "fn" when the name is no parameter or local of the calling function (it may name a function). */
function functionName(argument: Node, own: (name: string) => boolean): string | undefined {
  let node = unwrapExpression(argument);
  if (node.type === 'pointer_expression' && node.childForFieldName('operator')?.text === '&') node = unwrapExpression(node.childForFieldName('argument')!);
  if (node.type !== 'identifier' || /^(NULL|true|false)$/.test(node.text) || /^[A-Z0-9_]+$/.test(node.text)) return undefined;
  return own(node.text) ? undefined : node.text;
}

/** Arguments of a call that may name a function of the folder, by position; undefined when none does. */
export function functionArgumentsOf(call: Node, own: (name: string) => boolean): (string | undefined)[] | undefined {
  const names = callArguments(call).map((argument) => functionName(argument, own));
  return names.some((name) => name !== undefined) ? names : undefined;
}

/** The names a function body declares (locals), for functionArgumentsOf(). */
export function localNames(declarations: readonly Node[]): Set<string> {
  const names = new Set<string>();
  for (const declaration of declarations)
    for (const declarator of declaration.childrenForFieldName('declarator')) {
      const declared = declarator ? declaratorName(declarator) : undefined;
      if (declared) names.add(declared.name);
    }
  return names;
}

/** `.a.b = x`: the field designators of an initializer pair (array designators are skipped). */
function designatorFields(pair: Node): string[] {
  return pair
    .childrenForFieldName('designator')
    .filter((node): node is Node => node?.type === 'field_designator')
    .map((node) => node.text.replace(/^\./, '').trim());
}

/**
 * The struct type and field path an initializer pair sets: `.release = f` in `static const struct
 * x_ops ops = { … }` → `struct x_ops.release`, `.ops = { .trigger = f }` inside a `struct y` →
 * `struct y.ops.trigger`; elements of an array of structs count as the struct. Undefined type when
 * the initialiser is not a declaration's (or a compound literal's) value.
 */
export function initializerField(pair: Node): { key?: string; field: string } | undefined {
  const path = designatorFields(pair);
  if (path.length === 0) return undefined;
  const field = path[path.length - 1];
  let node: Node | null = pair.parent;
  for (let guard = 0; node && guard < 32; guard++) {
    if (node.type !== 'initializer_list') return { field };
    const parent: Node | null = node.parent;
    if (parent?.type === 'initializer_pair') {
      path.unshift(...designatorFields(parent));
      node = parent.parent;
    } else if (parent?.type === 'initializer_list') {
      node = parent;
    } else if (parent?.type === 'init_declarator' || parent?.type === 'compound_literal_expression') {
      const type = typeNameOf((parent.type === 'init_declarator' ? parent.parent : parent)?.childForFieldName('type') ?? null);
      return type ? { key: `${type}.${path.join('.')}`, field } : { field };
    } else return { field };
  }
  return { field };
}

/** `fn`, `&fn`, `(cast)fn` → "fn"; NULL, 0 or an expression → undefined. */
function storedFunction(value: Node | null): string | undefined {
  if (!value) return undefined;
  let node = unwrapExpression(value);
  if (node.type === 'pointer_expression' && node.childForFieldName('operator')?.text === '&') node = unwrapExpression(node.childForFieldName('argument')!);
  return node.type === 'identifier' && !/^(NULL|0)$/.test(node.text) && !/^[A-Z0-9_]+$/.test(node.text) ? node.text : undefined;
}

/**
 * The functions stored in struct fields by some initializer pairs and assignment expressions:
 * `.release = foo_release`, `p->ops.recv_buf = foo_recv`. `fieldKey` names an assignment's left side.
 */
export function opsStoresIn(pairs: readonly Node[], span: (node: Node) => Span, fieldKey?: (node: Node) => string | undefined): OpsStore[] {
  const stores: OpsStore[] = [];
  for (const pair of pairs) {
    if (pair.type === 'initializer_pair') {
      const target = storedFunction(pair.childForFieldName('value'));
      const named = target ? initializerField(pair) : undefined;
      if (target && named) stores.push({ ...(named.key ? { key: named.key } : {}), field: named.field, target, site: span(pair) });
    } else if (pair.type === 'assignment_expression' && pair.childForFieldName('operator')?.text === '=') {
      const left = pair.childForFieldName('left');
      const chain = left ? fieldChain(left) : undefined;
      const target = chain ? storedFunction(pair.childForFieldName('right')) : undefined;
      if (!chain || !target) continue;
      const key = fieldKey?.(left!);
      stores.push({ ...(key ? { key } : {}), field: chain.fields[chain.fields.length - 1], target, site: span(pair) });
    }
  }
  return stores;
}

/** A value that sets a flag: a non-zero number, `true`; anything else (0, false, an expression) does not say. */
function setsFlag(value: Node | null): boolean {
  if (!value) return false;
  const node = unwrapExpression(value);
  if (node.type === 'true') return true;
  if (node.type === 'number_literal') return Number(node.text.replace(/[uUlL]+$/, '')) !== 0;
  return node.type === 'identifier' && node.text === 'true';
}

/** Which of `flags` (field names, model/contexts.ts OPS_FIELD_CONTEXTS) some pairs or assignments set (`.nonatomic = 1`, `pcm->nonatomic = true`). */
export function flagsSetIn(pairs: readonly Node[], flags: ReadonlySet<string>): string[] {
  if (flags.size === 0) return [];
  const found = new Set<string>();
  for (const pair of pairs) {
    if (pair.type === 'initializer_pair') {
      const fields = designatorFields(pair);
      const field = fields[fields.length - 1];
      if (field && flags.has(field) && setsFlag(pair.childForFieldName('value'))) found.add(field);
    } else if (pair.type === 'assignment_expression' && pair.childForFieldName('operator')?.text === '=') {
      const left = pair.childForFieldName('left');
      const field = left?.type === 'field_expression' ? left.childForFieldName('field')?.text : undefined;
      if (field && flags.has(field) && setsFlag(pair.childForFieldName('right'))) found.add(field);
    }
  }
  return [...found].sort();
}

/** The struct declarations of a folder, for resolving field paths. */
class FolderTypes {
  private readonly records = new Map<string, Map<string, string | undefined>>();
  private readonly typedefs = new Map<string, string | undefined>();

  constructor(files: readonly FileSummary[]) {
    for (const file of files) {
      for (const typedef of file.opsTypes.typedefs) {
        const known = this.typedefs.get(typedef.name);
        // Declared differently in two files (#ifdef variants): unknown.
        this.typedefs.set(typedef.name, this.typedefs.has(typedef.name) && known !== typedef.type ? undefined : typedef.type);
      }
      for (const record of file.opsTypes.records) {
        let members = this.records.get(record.type);
        if (!members) this.records.set(record.type, (members = new Map()));
        for (const member of record.members) {
          const known = members.get(member.name);
          members.set(member.name, members.has(member.name) && known !== member.type ? undefined : member.type);
        }
      }
    }
  }

  /** A typedef name → the struct it names (or 'fn'); other names unchanged. */
  canonical(type: string): string | undefined {
    let current: string | undefined = type;
    for (let guard = 0; current && guard < 8 && !current.startsWith('struct ') && !current.startsWith('union ') && current !== 'fn'; guard++) {
      if (!this.typedefs.has(current)) return current;
      current = this.typedefs.get(current);
    }
    return current;
  }

  /**
   * `struct e1000_hw.phy.ops.release` → `struct e1000_phy_operations.release`: the struct that
   * declares the function pointer, walked through the folder's declarations; undefined when a
   * struct on the way is not declared in the folder or the member is no function pointer.
   */
  resolve(key: string): string | undefined {
    const dot = key.indexOf('.');
    if (dot < 0) return undefined;
    let type = this.canonical(key.slice(0, dot));
    const path = key.slice(dot + 1).split('.');
    for (let index = 0; type && index < path.length; index++) {
      const members = this.records.get(type);
      if (!members) return undefined;
      const held = members.get(path[index]);
      const canonical = held === undefined ? undefined : this.canonical(held);
      if (index === path.length - 1) return canonical === 'fn' ? `${type}.${path[index]}` : undefined;
      if (!canonical || canonical === 'fn') return undefined;
      type = canonical;
    }
    return undefined;
  }

  /**
   * The slot a call or a store of a function names (`struct snd_pcm_substream.ops.trigger` →
   * `struct snd_pcm_ops.trigger`): like resolve(), but the struct that holds the last member need
   * not be declared here (a kernel header's `struct snd_pcm_ops`): a called or assigned member is
   * a function pointer. Every struct on the way to it must be, and a declared member that is no
   * function pointer names no slot. Only struct and union slots: a typedef the folder does not
   * resolve is no name another file would use.
   */
  functionSlot(key: string): string | undefined {
    const dot = key.indexOf('.');
    if (dot < 0) return undefined;
    let type = this.canonical(key.slice(0, dot));
    const path = key.slice(dot + 1).split('.');
    for (let index = 0; type && index < path.length; index++) {
      if (!type.startsWith('struct ') && !type.startsWith('union ')) return undefined;
      const members = this.records.get(type);
      if (index === path.length - 1) {
        if (!members || !members.has(path[index])) return `${type}.${path[index]}`;
        const held = members.get(path[index]);
        return held !== undefined && this.canonical(held) === 'fn' ? `${type}.${path[index]}` : undefined;
      }
      const held = members?.get(path[index]);
      const canonical = held === undefined ? undefined : this.canonical(held);
      if (!canonical || canonical === 'fn') return undefined;
      type = canonical;
    }
    return undefined;
  }

  /** Whether the struct a key starts from is declared in the folder (then its path says all). */
  declaresRoot(key: string): boolean {
    const root = this.canonical(key.slice(0, key.indexOf('.')));
    return !!root && this.records.has(root);
  }

  /** Where a call or a store points: resolved through the folder's struct declarations, else nowhere. */
  slotOf(fact: { key?: string; field: string }): string | undefined {
    // Only through the folder's own declarations. A member name alone (the variable's type not
    // known) and a member of a kernel struct the folder does not declare (`struct gpio_chip.get`)
    // name no slot: in a folder of many drivers they join one driver's call to every other
    // driver's function of that name (precision sample 3, 2026-12-01: dwapb's `gc->get` taken for
    // pisosr_gpio_get(), stmpe's `.enable` for mcp's `ops->enable`).
    return fact.key ? this.resolve(fact.key) : undefined;
  }
}

/** A call edge the folder's field stores and passed callbacks add. */
export interface FieldEdge {
  caller: FunctionRef;
  call: number;
  callee: FunctionRef;
  /** For a function passed as an argument: the call that passed it (the edge holds only on that caller's path). */
  passedBy?: { caller: FunctionRef; call: number };
}

/**
 * The call edges of calls through struct fields (to every function the folder stores in that
 * field) and of calls of a parameter (to every function a caller passes there). `resolve` names a
 * function as seen from a file; `callersOf` gives the plain-name callers of a function.
 */
export function opsFieldEdges(
  files: readonly FileSummary[],
  resolve: (from: number, name: string) => FunctionRef | undefined,
  callersOf: (ref: FunctionRef) => readonly { caller: FunctionRef; call: number }[],
): FieldEdge[] {
  const types = new FolderTypes(files);
  const bySlot = new Map<string, { file: number; target: string }[]>();
  const byKey = new Map<string, { file: number; target: string }[]>();
  const add = (table: Map<string, { file: number; target: string }[]>, key: string, file: number, target: string) => {
    const list = table.get(key) ?? [];
    if (!list.some((known) => known.file === file && known.target === target)) list.push({ file, target });
    table.set(key, list);
  };
  files.forEach((file, fileIndex) => {
    const stores = [...file.opsStores, ...file.functions.flatMap((entry) => entry.summary.opsStores)];
    for (const store of stores) {
      const slot = types.slotOf(store);
      if (slot) add(bySlot, slot, fileIndex, store.target);
      if (store.key) add(byKey, store.key, fileIndex, store.target);
    }
  });
  const edges: FieldEdge[] = [];
  files.forEach((file, fileIndex) =>
    file.functions.forEach((entry, fn) => {
      const caller = { file: fileIndex, fn };
      entry.summary.calls.forEach((call, callIndex) => {
        if (call.throughField) {
          const slot = types.slotOf(call.throughField);
          // A key of a kernel struct the folder does not declare joins nothing, not even the calling
          // file's own stores: cxl's pci.c calls another driver's `err_handler->slot_reset` beside
          // its own `.slot_reset` (precision sample 3).
          const key = call.throughField.key;
          const sameKey = key && types.declaresRoot(key) ? (byKey.get(key) ?? []) : [];
          const targets = [...(slot ? (bySlot.get(slot) ?? []) : []), ...sameKey];
          const seen = new Set<string>();
          for (const target of targets) {
            const callee = resolve(target.file, target.target);
            if (!callee || seen.has(`${callee.file}:${callee.fn}`)) continue;
            seen.add(`${callee.file}:${callee.fn}`);
            edges.push({ caller, call: callIndex, callee });
          }
        }
        if (call.calledParameter !== undefined) {
          for (const site of callersOf(caller)) {
            const name = files[site.caller.file].functions[site.caller.fn].summary.calls[site.call].functionArguments?.[call.calledParameter];
            const callee = name ? resolve(site.caller.file, name) : undefined;
            if (callee) edges.push({ caller, call: callIndex, callee, passedBy: site });
          }
        }
      });
    }),
  );
  return edges;
}

/** Whether a function of the folder or a file-scope item sets `flag` (`pcm->nonatomic = true`, `.nonatomic = 1`). */
export function folderSetsFlag(files: readonly FileSummary[], flag: string): boolean {
  return files.some((file) => file.flagsSet.includes(flag) || file.functions.some((entry) => entry.summary.flagsSet.includes(flag)));
}

/**
 * The function slots field paths name through a folder's struct declarations (FolderTypes
 * functionSlot()), for the kernel index (analysis/index/opsContexts.ts): a call's or a store's key
 * → `struct T.field`, undefined when a struct on the way is unknown.
 */
export function functionSlots(files: readonly FileSummary[]): (key: string) => string | undefined {
  const types = new FolderTypes(files);
  return (key) => types.functionSlot(key);
}

/** A function stored in a field the kernel tree calls in atomic context only (index/opsContexts.ts): an atomic registration. */
export interface KernelOpsRegistration extends RegistrationFact {
  kernelOps: DerivedOpsContext;
}

/**
 * The folder's stores of functions (`.start = foo_start` in a `struct fx_ops` initialiser,
 * `p->ops.start = foo_start`) into fields the tree's index calls in atomic context only, by
 * file, sites in document rows. The folder's own definitions win: when the folder defines the
 * tree's witness caller (a driver beside its core, drivers/tty/serial/serial_core.c; or a copy of
 * the core being edited), the context holds only if the folder's copy still makes that call with a
 * lock held on every path there.
 */
export function kernelOpsRegistrations(files: readonly FileSummary[], lookup: KernelLookup | undefined): { file: number; registration: KernelOpsRegistration }[] {
  if (!lookup?.facts.opsContexts?.length) return [];
  const types = new FolderTypes(files);
  const defined = new Map<string, FunctionSummary[]>();
  for (const file of files) for (const entry of file.functions) defined.set(entry.name, [...(defined.get(entry.name) ?? []), entry.summary]);
  const holds = (derived: DerivedOpsContext): boolean => {
    const copies = defined.get(derived.fn);
    if (!copies) return true;
    return (
      derived.context === 'held' &&
      copies.every((fn) => !fn.queriesContext && fn.calls.some((call) => call.throughField && call.calleeText === derived.callee && !call.flagGuarded && (call.held?.length ?? 0) > 0))
    );
  };
  const found: { file: number; registration: KernelOpsRegistration }[] = [];
  files.forEach((file, fileIndex) => {
    const stores = [...file.opsStores, ...file.functions.flatMap((entry) => entry.summary.opsStores.map((store) => ({ ...store, site: placed(store.site, entry.startRow) })))];
    for (const store of stores) {
      const slot = store.key ? types.functionSlot(store.key) : undefined;
      const derived = slot ? lookup.opsContext(slot) : undefined;
      if (!derived || !holds(derived)) continue;
      found.push({
        file: fileIndex,
        registration: { kind: 'initializer', callback: store.target, context: 'atomic', role: slot!, via: `.${store.field}`, site: store.site, source: 'the kernel tree index', kernelOps: derived },
      });
    }
  });
  return found;
}
