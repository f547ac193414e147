// Gives a file's constant scope what sizes need beyond its own text: #defines of the local headers
// it includes (`#include "foo.h"`, resolved beside the file), struct/union/typedef/enum
// definitions of the driver folder, and — per call — the declared types of the enclosing
// function's locals and parameters, so `sizeof(*p)`, `sizeof(buf)`, `sizeof(p->field)`,
// ARRAY_SIZE(table) and struct_size(p, member, n) evaluate. Allocation sites are then
// re-evaluated with that scope. Nothing here guesses: an unresolved name stays unknown. What other
// files contribute arrives as layers made from their SizeData (sizeData.ts), never their trees.
import type { Node } from 'web-tree-sitter';
import { isKnownTypeWord } from '../../model/ctypes';
import { descendantsOfType, enclosingFunction } from '../../parsing/syntax';
import { AllocationSite, allocationSite } from '../allocationSites';
import { ConstantScope, Evaluation, MacroDefinition, createScope, evaluateText } from './constants';
import { Expr, printExpr } from './expressions';
import type { FileFacts } from '../fileFacts';
import { TypeEnvironment, TypeLayer, expandTypedef, findMember, isUnknown, layeredTypeEnvironment, resolveRecord, sizeOfType, typeTitle } from './structLayout';
import type { TypeRef } from '../../parsing/typeDeclarations';

type Variables = ReadonlyMap<string, TypeRef | 'ambiguous'>;

/** Declarator chain of a tree-sitter declaration: name, pointer depth, dimensions. */
function declaratorType(base: string, declarator: Node, initializer?: Node): { name: string; type: TypeRef } | undefined {
  let pointers = 0;
  const dims: (string | null)[] = [];
  let current: Node | null = declarator;
  let value = initializer;
  while (current) {
    switch (current.type) {
      case 'init_declarator':
        value = current.childForFieldName('value') ?? undefined;
        current = current.childForFieldName('declarator');
        continue;
      case 'pointer_declarator':
        // `*a[4]` is pointer_declarator(array_declarator): an array of pointers.
        pointers++;
        current = current.childForFieldName('declarator');
        continue;
      case 'array_declarator':
        dims.unshift(current.childForFieldName('size')?.text ?? null);
        current = current.childForFieldName('declarator');
        continue;
      case 'identifier':
        if (dims[0] === null && value?.type === 'initializer_list') {
          // `static const u32 tbl[] = { … };`: the length is the element count, unless designators say otherwise.
          const elements = value.namedChildren.filter((child) => child && child.type !== 'comment');
          if (elements.some((child) => child!.type === 'initializer_pair' || child!.type === 'ERROR')) return undefined;
          dims[0] = String(elements.length);
        }
        return { name: current.text, type: { base, pointers, dims } };
      default:
        // Function declarators, parenthesized (pointer-to-array, function pointer) declarators.
        return undefined;
    }
  }
  return undefined;
}

const DECLARATIONS = new Set(['declaration', 'parameter_declaration', 'field_declaration']);

function baseTypeName(typeNode: Node | null): string | undefined {
  if (!typeNode) return undefined;
  switch (typeNode.type) {
    case 'primitive_type':
    case 'sized_type_specifier':
    case 'type_identifier':
      return typeNode.text.replace(/\s+/g, ' ');
    case 'struct_specifier':
    case 'union_specifier':
    case 'enum_specifier': {
      const name = typeNode.childForFieldName('name')?.text;
      return name ? `${typeNode.type.split('_')[0]} ${name}` : undefined;
    }
    default:
      return undefined;
  }
}

/** Variables declared below `root` (not descending into nested functions is unnecessary in C). */
function collectVariables(root: Node, into: Map<string, TypeRef | 'ambiguous'>): void {
  for (const node of descendantsOfType(root, DECLARATIONS)) {
    if (node.type === 'field_declaration') continue;
    const base = baseTypeName(node.childForFieldName('type'));
    if (!base) continue;
    for (const declarator of node.childrenForFieldName('declarator')) {
      if (!declarator) continue;
      const declared = declaratorType(base, declarator);
      if (!declared) continue;
      const existing = into.get(declared.name);
      if (existing === undefined) into.set(declared.name, declared.type);
      else if (existing !== 'ambiguous' && JSON.stringify(existing) !== JSON.stringify(declared.type)) into.set(declared.name, 'ambiguous');
    }
  }
}

/** The variables one top-level declaration declares, in order (a pure function of its subtree). */
export type DeclaredVariables = readonly { readonly name: string; readonly type: TypeRef }[];

function declaredBy(node: Node): DeclaredVariables {
  const base = baseTypeName(node.childForFieldName('type'));
  if (!base) return [];
  const declared: { name: string; type: TypeRef }[] = [];
  for (const declarator of node.childrenForFieldName('declarator')) {
    const variable = declarator && declaratorType(base, declarator);
    if (variable) declared.push(variable);
  }
  return declared;
}

/**
 * The file's global variables; `previous` (the last version's, by declaration text) answers for
 * the declarations whose text is unchanged, and the returned table serves the next version. A
 * declaration with a syntax error inside is read again: its tree may depend on what surrounds it.
 */
function collectGlobals(root: Node, into: Map<string, TypeRef | 'ambiguous'>, previous: ReadonlyMap<string, DeclaredVariables> | undefined): Map<string, DeclaredVariables> {
  const byText = new Map<string, DeclaredVariables>();
  for (const node of root.namedChildren) {
    if (!node || node.type !== 'declaration') continue;
    const text = node.hasError ? undefined : node.text;
    let declared = text === undefined ? undefined : (byText.get(text) ?? previous?.get(text));
    declared ??= declaredBy(node);
    if (text !== undefined) byText.set(text, declared);
    for (const { name, type } of declared) {
      const existing = into.get(name);
      if (existing === undefined) into.set(name, type);
      else if (existing !== 'ambiguous' && JSON.stringify(existing) !== JSON.stringify(type)) into.set(name, 'ambiguous');
    }
  }
  return byText;
}

/** A type name as written in a cast or sizeof (`struct foo *`, `u8[16]`) as a TypeRef. */
export function parseTypeName(text: string): TypeRef | undefined {
  const dims: string[] = [];
  let rest = text.trim();
  for (let match = /\[([^\]]*)\]\s*$/.exec(rest); match; match = /\[([^\]]*)\]\s*$/.exec(rest)) {
    dims.unshift(match[1].trim());
    rest = rest.slice(0, match.index).trim();
  }
  const pointers = (rest.match(/\*/g) ?? []).length;
  const base = rest
    .replace(/\*/g, ' ')
    .replace(/\b(const|volatile|__iomem|__user|__rcu|__force)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!base || dims.some((dim) => dim === '')) return undefined;
  return { base, pointers, dims };
}

class SizeResolver {
  constructor(
    private readonly environment: TypeEnvironment,
    private readonly variables: Variables,
  ) {}

  typeOf(expr: Expr): TypeRef | undefined {
    const environment = this.environment;
    switch (expr.kind) {
      case 'name': {
        const type = this.variables.get(expr.name);
        return type && type !== 'ambiguous' ? expandTypedef(environment, type) : undefined;
      }
      case 'unary': {
        if (expr.op !== '*') return undefined;
        return this.dereference(this.typeOf(expr.operand));
      }
      case 'index':
        return this.dereference(this.typeOf(expr.object));
      case 'member': {
        const object = this.typeOf(expr.object);
        if (!object || object.dims.length > 0) return undefined;
        if (expr.arrow !== (object.pointers === 1) || object.pointers > 1) return undefined;
        const member = findMember(environment, { ...object, pointers: 0 }, expr.member);
        if (!member || member.bits !== undefined) return undefined;
        return expandTypedef(environment, member.type);
      }
      case 'cast': {
        const type = parseTypeName(expr.type);
        return type && expandTypedef(environment, type);
      }
      default:
        return undefined;
    }
  }

  /** The last member of the pointed-to struct when it is a flexible array (`u32 e[];`). */
  flexibleArrayOf(pointer: Expr): string | undefined {
    const type = this.typeOf(pointer);
    if (!type || type.pointers !== 1 || type.dims.length > 0) return undefined;
    const record = resolveRecord(this.environment, { ...type, pointers: 0 });
    const last = record?.kind === 'struct' && !record.unsupported ? record.members[record.members.length - 1] : undefined;
    return last?.name && last.bits === undefined && last.type.dims.length === 1 && last.type.dims[0] === null ? last.name : undefined;
  }

  private dereference(type: TypeRef | undefined): TypeRef | undefined {
    if (!type) return undefined;
    if (type.dims.length > 0) return { ...type, dims: type.dims.slice(1) };
    if (type.pointers > 0) return expandTypedef(this.environment, { ...type, pointers: type.pointers - 1 });
    return undefined;
  }

  sizeofType(text: string): Evaluation | undefined {
    const type = parseTypeName(text);
    if (!type) return undefined;
    const answer = sizeOfType(this.environment, type);
    if (isUnknown(answer)) return undefined;
    return { value: answer.size, steps: this.explain(`sizeof(${text})`, typeTitle(type), answer.size, answer.steps) };
  }

  sizeofExpr(expr: Expr): Evaluation | undefined {
    // `sizeof(u32)` parses as a name when the parser was not told u32 is a type.
    if (expr.kind === 'name' && !this.variables.has(expr.name)) return this.isTypeName(expr.name) ? this.sizeofType(expr.name) : undefined;
    const type = this.typeOf(expr);
    if (!type || type.dims.some((dim) => dim === null)) return undefined;
    const answer = sizeOfType(this.environment, type);
    if (isUnknown(answer)) return undefined;
    return { value: answer.size, steps: this.explain(`sizeof(${printExpr(expr)})`, typeTitle(type), answer.size, answer.steps) };
  }

  arrayLength(expr: Expr): Evaluation | undefined {
    const type = this.typeOf(expr);
    if (!type || type.dims.length === 0 || type.dims[0] === null) return undefined;
    const length = evaluateDim(this.environment, type.dims[0]);
    return length && { value: length.value, steps: [...length.steps] };
  }

  isTypeName(name: string): boolean {
    return !this.variables.has(name) && (isKnownTypeWord(name) || this.environment.typedefs.has(name));
  }

  /** `sizeof(*p) = sizeof(struct foo) = 24: …` without repeating what the record step already says. */
  private explain(written: string, type: string, size: number, steps: string[]): string[] {
    const record = steps[steps.length - 1];
    if (record?.startsWith(`sizeof(${type})`)) {
      return written === `sizeof(${type})` ? steps : [...steps.slice(0, -1), `${written} = ${record}`];
    }
    return [...steps, written === `sizeof(${type})` ? `${written} = ${size}` : `${written} = sizeof(${type}) = ${size}`];
  }
}

function evaluateDim(environment: TypeEnvironment, text: string): Evaluation | undefined {
  return environment.evaluate(text);
}

/** A file's constant scope bound to its driver folder, and its allocation sites evaluated with it. */
export interface BoundScope {
  scope: ConstantScope;
  allocations: AllocationSite[];
  /** The file's global variables by declaration text, for binding its next version (bindSizeScope's `previousGlobals`). */
  globals: ReadonlyMap<string, DeclaredVariables>;
}

/**
 * Binds a file's scope to its driver folder and re-evaluates its allocation sites with it: a new
 * scope and new sites, the facts are left as they are. `macros` is the file's merged macro table
 * and `types` its type names, its own layer first, then its included headers' and its folder's
 * (analysis/database.ts makes both from the files' SizeData, once for every evaluator of the
 * file): nothing of another file is read here, only the file's own tree for its variables.
 */
export function bindSizeScope(facts: FileFacts, macros: ReadonlyMap<string, MacroDefinition>, types: readonly TypeLayer[], previousGlobals?: ReadonlyMap<string, DeclaredVariables>): BoundScope {
  const base = createScope(facts.config, macros);
  const evaluate = (text: string) => evaluateText(text, fileScope);
  const environment: TypeEnvironment = layeredTypeEnvironment(facts.config, types, evaluate);
  const globals = new Map<string, TypeRef | 'ambiguous'>();
  const globalsByText = collectGlobals(facts.tree.rootNode, globals, previousGlobals);
  const scopeWith = (variables: Variables): ConstantScope => {
    const resolver = new SizeResolver(environment, variables);
    return {
      ...base,
      sizeofType: (text) => resolver.sizeofType(text),
      sizeofExpr: (expr) => resolver.sizeofExpr(expr),
      arrayLength: (expr) => resolver.arrayLength(expr),
      isTypeName: (name) => resolver.isTypeName(name),
      typeOfExpr: (expr) => resolver.typeOf(expr),
      flexibleArrayOf: (pointer) => resolver.flexibleArrayOf(pointer),
    };
  };
  const fileScope: ConstantScope = scopeWith(globals);
  const perFunction = new Map<number, ConstantScope>();
  fileScope.forNode = (node: Node) => {
    const fn = enclosingFunction(node);
    if (!fn) return fileScope;
    let scope = perFunction.get(fn.id);
    if (!scope) {
      const locals = new Map<string, TypeRef | 'ambiguous'>();
      const declarator = fn.childForFieldName('declarator');
      if (declarator) collectVariables(declarator, locals);
      const body = fn.childForFieldName('body');
      if (body) collectVariables(body, locals);
      // Locals shadow globals; a name declared twice with different types is ambiguous.
      const merged = new Map(globals);
      for (const [name, type] of locals) merged.set(name, type);
      scope = scopeWith(merged);
      perFunction.set(fn.id, scope);
    }
    return scope;
  };
  return { scope: fileScope, allocations: facts.allocations.map((site) => allocationSite(site.call, fileScope) ?? site), globals: globalsByText };
}
