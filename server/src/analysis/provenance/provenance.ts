// Pointer provenance: which allocator produced the memory an expression points to. Followed
// through locals (the assignments that can reach a use), parameters of functions whose callers
// are all visible, file-scope variables, struct fields assigned anywhere in the driver folder,
// helper functions that return allocated memory, casts, `p + offset`, `&buf[i]` and `?:`.
// The answer is a set of possible sources plus whether some path stays unknown; rules decide how
// sure they must be (a wrong free needs every source known, DMA of "may be vmalloc" does not).
import type { Node } from 'web-tree-sitter';
import { AllocApi, AllocFamily } from '../../model/apis';
import { ModelConfig } from '../../model/config';
import { gfpAllowsBlocking } from '../../model/gfp';
import { Span, calleeName, calleeNames, callArguments, descendantsOfType, namedChildren, spanOf } from '../../parsing/syntax';
import { AllocationSite } from '../allocationSites';
import type { FileFacts, FunctionFacts } from '../fileFacts';
import { RecordDecl, TypeDeclarations } from '../../parsing/typeDeclarations';

/** Allocator families plus local arrays and locals whose address is taken. */
export type Origin = AllocFamily | 'stack';

export interface PointerSource {
  origin: Origin;
  /** The allocation call; absent for stack memory. */
  site?: AllocationSite;
  api?: AllocApi;
  /** The file holding the allocation (or the stack declaration). */
  file: string;
  span: Span;
  /** The declaration or allocation node, for fixes that edit it. */
  node: Node;
  /** How the pointer got here, outermost last: "field ->buf", "returned by foo()". */
  via: string[];
}

export interface Provenance {
  sources: PointerSource[];
  /** Some path gives memory the analysis cannot name (a parameter, an unknown call, …). */
  unknown: boolean;
}

const UNKNOWN: Provenance = { sources: [], unknown: true };
const NOTHING: Provenance = { sources: [], unknown: false };
const MAX_DEPTH = 8;

/** Whether an origin may be vmalloc-area memory (is_vmalloc_addr() true). */
export function mayBeVmalloc(source: PointerSource, config: ModelConfig): boolean {
  if (source.origin === 'vmalloc' || source.origin === 'vmap') return true;
  if (source.origin !== 'kvmalloc') return false;
  // mm/util.c kvmalloc_node() (6.1): requests up to PAGE_SIZE, and masks without
  // __GFP_DIRECT_RECLAIM, never fall back to vmalloc.
  const site = source.site;
  const size = site?.requestedBytes?.value;
  if (size !== undefined && size <= config.pageSize) return false;
  const gfp = site?.gfp?.value;
  if (gfp && !gfpAllowsBlocking(gfp)) return false;
  return true;
}

interface Definition {
  /** The assignment, init declarator, or `&p` handing the variable out to be written. */
  node: Node;
  /** Absent when the stored value cannot be seen (`foo(&p)`). */
  value?: Node;
}

interface Variable {
  name: string;
  /** `struct foo`, `u8`, … without pointers. */
  type: string;
  pointer: boolean;
  array: boolean;
  isStatic: boolean;
  declaration: Node;
  /** Where the name is visible: the declaring block, or the whole function for parameters. */
  scope: Node;
  parameterIndex?: number;
  definitions: Definition[];
}

interface FunctionIndex {
  fn: FunctionFacts;
  facts: FileFacts;
  /** Every declaration of a name in the function, with the block it is visible in. */
  variables: Map<string, Variable[]>;
}

interface FieldWrite {
  field: string;
  /** Declared type of the base object, when the write's base is a typed local or parameter. */
  owner?: string;
  value: Node;
  node: Node;
  facts: FileFacts;
}

const STATEMENT_PARENTS = new Set(['compound_statement', 'translation_unit']);
const ASSIGNMENT = new Set(['assignment_expression']);
const DECLARATIONS = new Set(['declaration', 'parameter_declaration']);
const RETURNS = new Set(['return_statement']);
const IDENTIFIERS = new Set(['identifier']);

function typeText(declaration: Node): string {
  const type = declaration.childForFieldName('type');
  if (!type) return '';
  if (type.type === 'struct_specifier' || type.type === 'union_specifier') {
    const name = type.childForFieldName('name')?.text;
    return name ? `${type.type === 'struct_specifier' ? 'struct' : 'union'} ${name}` : '';
  }
  return type.text;
}

function isStaticFunction(definition: Node): boolean {
  return namedChildren(definition).some((child) => child.type === 'storage_class_specifier' && child.text === 'static');
}

function isStaticDeclaration(declaration: Node): boolean {
  return namedChildren(declaration).some((child) => child.type === 'storage_class_specifier' && child.text === 'static');
}

/** Walks a declarator down to its identifier, noting pointer and array levels. */
function declaratorShape(declarator: Node): { name?: string; pointer: boolean; array: boolean } {
  let pointer = false;
  let array = false;
  let current: Node | null = declarator;
  while (current) {
    if (current.type === 'identifier') return { name: current.text, pointer, array };
    if (current.type === 'pointer_declarator') pointer = true;
    if (current.type === 'array_declarator') array = true;
    if (current.type === 'function_declarator' || current.type === 'parenthesized_declarator') return { pointer, array };
    current = current.childForFieldName('declarator');
  }
  return { pointer, array };
}

/** The ids of a node's ancestors' children: whether `inner` lies inside `outer`. */
function contains(outer: Node, inner: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

const BRANCHES = new Set(['if_statement', 'else_clause', 'for_statement', 'while_statement', 'do_statement', 'switch_statement', 'case_statement', 'conditional_expression', 'labeled_statement']);

/**
 * The statement list in which `node` runs whenever the list runs; undefined when `node` sits
 * under a branch or loop of its own (then it may not run on the way to a later use).
 */
function enclosingBlock(node: Node): Node | undefined {
  for (let current: Node | null = node; current?.parent; current = current.parent) {
    if (STATEMENT_PARENTS.has(current.parent.type)) return current.parent;
    // The condition of an `if` always runs; its branches do not.
    if (current.parent.type === 'if_statement' && current.parent.childForFieldName('condition')?.id === current.id) continue;
    if (BRANCHES.has(current.parent.type)) return undefined;
  }
  return undefined;
}

function normalText(text: string): string {
  return text.replace(/\s+/g, '');
}

function stripParens(node: Node): Node {
  let current = node;
  while ((current.type === 'parenthesized_expression' || current.type === 'cast_expression') && current.namedChildCount > 0) {
    const inner = current.type === 'cast_expression' ? current.childForFieldName('value') : current.namedChild(0);
    if (!inner) break;
    current = inner;
  }
  return current;
}

/**
 * The provenance engine for one file and its driver folder. Results are cached per node id, so
 * rules and hovers can ask freely.
 */
export class ProvenanceAnalysis {
  private readonly writeCache = new Map<string, FieldWrite[]>();
  private structTable?: Map<string, Map<string, string>>;
  private typedefs?: Map<string, string>;
  private readonly nodeCache = new Map<string, Provenance>();
  private readonly returnCache = new Map<string, Provenance>();
  private readonly paramCache = new Map<string, Provenance>();
  private readonly allFiles: readonly FileFacts[];
  private readonly functionsByName = new Map<string, { fn: FunctionFacts; facts: FileFacts }[]>();
  private readonly inProgress = new Set<string>();

  constructor(
    readonly facts: FileFacts,
    readonly folder: readonly FileFacts[],
    /** The provenance indexes of a file of the folder (the database keeps one per file version). */
    private readonly fileIndexOf: (facts: FileFacts) => FileIndex,
  ) {
    this.allFiles = [facts, ...folder.filter((other) => other.path !== facts.path)];
    for (const file of this.allFiles) {
      for (const fn of file.functions) {
        const list = this.functionsByName.get(fn.name) ?? [];
        list.push({ fn, facts: file });
        this.functionsByName.set(fn.name, list);
      }
    }
  }

  /** Assignments to fields of a file of the folder, by field name (FileIndex.fieldAssignments). */
  fieldAssignments(facts: FileFacts = this.facts): ReadonlyMap<string, readonly Node[]> {
    return this.fileIndexOf(facts).fieldAssignments();
  }

  /** Provenance of the memory an expression of `facts` (the analysed file or a sibling) points to. */
  of(node: Node, facts: FileFacts = this.facts): Provenance {
    return this.resolve(node, facts, 0);
  }

  /**
   * The function a call of `name` in `from` reaches: its own file's definition, else the one
   * non-static definition of the folder (a static function of a sibling is another function).
   */
  functionNamed(name: string, from: FileFacts = this.facts): { fn: FunctionFacts; facts: FileFacts } | undefined {
    const list = this.functionsByName.get(name) ?? [];
    const local = list.filter((entry) => entry.facts === from);
    if (local.length > 0) return local.length === 1 ? local[0] : undefined;
    const visible = list.filter((entry) => !isStaticFunction(entry.fn.node));
    return visible.length === 1 ? visible[0] : undefined;
  }

  private key(facts: FileFacts, node: Node): string {
    return `${facts.path}:${node.id}`;
  }

  private resolve(node: Node, facts: FileFacts, depth: number): Provenance {
    if (depth > MAX_DEPTH) return UNKNOWN;
    const key = this.key(facts, node);
    const cached = this.nodeCache.get(key);
    if (cached) return cached;
    if (this.inProgress.has(key)) return NOTHING;
    this.inProgress.add(key);
    const result = this.compute(stripParens(node), facts, depth);
    this.inProgress.delete(key);
    this.nodeCache.set(key, result);
    return result;
  }

  private compute(node: Node, facts: FileFacts, depth: number): Provenance {
    switch (node.type) {
      case 'null':
      case 'number_literal':
      case 'string_literal':
      case 'concatenated_string':
        return NOTHING;
      case 'call_expression':
        return this.ofCall(node, facts, depth);
      case 'identifier':
        return node.text === 'NULL' ? NOTHING : this.ofIdentifier(node, facts, depth);
      case 'field_expression':
        return this.ofField(node, facts, depth);
      case 'binary_expression': {
        const operator = node.childForFieldName('operator')?.text;
        const left = node.childForFieldName('left');
        if ((operator === '+' || operator === '-') && left) return this.resolve(left, facts, depth + 1);
        return UNKNOWN;
      }
      case 'pointer_expression': {
        const operator = node.childForFieldName('operator')?.text ?? node.child(0)?.text;
        const argument = node.childForFieldName('argument');
        if (operator !== '&' || !argument) return UNKNOWN;
        return this.ofAddressOf(stripParens(argument), facts, depth);
      }
      case 'conditional_expression': {
        const consequence = node.childForFieldName('consequence');
        const alternative = node.childForFieldName('alternative');
        if (!consequence || !alternative) return UNKNOWN;
        return merge([this.resolve(consequence, facts, depth + 1), this.resolve(alternative, facts, depth + 1)]);
      }
      case 'assignment_expression': {
        const right = node.childForFieldName('right');
        return right && node.childForFieldName('operator')?.text === '=' ? this.resolve(right, facts, depth + 1) : UNKNOWN;
      }
      default:
        return UNKNOWN;
    }
  }

  /** `&buf[i]`, `&local`, `&s.field`: the object whose address is taken. */
  private ofAddressOf(target: Node, facts: FileFacts, depth: number): Provenance {
    if (target.type === 'subscript_expression') {
      const array = target.childForFieldName('argument');
      return array ? this.resolve(array, facts, depth + 1) : UNKNOWN;
    }
    let base = target;
    // &s.a.b: the address lies inside s; `->` leaves the object (its memory is elsewhere).
    while (base.type === 'field_expression' && base.childForFieldName('operator')?.text === '.') {
      base = stripParens(base.childForFieldName('argument')!);
    }
    if (base.type !== 'identifier') return UNKNOWN;
    const variable = this.variableAt(base, facts);
    if (variable && variable.parameterIndex === undefined && !variable.isStatic) return this.stackSource(variable, facts);
    return UNKNOWN;
  }

  private stackSource(variable: Variable, facts: FileFacts): Provenance {
    return {
      sources: [{ origin: 'stack', file: facts.path, span: spanOf(variable.declaration), node: variable.declaration, via: [] }],
      unknown: false,
    };
  }

  private ofCall(call: Node, facts: FileFacts, depth: number): Provenance {
    const site = facts.allocations.find((candidate) => candidate.call.id === call.id);
    if (site) {
      // Handles and pools are not memory; only calls that return a buffer carry provenance.
      if (site.api.returns === 'cache' || site.api.returns === 'pool' || site.api.returns === 'count') return UNKNOWN;
      if (site.api.family === 'mempool') return UNKNOWN;
      return { sources: [{ origin: site.api.family, site, api: site.api, file: facts.path, span: spanOf(call), node: call, via: [] }], unknown: false };
    }
    const name = calleeName(call);
    if (!name) return UNKNOWN;
    if (name === 'ERR_PTR') return NOTHING;
    // PTR_ALIGN(p, a) and similar keep the object.
    if (name === 'PTR_ALIGN' || name === 'PTR_ERR_OR_ZERO') {
      const first = callArguments(call)[0];
      return name === 'PTR_ALIGN' && first ? this.resolve(first, facts, depth + 1) : UNKNOWN;
    }
    return this.ofHelper(name, facts, depth);
  }

  /** Memory returned by a helper function of the driver folder: the union of its returns. */
  private ofHelper(name: string, from: FileFacts, depth: number): Provenance {
    const target = this.functionNamed(name, from);
    if (!target) return UNKNOWN;
    const key = `${target.facts.path}:${name}`;
    const cached = this.returnCache.get(key);
    if (cached) return cached;
    if (this.inProgress.has(key)) return NOTHING;
    this.inProgress.add(key);
    const returns = descendantsOfType(target.fn.body, RETURNS)
      .map((statement) => namedChildren(statement)[0])
      .filter((value): value is Node => !!value);
    const result = returns.length === 0 ? UNKNOWN : tagged(merge(returns.map((value) => this.resolve(value, target.facts, depth + 1))), `returned by ${name}()`);
    this.inProgress.delete(key);
    this.returnCache.set(key, result);
    return result;
  }

  private ofIdentifier(node: Node, facts: FileFacts, depth: number): Provenance {
    const variable = this.variableAt(node, facts);
    if (!variable) return this.ofGlobal(node.text, facts, depth);
    if (variable.array) return variable.isStatic || variable.parameterIndex !== undefined ? UNKNOWN : this.stackSource(variable, facts);
    const reaching = reachingDefinitions(variable, node);
    const parts = reaching.definitions.map((definition) => (definition.value ? this.resolve(definition.value, facts, depth + 1) : UNKNOWN));
    if (!reaching.dominated) {
      if (variable.parameterIndex !== undefined) parts.push(this.ofParameter(node, variable, facts, depth));
      else if (variable.isStatic) parts.push(UNKNOWN);
    }
    return merge(parts);
  }

  /** A parameter of a static function: the union over every call in its file, if all are plain calls. */
  private ofParameter(node: Node, variable: Variable, facts: FileFacts, depth: number): Provenance {
    const fn = this.functionOf(node, facts);
    if (!fn || variable.parameterIndex === undefined) return UNKNOWN;
    const key = `${facts.path}:${fn.fn.name}:${variable.parameterIndex}`;
    const cached = this.paramCache.get(key);
    if (cached) return cached;
    if (this.inProgress.has(key)) return NOTHING;
    this.inProgress.add(key);
    // Only a static function has all its callers in view: those of its own file.
    const result = isStaticFunction(fn.fn.node) ? this.computeParameter(fn.fn.name, variable.parameterIndex, facts, depth) : UNKNOWN;
    this.inProgress.delete(key);
    this.paramCache.set(key, result);
    return result;
  }

  private computeParameter(name: string, index: number, file: FileFacts, depth: number): Provenance {
    const parts: Provenance[] = [];
    {
      // A function whose name is used other than as a callee (ops tables, callbacks) has callers we cannot see.
      for (const identifier of this.identifiersNamed(file, name)) {
        const parent = identifier.parent;
        const isCallee = parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === identifier.id;
        const isDefinition = parent?.type === 'function_declarator';
        if (isDefinition) continue;
        if (!isCallee) return UNKNOWN;
        const argument = callArguments(parent!)[index];
        if (!argument) return UNKNOWN;
        parts.push(this.resolve(argument, file, depth + 1));
      }
    }
    return parts.length === 0 ? UNKNOWN : tagged(merge(parts), `passed to ${name}()`);
  }

  /** A file-scope variable: every assignment to it in the file, plus its initializer. */
  private ofGlobal(name: string, facts: FileFacts, depth: number): Provenance {
    const declaration = fileScopeDeclaration(facts, name);
    if (!declaration) return UNKNOWN;
    if (declaration.array) return UNKNOWN; // static storage: not stack, not heap
    const parts: Provenance[] = [];
    if (declaration.value) parts.push(this.resolve(declaration.value, facts, depth + 1));
    else parts.push(NOTHING);
    for (const assignment of descendantsOfType(facts.tree.rootNode, ASSIGNMENT)) {
      const left = assignment.childForFieldName('left');
      const right = assignment.childForFieldName('right');
      if (left?.type !== 'identifier' || left.text !== name || !right) continue;
      if (this.variableAt(left, facts)) continue; // a local of the same name
      if (assignment.childForFieldName('operator')?.text !== '=') return UNKNOWN;
      parts.push(this.resolve(right, facts, depth + 1));
    }
    // Non-static globals may be assigned in other translation units.
    if (!declaration.isStatic && this.folder.length > 0) parts.push(UNKNOWN);
    return merge(parts);
  }

  /** `obj->field`: what any write of that field in the folder stored. */
  private ofField(node: Node, facts: FileFacts, depth: number): Provenance {
    const all = this.fieldWritesOf(node, facts);
    if (!all) return UNKNOWN;
    const readIn = this.functionOf(node, facts)?.fn.node;
    const inFunction = (write: FieldWrite) => write.facts === facts && !!readIn && contains(readIn, write.node);
    // Writes of this very expression earlier in the function are followed like a local's
    // assignments: `fbi->screen_buffer = map.vaddr;` in the branch of the read hides the other branch's vzalloc().
    const text = normalText(node.text);
    const local: Definition[] = all
      .filter((write) => inFunction(write) && normalText(write.node.childForFieldName('left')!.text) === text)
      .map((write) => ({ node: write.node, value: write.value }))
      .sort((a, b) => a.node.startIndex - b.node.startIndex);
    const reaching = reachingDefinitions({ definitions: local } as Variable, node);
    const reaches = (write: FieldWrite) => reaching.definitions.some((definition) => definition.node.id === write.node.id);
    const isLocal = (write: FieldWrite) => local.some((definition) => definition.node.id === write.node.id);
    // Dominated: only the reaching local writes. Otherwise also every write made elsewhere, and
    // local writes after the read — a field outlives the call, so the next call reads them
    // (`kfree(ctx->buf); ctx->buf = new;`). A write in the other branch of an if does not count.
    const later = (write: FieldWrite) => write.node.startIndex > node.endIndex;
    const relevant = all.filter((write) => reaches(write) || (!reaching.dominated && (!isLocal(write) || later(write))));
    const parts = relevant.map((write) => {
      const stored = this.resolve(write.value, write.facts, depth + 1);
      // A stack buffer parked in a field is only that buffer inside the function that parked it.
      return inFunction(write) ? stored : { ...stored, sources: stored.sources.filter((source) => source.origin !== 'stack') };
    });
    return tagged(merge(parts), `field ${node.childForFieldName('operator')?.text ?? '->'}${node.childForFieldName('field')?.text}`);
  }

  /**
   * The writes that can fill the field an expression reads. Keyed by struct type: a struct the
   * driver folder defines is followed across the folder's files; a struct defined elsewhere (a
   * core type such as struct usb_request, shared by unrelated drivers of one folder) only within
   * the reading function. A read whose struct type cannot be told uses the file's writes of that field name,
   * if they all write one struct type. Undefined when nothing writes it.
   */
  fieldWritesOf(node: Node, facts: FileFacts = this.facts): FieldWrite[] | undefined {
    const field = node.childForFieldName('field')?.text;
    const base = node.childForFieldName('argument');
    if (!field || !base) return undefined;
    const owner = this.ownerType(base, facts);
    const sameFile = this.writesNamed(field, facts);
    let relevant: FieldWrite[];
    if (owner && this.structs().has(owner)) {
      relevant = [...this.allFiles.flatMap((file) => this.writesNamed(field, file).filter((write) => write.owner === owner)), ...sameFile.filter((write) => write.owner === undefined)];
    } else if (owner) {
      // A core struct (struct fw_packet, struct fb_info) stands for many objects: only writes in
      // the reading function are about the object read.
      const readIn = this.functionOf(node, facts)?.fn.node;
      relevant = sameFile.filter((write) => (write.owner === owner || write.owner === undefined) && !!readIn && contains(readIn, write.node));
    } else {
      const owners = new Set(sameFile.map((write) => write.owner).filter((type): type is string => !!type));
      if (owners.size > 1) return undefined;
      relevant = sameFile;
    }
    return relevant.length > 0 ? relevant : undefined;
  }

  private writesNamed(field: string, facts: FileFacts): FieldWrite[] {
    const key = `${facts.path}:${field}`;
    const cached = this.writeCache.get(key);
    if (cached) return cached;
    const writes = (this.fileIndexOf(facts).fieldAssignments().get(field) ?? []).map((assignment) => {
      const left = assignment.childForFieldName('left')!;
      const value = assignment.childForFieldName('operator')?.text === '=' ? assignment.childForFieldName('right')! : assignment;
      return { field, owner: this.ownerType(left.childForFieldName('argument')!, facts), value, node: assignment, facts };
    });
    this.writeCache.set(key, writes);
    return writes;
  }

  /** Struct and union member types of the folder (.c and .h), by `struct name` or typedef name. */
  private structs(): Map<string, Map<string, string>> {
    if (this.structTable) return this.structTable;
    const table = new Map<string, Map<string, string>>();
    const typedefs = new Map<string, string>();
    const add = (name: string, record: RecordDecl) => {
      if (table.has(name)) return;
      table.set(name, new Map(record.members.filter((member) => member.name).map((member) => [member.name!, member.type.base])));
    };
    for (const file of this.allFiles) {
      const declarations = this.fileIndexOf(file).types();
      for (const record of declarations.records) if (record.name) add(`${record.kind} ${record.name}`, record);
      for (const typedef of declarations.typedefs) {
        if (typedef.type.record) add(typedef.name, typedef.type.record);
        else if (typedef.type.pointers === 0) typedefs.set(typedef.name, typedef.type.base);
      }
    }
    this.typedefs = typedefs;
    this.structTable = table;
    return table;
  }

  private normalType(type: string | undefined): string | undefined {
    if (!type) return undefined;
    const cleaned = type
      .replace(/\b(const|volatile)\b/g, '')
      .replace(/[*\s]+$/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (!cleaned || cleaned === 'void') return undefined;
    this.structs();
    return this.typedefs?.get(cleaned) ?? cleaned;
  }

  /** The struct type of the object a field expression's base designates, when it can be told. */
  ownerType(base: Node, facts: FileFacts): string | undefined {
    const node = base.type === 'parenthesized_expression' && base.namedChild(0) ? base.namedChild(0)! : base;
    switch (node.type) {
      case 'parenthesized_expression':
        return this.ownerType(node, facts);
      case 'identifier': {
        const variable = this.variableAt(node, facts);
        return this.normalType(variable?.type ?? fileScopeDeclaration(facts, node.text)?.type);
      }
      case 'field_expression': {
        const outer = this.ownerType(node.childForFieldName('argument')!, facts);
        const member = outer
          ? this.structs()
              .get(outer)
              ?.get(node.childForFieldName('field')?.text ?? '')
          : undefined;
        return this.normalType(member);
      }
      case 'subscript_expression':
      case 'pointer_expression': {
        const argument = node.childForFieldName('argument');
        return argument ? this.ownerType(argument, facts) : undefined;
      }
      case 'cast_expression':
        return this.normalType(node.childForFieldName('type')?.text);
      case 'call_expression': {
        // container_of(ptr, type, member)
        if (calleeName(node) !== 'container_of') return undefined;
        return this.normalType(callArguments(node)[1]?.text);
      }
      default:
        return undefined;
    }
  }

  private identifiersNamed(facts: FileFacts, name: string): Node[] {
    return this.fileIndexOf(facts).identifiers().get(name) ?? [];
  }

  private functionOf(node: Node, facts: FileFacts): { fn: FunctionFacts; facts: FileFacts } | undefined {
    const fn = facts.functions.find((candidate) => contains(candidate.node, node));
    return fn ? { fn, facts } : undefined;
  }

  /** The local or parameter `identifier` names in its function, if any. */
  variableAt(identifier: Node, facts: FileFacts): Variable | undefined {
    const fn = facts.functions.find((candidate) => contains(candidate.node, identifier));
    if (!fn) return undefined;
    return visibleDeclaration(this.indexOf(fn, facts).variables.get(identifier.text), identifier);
  }

  private indexOf(fn: FunctionFacts, facts: FileFacts): FunctionIndex {
    const perFile = this.fileIndexOf(facts).functions;
    const existing = perFile.get(fn.node.id);
    if (existing) return existing;
    const variables = new Map<string, Variable[]>();
    const parameters = fn.node.childForFieldName('declarator');
    let parameterList: Node | null | undefined = parameters;
    while (parameterList && parameterList.type !== 'function_declarator') parameterList = parameterList.childForFieldName('declarator');
    const declarations = [
      ...(parameterList ? descendantsOfType(parameterList, new Set(['parameter_declaration'])) : []),
      ...descendantsOfType(fn.body, DECLARATIONS).filter((node) => node.type === 'declaration'),
    ];
    let parameterIndex = 0;
    for (const declaration of declarations) {
      const isParameter = declaration.type === 'parameter_declaration';
      const type = typeText(declaration);
      const isStatic = isStaticDeclaration(declaration);
      const declarators = isParameter ? [declaration.childForFieldName('declarator')] : declaration.childrenForFieldName('declarator');
      for (const declarator of declarators) {
        if (!declarator) continue;
        const init = declarator.type === 'init_declarator' ? declarator : undefined;
        const shape = declaratorShape(init?.childForFieldName('declarator') ?? declarator);
        if (!shape.name) continue;
        const variable: Variable = {
          name: shape.name,
          type,
          pointer: shape.pointer,
          array: shape.array,
          isStatic,
          declaration,
          scope: isParameter ? fn.node : (declaration.parent ?? fn.body),
          parameterIndex: isParameter ? parameterIndex : undefined,
          definitions: [],
        };
        const value = init?.childForFieldName('value');
        if (value && value.type !== 'initializer_list') variable.definitions.push({ node: init!, value });
        variables.set(shape.name, [...(variables.get(shape.name) ?? []), variable]);
      }
      if (isParameter) parameterIndex++;
    }
    for (const assignment of descendantsOfType(fn.body, ASSIGNMENT)) {
      const left = assignment.childForFieldName('left');
      const right = assignment.childForFieldName('right');
      if (left?.type !== 'identifier' || !right) continue;
      const variable = visibleDeclaration(variables.get(left.text), left);
      if (!variable) continue;
      // `p += n` keeps the object; any other compound operator makes it unknown.
      const operator = assignment.childForFieldName('operator')?.text;
      const value = operator === '=' ? right : operator === '+=' || operator === '-=' ? left : assignment;
      if (operator === '+=' || operator === '-=') continue;
      variable.definitions.push({ node: assignment, value });
    }
    // Out-parameters (`foo(&p)`) and address-taken pointers may be written behind our back.
    for (const pointer of descendantsOfType(fn.body, new Set(['pointer_expression']))) {
      const argument = pointer.childForFieldName('argument');
      if (pointer.child(0)?.text !== '&' || argument?.type !== 'identifier') continue;
      const variable = visibleDeclaration(variables.get(argument.text), argument);
      if (variable && variable.pointer) variable.definitions.push({ node: pointer });
    }
    for (const variable of [...variables.values()].flat()) variable.definitions.sort((a, b) => a.node.startIndex - b.node.startIndex);
    const index = { fn, facts, variables };
    perFile.set(fn.node.id, index);
    return index;
  }
}

/** The innermost declaration of a name whose block holds `use` (C block scoping and shadowing). */
function visibleDeclaration(candidates: readonly Variable[] | undefined, use: Node): Variable | undefined {
  let best: Variable | undefined;
  for (const candidate of candidates ?? []) {
    if (!contains(candidate.scope, use)) continue;
    if (candidate.parameterIndex === undefined && candidate.declaration.startIndex > use.startIndex) continue;
    if (!best || candidate.scope.startIndex >= best.scope.startIndex) best = candidate;
  }
  return best;
}

/**
 * The definitions that can reach `use`: walking back from the use, every definition before it,
 * until one that runs unconditionally on the way to the use (its block contains the use).
 */
function reachingDefinitions(variable: Variable, use: Node): { definitions: Definition[]; dominated: boolean } {
  const definitions: Definition[] = [];
  for (let i = variable.definitions.length - 1; i >= 0; i--) {
    const definition = variable.definitions[i];
    if (definition.node.endIndex > use.startIndex || exclusiveBranches(definition.node, use)) continue;
    definitions.push(definition);
    // `&p` passed out: whatever the callee stored is unknown, and it may store nothing.
    if (!definition.value) continue;
    const block = enclosingBlock(definition.node);
    if (block && contains(block, use) && !insideCondition(definition.node)) return { definitions, dominated: true };
  }
  return { definitions, dominated: false };
}

/** `def` sits in one branch of an `if` and `use` in the other: the def cannot reach the use (loops and goto aside). */
function exclusiveBranches(def: Node, use: Node): boolean {
  for (let current = def.parent; current; current = current.parent) {
    if (current.type !== 'if_statement') continue;
    const consequence = current.childForFieldName('consequence');
    const alternative = current.childForFieldName('alternative');
    if (!consequence || !alternative) continue;
    if (contains(consequence, def) && contains(alternative, use)) return true;
    if (contains(alternative, def) && contains(consequence, use)) return true;
    if (contains(current, use)) return false;
  }
  return false;
}

/** An assignment inside `a && (p = x)` or a loop condition may not run. */
function insideCondition(node: Node): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'binary_expression' && ['&&', '||'].includes(current.childForFieldName('operator')?.text ?? '')) return true;
    if (current.type === 'conditional_expression') return true;
    if (current.type === 'expression_statement' || current.type === 'declaration') return false;
  }
  return false;
}

function fileScopeDeclaration(facts: FileFacts, name: string): { value?: Node; array: boolean; isStatic: boolean; type: string } | undefined {
  for (const declaration of namedChildren(facts.tree.rootNode)) {
    if (declaration.type !== 'declaration') continue;
    for (const declarator of declaration.childrenForFieldName('declarator')) {
      if (!declarator) continue;
      const init = declarator.type === 'init_declarator' ? declarator : undefined;
      const shape = declaratorShape(init?.childForFieldName('declarator') ?? declarator);
      if (shape.name !== name) continue;
      const value = init?.childForFieldName('value') ?? undefined;
      return { value: value?.type === 'initializer_list' ? undefined : value, array: shape.array, isStatic: isStaticDeclaration(declaration), type: typeText(declaration) };
    }
  }
  return undefined;
}

export function merge(parts: readonly Provenance[]): Provenance {
  const sources: PointerSource[] = [];
  const seen = new Set<string>();
  let unknown = false;
  for (const part of parts) {
    unknown ||= part.unknown;
    for (const source of part.sources) {
      const key = `${source.file}:${source.node.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      sources.push(source);
    }
  }
  return { sources, unknown };
}

function tagged(provenance: Provenance, step: string): Provenance {
  return { ...provenance, sources: provenance.sources.map((source) => ({ ...source, via: [...source.via, step] })) };
}

/** Calls to `is_vmalloc_addr()` in the function around `node`: the code decides at run time. */
export function underVmallocCheck(node: Node): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'function_definition') {
      return descendantsOfType(current, new Set(['call_expression'])).some((call) => calleeName(call) === 'is_vmalloc_addr');
    }
  }
  return false;
}

/**
 * Per-file indexes, shared by every analysis that reads the file (the file and its siblings).
 * `fieldAssignments()`: assignments `x->name = …` / `x.name op= …` by field name, in document
 * order (only those with an object and a right-hand side), so rules looking for particular fields
 * do not walk every assignment.
 */
export interface FileIndex {
  functions: Map<number, FunctionIndex>;
  identifiers(): Map<string, Node[]>;
  fieldAssignments(): Map<string, Node[]>;
  types(): TypeDeclarations;
}

/** `->field =` / `.field op=` as written: where a field assignment may start its right-hand side. */
const FIELD_ASSIGNMENT = /(?:->|\.)\s*([A-Za-z_]\w*)\s*(?:<<|>>|[-+*/%&|^])?=(?!=)/g;

/**
 * Assignments whose left side is a field expression, in document order, located from the text
 * and checked against the tree (no walk of every node: this runs on every keystroke).
 */
function fieldAssignmentNodes(facts: FileFacts): Node[] {
  const found = new Map<number, Node>();
  for (const match of facts.text.matchAll(FIELD_ASSIGNMENT)) {
    const field = facts.tree.rootNode.descendantForIndex(match.index! + match[0].indexOf(match[1]));
    const left = field?.parent;
    const assignment = left?.parent;
    if (field?.type !== 'field_identifier' || left?.type !== 'field_expression' || assignment?.type !== 'assignment_expression') continue;
    if (assignment.childForFieldName('left')?.id !== left.id) continue;
    found.set(assignment.id, assignment);
  }
  return [...found.values()].sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
}

/** A file's provenance indexes, built lazily; the database keeps one per file version. */
export function buildFileIndex(facts: FileFacts, typeDeclarations: () => TypeDeclarations): FileIndex {
  let identifiers: Map<string, Node[]> | undefined;
  let fields: Map<string, Node[]> | undefined;
  let types: TypeDeclarations | undefined;
  const index: FileIndex = {
    functions: new Map(),
    identifiers() {
      if (!identifiers) {
        identifiers = new Map();
        for (const node of descendantsOfType(facts.tree.rootNode, IDENTIFIERS)) {
          const list = identifiers.get(node.text) ?? [];
          list.push(node);
          identifiers.set(node.text, list);
        }
      }
      return identifiers;
    },
    fieldAssignments() {
      if (!fields) {
        fields = new Map();
        for (const assignment of fieldAssignmentNodes(facts)) {
          const left = assignment.childForFieldName('left');
          const name = left?.type === 'field_expression' ? left.childForFieldName('field')?.text : undefined;
          if (!name || !left?.childForFieldName('argument') || !assignment.childForFieldName('right')) continue;
          const list = fields.get(name) ?? [];
          list.push(assignment);
          fields.set(name, list);
        }
      }
      return fields;
    },
    types() {
      // The same object the size scope uses: one scan of the text per file version, not two.
      types ??= typeDeclarations();
      return types;
    },
  };
  return index;
}

/** The allocation of `source` sits in a function that tests is_vmalloc_addr(): it handles both kinds. */
export function sourceUnderVmallocCheck(source: PointerSource): boolean {
  return source.origin !== 'stack' && underVmallocCheck(source.node);
}

/** The field an expression reads, through casts, `&x[i]` and `+ offset`: `pbl_buf` for `pbl->pbl_buf + 8`. */
export function fieldRead(expression: Node): string | undefined {
  let node = stripParens(expression);
  for (;;) {
    if (node.type === 'field_expression') return node.childForFieldName('field')?.text;
    const next =
      node.type === 'binary_expression' ? node.childForFieldName('left') : node.type === 'pointer_expression' || node.type === 'subscript_expression' ? node.childForFieldName('argument') : null;
    if (!next) return undefined;
    node = stripParens(next);
  }
}

const VMALLOC_CHECK = calleeNames(['is_vmalloc_addr']);

/**
 * Field names a file tests with is_vmalloc_addr(): code keeping a flag or branching elsewhere on
 * `is_vmalloc_addr(pbl->pbl_buf)` knows which kind of memory the name holds.
 */
export function vmallocCheckedNamesOf(file: FileFacts): Set<string> {
  const set = new Set<string>();
  for (const call of file.callsTo(VMALLOC_CHECK)) {
    if (calleeName(call) !== 'is_vmalloc_addr') continue;
    // Fields only: a local's test guards its own function, which underVmallocCheck() covers.
    const argument = callArguments(call)[0] && stripParens(callArguments(call)[0]);
    const name = argument?.type === 'field_expression' ? argument.childForFieldName('field')?.text : undefined;
    if (name) set.add(name);
  }
  return set;
}

/** A short description of where memory came from: `vzalloc() at foo.c:12 (field ->buf)`. */
export function describeSource(source: PointerSource, relativeTo: string): string {
  const where = `${source.file === relativeTo ? 'line' : `${source.file.split('/').pop()}:`}${source.file === relativeTo ? ' ' : ''}${source.span.startLine + 1}`;
  const what = source.origin === 'stack' ? `a stack variable declared at ${where}` : `${source.api?.name ?? source.origin}() at ${where}`;
  return source.via.length > 0 ? `${what} (${source.via.join(', ')})` : what;
}
