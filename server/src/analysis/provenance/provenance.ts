// Pointer provenance within one file: which allocator produced the memory an expression points
// to, followed through locals (the assignments that can reach a use), parameters of static
// functions whose callers are all visible, file-scope variables, casts, `p + offset`, `&buf[i]`
// and `?:`. What the file alone cannot tell stays a reference in the answer (provenanceFacts.ts):
// a call of a helper the folder may define, the read of a struct field the folder's files may
// write. folderProvenance.ts resolves those over the folder's provenance summaries, which
// summarizeProvenance() makes while the file's tree is there. The answer is a set of possible
// sources plus whether some path stays unknown; rules decide how sure they must be (a wrong free
// needs every source known, DMA of "may be vmalloc" does not).
import type { Node } from 'web-tree-sitter';
import { ModelConfig } from '../../model/config';
import { gfpAllowsBlocking } from '../../model/gfp';
import { VMALLOC_ONLY_USES } from '../../model/contiguousSinks';
import { calleeName, calleeNames, callArguments, descendantsOfType, namedChildren, spanOf } from '../../parsing/syntax';
import { AllocationSite } from '../allocationSites';
import { PREPROCESSOR_GROUPS } from '../paths/pathConditions';
import type { FileFacts, FunctionFacts } from '../fileFacts';
import { FieldRead, FieldWriteFact, NOTHING, OwnerRef, PointerSource, SymbolicProvenance, UNKNOWN, mergeSymbolic, taggedSymbolic } from './provenanceFacts';

const MAX_DEPTH = 8;

/** Whether an origin may be vmalloc-area memory (is_vmalloc_addr() true). */
export function mayBeVmalloc(source: PointerSource, config: ModelConfig): boolean {
  if (source.origin === 'vmalloc' || source.origin === 'vmap') return true;
  if (source.origin !== 'kvmalloc') return false;
  // mm/util.c kvmalloc_node() (6.1): requests up to PAGE_SIZE, and masks without
  // __GFP_DIRECT_RECLAIM, never fall back to vmalloc.
  const site = source.site;
  const size = site?.requestedBytes;
  if (size !== undefined && size <= config.pageSize) return false;
  const gfp = site?.gfp;
  if (gfp && !gfpAllowsBlocking(gfp)) return false;
  return true;
}

interface Definition {
  /** The assignment, init declarator, or `&p` handing the variable out to be written. */
  node: Node;
  /** Absent when the stored value cannot be seen (`foo(&p)`). */
  value?: Node;
}

export interface Variable {
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
  /** Every declaration of a name in the function, with the block it is visible in. */
  variables: Map<string, Variable[]>;
}

/** A field write of the file, with its node (the engine's own view of a FieldWriteFact). */
interface FieldWrite extends FieldWriteFact {
  node: Node;
  value: Node;
}

const STATEMENT_PARENTS = new Set(['compound_statement', 'translation_unit']);
const ASSIGNMENT = new Set(['assignment_expression']);
const RETURNS = new Set(['return_statement']);
const BODY_DEFINITIONS = new Set(['declaration', 'assignment_expression', 'pointer_expression']);
const IDENTIFIERS = new Set(['identifier']);
const CALLS = new Set(['call_expression']);

function typeText(declaration: Node): string {
  const type = declaration.childForFieldName('type');
  if (!type) return '';
  if (type.type === 'struct_specifier' || type.type === 'union_specifier') {
    const name = type.childForFieldName('name')?.text;
    return name ? `${type.type === 'struct_specifier' ? 'struct' : 'union'} ${name}` : '';
  }
  return type.text;
}

/** Declared `static`: invisible to the folder's other .c files. */
export function isStaticFunction(definition: Node): boolean {
  return declaredStatic(definition);
}

/** A `static` storage class among the node's children; only a child whose text starts so has its type read. */
function declaredStatic(node: Node): boolean {
  const text = node.text;
  const start = node.startIndex;
  return namedChildren(node).some((child) => text.startsWith('static', child.startIndex - start) && child.type === 'storage_class_specifier' && child.text === 'static');
}

/**
 * The `#if` groups a node sits in, innermost first, as `group:branch`: the group's start offset in
 * this file version and the branch's place in its `#elif`/`#else` chain.
 */
export function preprocessorBranchesOf(node: Node): string[] {
  const branches: string[] = [];
  for (let current = node.parent; current; current = current.parent) {
    if (!PREPROCESSOR_GROUPS.has(current.type)) continue;
    let head = current;
    let index = 0;
    while (head.parent && PREPROCESSOR_GROUPS.has(head.parent.type) && head.parent.childForFieldName('alternative')?.id === head.id) {
      head = head.parent;
      index++;
    }
    branches.push(`${head.startIndex}:${index}`);
    current = head;
  }
  return branches;
}

function isStaticDeclaration(declaration: Node): boolean {
  return declaredStatic(declaration);
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

/** Where a stack or allocation source sits: the key that identifies it in merges. */
function sourceKey(file: string, origin: string, node: Node): string {
  return `${file}:${origin === 'stack' ? 's' : 'a'}:${node.startPosition.row}:${node.startPosition.column}`;
}

function positionKey(node: Node): string {
  return `${node.startPosition.row}:${node.startPosition.column}`;
}

/**
 * The provenance engine of one file version. Results are cached per node id, so rules and hovers
 * can ask freely; answers name what needs the folder as references (provenanceFacts.ts).
 */
export class FileProvenance {
  private readonly nodeCache = new Map<number, SymbolicProvenance>();
  private readonly paramCache = new Map<string, SymbolicProvenance>();
  private readonly returnCache = new Map<number, SymbolicProvenance | null>();
  private readonly writeCache = new Map<string, FieldWrite[]>();
  private readonly functions = new Map<number, FunctionIndex>();
  private readonly vmallocTests = new Map<number, boolean>();
  private readonly inProgress = new Set<string>();
  /** Node ids and return indexes whose answer read outside their function (a global, a static function's callers). */
  private readonly readOutside = new Set<string>();
  private outside = 0;
  private identifiers?: Map<string, Node[]>;
  private fields?: Map<string, Node[]>;
  private functionRanges?: Int32Array;
  private globals?: Map<string, FileScopeDeclaration | undefined>;
  private declarators?: Map<string, FileScopeDeclarator>;
  private identifierAssignments?: Map<string, { assignment: Node; left: Node; right: Node }[]>;

  constructor(readonly facts: FileFacts) {}

  /**
   * Counts the answers that read the file outside the function asked about (file-scope
   * variables, a static function's callers): a summary entry made while it stayed the same
   * depends on its function's text alone, and is reused while that text is unchanged.
   */
  get outsideReads(): number {
    return this.outside;
  }

  get path(): string {
    return this.facts.path;
  }

  /** Provenance of the memory an expression of the file points to. */
  of(node: Node): SymbolicProvenance {
    return this.resolve(node, 0);
  }

  /** Assignments `x->name = …` / `x.name op= …` of the file by field name, in document order. */
  fieldAssignments(): ReadonlyMap<string, readonly Node[]> {
    if (!this.fields) {
      const fields = new Map<string, Node[]>();
      for (const assignment of fieldAssignmentNodes(this.facts)) {
        const left = assignment.childForFieldName('left');
        const name = left?.type === 'field_expression' ? left.childForFieldName('field')?.text : undefined;
        if (!name || !left?.childForFieldName('argument') || !assignment.childForFieldName('right')) continue;
        const list = fields.get(name) ?? [];
        list.push(assignment);
        fields.set(name, list);
      }
      this.fields = fields;
    }
    return this.fields;
  }

  /** Whether a function of the file (FileFacts.functions; FieldRead.fn and FieldWriteFact.fn index them) is static. */
  isStatic(index: number): boolean {
    return isStaticFunction(this.facts.functions[index].node);
  }

  /** The union of what a function of the file returns; null without a return statement with a value. */
  returnsOf(index: number): SymbolicProvenance | null {
    const key = `r:${index}`;
    if (this.returnCache.has(index)) {
      if (this.readOutside.has(key)) this.outside++;
      return this.returnCache.get(index)!;
    }
    if (this.inProgress.has(key)) return NOTHING;
    this.inProgress.add(key);
    const before = this.outside;
    const returns = descendantsOfType(this.facts.functions[index].body, RETURNS)
      .map((statement) => namedChildren(statement)[0])
      .filter((value): value is Node => !!value);
    const result = returns.length === 0 ? null : mergeSymbolic(returns.map((value) => this.resolve(value, 1)));
    if (this.outside !== before) this.readOutside.add(key);
    this.inProgress.delete(key);
    this.returnCache.set(index, result);
    return result;
  }

  /**
   * The file's assignments `name = …` (any operator) to a plain identifier, in document order. The
   * file's assignments are walked once per engine: a walk per global name asked made files with
   * many globals quadratic.
   */
  private assignmentsTo(name: string): readonly { assignment: Node; left: Node; right: Node }[] {
    if (!this.identifierAssignments) {
      const byName = new Map<string, { assignment: Node; left: Node; right: Node }[]>();
      for (const assignment of descendantsOfType(this.facts.tree.rootNode, ASSIGNMENT)) {
        const left = assignment.childForFieldName('left');
        const right = assignment.childForFieldName('right');
        if (left?.type !== 'identifier' || !right) continue;
        const list = byName.get(left.text);
        if (list) list.push({ assignment, left, right });
        else byName.set(left.text, [{ assignment, left, right }]);
      }
      this.identifierAssignments = byName;
    }
    return this.identifierAssignments.get(name) ?? [];
  }

  /** The file's writes of a field, in document order. */
  writesOf(field: string): readonly FieldWrite[] {
    const cached = this.writeCache.get(field);
    if (cached) return cached;
    // The owners' reads outside a function count where a summary entry asks for them (ownerRef).
    const outside = this.outside;
    const writes = (this.fieldAssignments().get(field) ?? []).map((assignment): FieldWrite => {
      const left = assignment.childForFieldName('left')!;
      const value = assignment.childForFieldName('operator')?.text === '=' ? assignment.childForFieldName('right')! : assignment;
      return { key: positionKey(assignment), owner: this.ownerRef(left.childForFieldName('argument')!), fn: this.functionIndexOf(assignment), text: normalText(left.text), node: assignment, value };
    });
    this.outside = outside;
    this.writeCache.set(field, writes);
    return writes;
  }

  /** The provenance of the value a field write stores. */
  writeValue(write: FieldWriteFact): SymbolicProvenance {
    const own = write as FieldWrite;
    return own.node ? this.resolve(own.value, 1) : UNKNOWN;
  }

  private resolve(node: Node, depth: number): SymbolicProvenance {
    if (depth > MAX_DEPTH) return UNKNOWN;
    const key = `n:${node.id}`;
    const cached = this.nodeCache.get(node.id);
    if (cached) {
      if (this.readOutside.has(key)) this.outside++;
      return cached;
    }
    if (this.inProgress.has(key)) return NOTHING;
    this.inProgress.add(key);
    const before = this.outside;
    const result = this.compute(stripParens(node), depth);
    if (this.outside !== before) this.readOutside.add(key);
    this.inProgress.delete(key);
    this.nodeCache.set(node.id, result);
    return result;
  }

  private compute(node: Node, depth: number): SymbolicProvenance {
    switch (node.type) {
      case 'null':
      case 'number_literal':
      case 'string_literal':
      case 'concatenated_string':
        return NOTHING;
      case 'call_expression':
        return this.ofCall(node, depth);
      case 'identifier':
        return node.text === 'NULL' ? NOTHING : this.ofIdentifier(node, depth);
      case 'field_expression':
        return this.ofField(node);
      case 'binary_expression': {
        const operator = node.childForFieldName('operator')?.text;
        const left = node.childForFieldName('left');
        if ((operator === '+' || operator === '-') && left) return this.resolve(left, depth + 1);
        return UNKNOWN;
      }
      case 'pointer_expression': {
        const operator = node.childForFieldName('operator')?.text ?? node.child(0)?.text;
        const argument = node.childForFieldName('argument');
        if (operator !== '&' || !argument) return UNKNOWN;
        return this.ofAddressOf(stripParens(argument), depth);
      }
      case 'conditional_expression': {
        const consequence = node.childForFieldName('consequence');
        const alternative = node.childForFieldName('alternative');
        if (!consequence || !alternative) return UNKNOWN;
        return mergeSymbolic([this.resolve(consequence, depth + 1), this.resolve(alternative, depth + 1)]);
      }
      case 'assignment_expression': {
        const right = node.childForFieldName('right');
        return right && node.childForFieldName('operator')?.text === '=' ? this.resolve(right, depth + 1) : UNKNOWN;
      }
      default:
        return UNKNOWN;
    }
  }

  /** `&buf[i]`, `&local`, `&s.field`: the object whose address is taken. */
  private ofAddressOf(target: Node, depth: number): SymbolicProvenance {
    if (target.type === 'subscript_expression') {
      const array = target.childForFieldName('argument');
      return array ? this.resolve(array, depth + 1) : UNKNOWN;
    }
    let base = target;
    // &s.a.b: the address lies inside s; `->` leaves the object (its memory is elsewhere).
    while (base.type === 'field_expression' && base.childForFieldName('operator')?.text === '.') {
      base = stripParens(base.childForFieldName('argument')!);
    }
    if (base.type !== 'identifier') return UNKNOWN;
    const variable = this.variableAt(base);
    if (variable && variable.parameterIndex === undefined && !variable.isStatic) return this.stackSource(variable);
    return UNKNOWN;
  }

  private stackSource(variable: Variable): SymbolicProvenance {
    const declaration = variable.declaration;
    const fn = this.functionIndexOf(declaration);
    const source: PointerSource = {
      origin: 'stack',
      file: this.path,
      span: spanOf(declaration),
      key: sourceKey(this.path, 'stack', declaration),
      declaration: declaration.text.split('\n')[0].trim(),
      underVmallocCheck: false,
      functionSpan: fn === undefined ? undefined : spanOf(this.facts.functions[fn].node),
      via: [],
    };
    return { terms: [{ kind: 'source', source }], unknown: false, unknownInFolder: false };
  }

  private allocationSource(site: AllocationSite, call: Node): PointerSource {
    const list = call.childForFieldName('arguments');
    const close = list?.lastChild ?? call;
    const fn = this.functionIndexOf(call);
    return {
      origin: site.api.family,
      site: {
        requestedBytes: site.requestedBytes?.value,
        gfp: site.gfp?.value,
        args: site.args.map((argument) => argument.text),
        calleeSpan: spanOf(call.childForFieldName('function') ?? call),
        closeSpan: spanOf(close),
        destination: destinationName(call),
      },
      api: site.api,
      file: this.path,
      span: spanOf(call),
      key: sourceKey(this.path, site.api.family, call),
      underVmallocCheck: fn !== undefined && this.testsVmalloc(fn),
      functionSpan: fn === undefined ? undefined : spanOf(this.facts.functions[fn].node),
      via: [],
    };
  }

  /** Whether a function of the file calls is_vmalloc_addr(). */
  testsVmalloc(index: number): boolean {
    let tests = this.vmallocTests.get(index);
    if (tests === undefined) {
      tests = callsVmallocCheck(this.facts.functions[index].node);
      this.vmallocTests.set(index, tests);
    }
    return tests;
  }

  private ofCall(call: Node, depth: number): SymbolicProvenance {
    const site = this.facts.allocations.find((candidate) => candidate.call.id === call.id);
    if (site) {
      // Handles and pools are not memory; only calls that return a buffer carry provenance.
      if (site.api.returns === 'cache' || site.api.returns === 'pool' || site.api.returns === 'count') return UNKNOWN;
      if (site.api.family === 'mempool') return UNKNOWN;
      return { terms: [{ kind: 'source', source: this.allocationSource(site, call) }], unknown: false, unknownInFolder: false };
    }
    const name = calleeName(call);
    if (!name) return UNKNOWN;
    if (name === 'ERR_PTR') return NOTHING;
    // PTR_ALIGN(p, a) and similar keep the object.
    if (name === 'PTR_ALIGN' || name === 'PTR_ERR_OR_ZERO') {
      const first = callArguments(call)[0];
      return name === 'PTR_ALIGN' && first ? this.resolve(first, depth + 1) : UNKNOWN;
    }
    // Memory returned by a helper: its own file's definition, else the folder's (folderProvenance.ts).
    return { terms: [{ kind: 'helper', name, from: this.path, via: [] }], unknown: false, unknownInFolder: false };
  }

  private ofIdentifier(node: Node, depth: number): SymbolicProvenance {
    const variable = this.variableAt(node);
    if (!variable) return this.ofGlobal(node.text, depth);
    if (variable.array) return variable.isStatic || variable.parameterIndex !== undefined ? UNKNOWN : this.stackSource(variable);
    const reaching = reachingDefinitions(variable, node);
    const parts = reaching.definitions.map((definition) => (definition.value ? this.resolve(definition.value, depth + 1) : UNKNOWN));
    if (!reaching.dominated) {
      if (variable.parameterIndex !== undefined) parts.push(this.ofParameter(node, variable, depth));
      else if (variable.isStatic) parts.push(UNKNOWN);
    }
    return mergeSymbolic(parts.length === 0 ? [NOTHING] : parts);
  }

  /** A parameter of a static function: the union over every call in its file, if all are plain calls. */
  private ofParameter(node: Node, variable: Variable, depth: number): SymbolicProvenance {
    const index = this.functionIndexOf(node);
    if (index === undefined || variable.parameterIndex === undefined) return UNKNOWN;
    const fn = this.facts.functions[index];
    const key = `p:${fn.name}:${variable.parameterIndex}`;
    // A static function's callers sit in other functions of the file.
    if (isStaticFunction(fn.node)) this.outside++;
    const cached = this.paramCache.get(key);
    if (cached) return cached;
    if (this.inProgress.has(key)) return NOTHING;
    this.inProgress.add(key);
    // Only a static function has all its callers in view: those of its own file.
    const result = isStaticFunction(fn.node) ? this.computeParameter(fn.name, variable.parameterIndex, depth) : UNKNOWN;
    this.inProgress.delete(key);
    this.paramCache.set(key, result);
    return result;
  }

  private computeParameter(name: string, index: number, depth: number): SymbolicProvenance {
    const parts: SymbolicProvenance[] = [];
    // A function whose name is used other than as a callee (ops tables, callbacks) has callers we cannot see.
    for (const identifier of this.identifiersNamed(name)) {
      const parent = identifier.parent;
      const isCallee = parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === identifier.id;
      const isDefinition = parent?.type === 'function_declarator';
      if (isDefinition) continue;
      if (!isCallee) return UNKNOWN;
      const argument = callArguments(parent!)[index];
      if (!argument) return UNKNOWN;
      // Where the memory enters the helper, for the finding's related locations.
      const at = { file: this.path, line: parent!.startPosition.row, callee: name };
      const passed = this.resolve(argument, depth + 1);
      parts.push({
        ...passed,
        terms: passed.terms.map((term) => (term.kind === 'source' ? { kind: 'source', source: { ...term.source, passedAt: [...(term.source.passedAt ?? []), at] } } : term)),
      });
    }
    return parts.length === 0 ? UNKNOWN : taggedSymbolic(mergeSymbolic(parts), `passed to ${name}()`);
  }

  /** A file-scope variable: every assignment to it in the file, plus its initializer. */
  private ofGlobal(name: string, depth: number): SymbolicProvenance {
    this.outside++;
    const declaration = this.fileScopeDeclaration(name);
    if (!declaration) return UNKNOWN;
    if (declaration.array) return UNKNOWN; // static storage: not stack, not heap
    const parts: SymbolicProvenance[] = [];
    if (declaration.value) parts.push(this.resolve(declaration.value, depth + 1));
    else parts.push(NOTHING);
    for (const { assignment, left, right } of this.assignmentsTo(name)) {
      if (this.variableAt(left)) continue; // a local of the same name
      if (assignment.childForFieldName('operator')?.text !== '=') return UNKNOWN;
      parts.push(this.resolve(right, depth + 1));
    }
    // Non-static globals may be assigned in other translation units.
    if (!declaration.isStatic) parts.push({ ...NOTHING, unknownInFolder: true });
    return mergeSymbolic(parts);
  }

  /**
   * `obj->field`: what the folder's writes of that field stored (folderProvenance.ts). Writes of
   * this very expression in the reading function are recorded for the reaching-writes walk:
   * `fbi->screen_buffer = map.vaddr;` in the branch of the read hides the other branch's vzalloc().
   */
  private ofField(node: Node): SymbolicProvenance {
    const field = node.childForFieldName('field')?.text;
    const base = node.childForFieldName('argument');
    if (!field || !base) return UNKNOWN;
    const fn = this.functionIndexOf(node);
    const text = normalText(node.text);
    const local =
      fn === undefined
        ? []
        : this.writesOf(field)
            .filter((write) => write.fn === fn && write.text === text)
            .sort((a, b) => a.node.startIndex - b.node.startIndex)
            .map((write) => {
              const block = enclosingBlock(write.node);
              return {
                write: write.key,
                eligible: write.node.endIndex <= node.startIndex && !exclusiveBranches(write.node, node),
                dominates: !!block && contains(block, node) && !insideCondition(write.node),
                later: write.node.startIndex > node.endIndex,
              };
            });
    const read: FieldRead = { file: this.path, key: positionKey(node), field, operator: node.childForFieldName('operator')?.text ?? '->', owner: this.ownerRef(base), fn, local };
    return { terms: [{ kind: 'field', read, via: [] }], unknown: false, unknownInFolder: false };
  }

  /** The type a field expression's base designates, as written (the folder's types resolve it). */
  ownerRef(base: Node): OwnerRef | undefined {
    const node = base.type === 'parenthesized_expression' && base.namedChild(0) ? base.namedChild(0)! : base;
    switch (node.type) {
      case 'parenthesized_expression':
        return this.ownerRef(node);
      case 'identifier': {
        const variable = this.variableAt(node);
        if (!variable) this.outside++;
        return { type: variable?.type ?? this.fileScopeDeclaration(node.text)?.type, members: [] };
      }
      case 'field_expression': {
        const outer = this.ownerRef(node.childForFieldName('argument')!);
        return outer ? { type: outer.type, members: [...outer.members, node.childForFieldName('field')?.text ?? ''] } : undefined;
      }
      case 'subscript_expression':
      case 'pointer_expression': {
        const argument = node.childForFieldName('argument');
        return argument ? this.ownerRef(argument) : undefined;
      }
      case 'cast_expression':
        return { type: node.childForFieldName('type')?.text, members: [] };
      case 'call_expression':
        // container_of(ptr, type, member)
        if (calleeName(node) !== 'container_of') return undefined;
        return { type: callArguments(node)[1]?.text, members: [] };
      default:
        return undefined;
    }
  }

  /**
   * The file-scope declaration of a name. The file's declarators are read once per engine, the
   * first of each name kept: a scan per name made a file with many globals and many questions
   * quadratic in wasm calls.
   */
  private fileScopeDeclaration(name: string): FileScopeDeclaration | undefined {
    this.declarators ??= fileScopeDeclarators(this.facts);
    this.globals ??= new Map();
    if (!this.globals.has(name)) {
      const found = this.declarators.get(name);
      this.globals.set(name, found && fileScopeDeclarationOf(found));
    }
    return this.globals.get(name);
  }

  /**
   * The identifiers of the file spelled `name`, in document order: found in the text and checked
   * against the tree (a comment, a string or a longer name is no such identifier), instead of
   * marshalling every identifier of the file out of WebAssembly.
   */
  private identifiersNamed(name: string): Node[] {
    this.identifiers ??= new Map();
    let found = this.identifiers.get(name);
    if (!found) {
      const root = this.facts.tree.rootNode;
      if (!/^\w+$/.test(name)) {
        // `$` and universal characters are identifier characters too but not `\w`: walked.
        found = descendantsOfType(root, IDENTIFIERS).filter((node) => node.text === name);
      } else {
        found = [];
        for (const match of this.facts.text.matchAll(new RegExp(`\\b${name}\\b`, 'g'))) {
          const node = root.descendantForIndex(match.index!, match.index! + name.length);
          if (node?.type === 'identifier' && node.startIndex === match.index && node.endIndex === match.index + name.length) found.push(node);
        }
      }
      this.identifiers.set(name, found);
    }
    return found;
  }

  /** Index in FileFacts.functions of the definition holding `node`. */
  functionIndexOf(node: Node): number | undefined {
    // Each definition's range read once per engine: every answer asks this, and each `endIndex`
    // is a call into WebAssembly (a scan of the definitions per question made it quadratic).
    const ranges = (this.functionRanges ??= Int32Array.from(this.facts.functions.flatMap((fn) => [fn.node.startIndex, fn.node.endIndex])));
    const start = node.startIndex;
    const end = node.endIndex;
    for (let index = 0; index < ranges.length; index += 2) if (start >= ranges[index] && end <= ranges[index + 1]) return index / 2;
    return undefined;
  }

  /**
   * The parameter of the function around `node` (FileFacts.functions index `fn`, when the caller
   * knows it) that `node` points into on every path: `buf`, `(u8 *)buf + 2`, `&buf[i]`, a local
   * set only from it. Undefined when some path may point elsewhere (a bounce buffer, a
   * reassignment), for the buffers followed through helpers to DMA sinks (parameterSinks.ts).
   */
  parameterOf(node: Node, fn?: number, depth = 0): number | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const expression = stripParens(node);
    switch (expression.type) {
      case 'identifier': {
        const index = fn ?? this.functionIndexOf(expression);
        if (index === undefined) return undefined;
        const variable = visibleDeclaration(this.indexOf(this.facts.functions[index]).variables.get(expression.text), expression);
        // A local array is the stack; a static local outlives the call.
        if (!variable || variable.isStatic || (variable.array && variable.parameterIndex === undefined)) return undefined;
        const reaching = reachingDefinitions(variable, expression);
        const found = new Set<number>();
        for (const definition of reaching.definitions) {
          const parameter = definition.value ? this.parameterOf(definition.value, index, depth + 1) : undefined;
          if (parameter === undefined) return undefined;
          found.add(parameter);
        }
        if (!reaching.dominated && variable.parameterIndex !== undefined) found.add(variable.parameterIndex);
        return found.size === 1 ? [...found][0] : undefined;
      }
      case 'binary_expression': {
        const operator = expression.childForFieldName('operator')?.text;
        const left = expression.childForFieldName('left');
        return (operator === '+' || operator === '-') && left ? this.parameterOf(left, fn, depth + 1) : undefined;
      }
      case 'pointer_expression': {
        const argument = expression.childForFieldName('argument');
        const target = argument && stripParens(argument);
        if (expression.child(0)?.text !== '&' || target?.type !== 'subscript_expression') return undefined;
        const array = target.childForFieldName('argument');
        return array ? this.parameterOf(array, fn, depth + 1) : undefined;
      }
      case 'conditional_expression': {
        const consequence = expression.childForFieldName('consequence');
        const alternative = expression.childForFieldName('alternative');
        const first = consequence ? this.parameterOf(consequence, fn, depth + 1) : undefined;
        return first !== undefined && alternative && this.parameterOf(alternative, fn, depth + 1) === first ? first : undefined;
      }
      default:
        return undefined;
    }
  }

  /** The local or parameter `identifier` names in its function, if any. */
  variableAt(identifier: Node): Variable | undefined {
    const index = this.functionIndexOf(identifier);
    if (index === undefined) return undefined;
    return visibleDeclaration(this.indexOf(this.facts.functions[index]).variables.get(identifier.text), identifier);
  }

  private indexOf(fn: FunctionFacts): FunctionIndex {
    const existing = this.functions.get(fn.node.id);
    if (existing) return existing;
    const variables = new Map<string, Variable[]>();
    const parameters = fn.node.childForFieldName('declarator');
    let parameterList: Node | null | undefined = parameters;
    while (parameterList && parameterList.type !== 'function_declarator') parameterList = parameterList.childForFieldName('declarator');
    // One walk of the body for its declarations, assignments and pointer expressions (a walk is a
    // pass over the whole body inside WebAssembly), split by type in document order.
    const bodyNodes = { declaration: [] as Node[], assignment_expression: [] as Node[], pointer_expression: [] as Node[] };
    for (const node of descendantsOfType(fn.body, BODY_DEFINITIONS)) bodyNodes[node.type as keyof typeof bodyNodes].push(node);
    const declarations = [...(parameterList ? descendantsOfType(parameterList, new Set(['parameter_declaration'])) : []), ...bodyNodes.declaration];
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
    for (const assignment of bodyNodes.assignment_expression) {
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
    for (const pointer of bodyNodes.pointer_expression) {
      const argument = pointer.childForFieldName('argument');
      if (pointer.child(0)?.text !== '&' || argument?.type !== 'identifier') continue;
      const variable = visibleDeclaration(variables.get(argument.text), argument);
      if (variable && variable.pointer) variable.definitions.push({ node: pointer });
    }
    for (const variable of [...variables.values()].flat()) variable.definitions.sort((a, b) => a.node.startIndex - b.node.startIndex);
    const index = { fn, variables };
    this.functions.set(fn.node.id, index);
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

interface FileScopeDeclaration {
  value?: Node;
  array: boolean;
  isStatic: boolean;
  type: string;
}

/** A declarator of a declaration directly under the translation unit. */
interface FileScopeDeclarator {
  declaration: Node;
  init?: Node;
  array: boolean;
}

/** The file-scope declarators of a file by name, the first of each name (document order). */
function fileScopeDeclarators(facts: FileFacts): Map<string, FileScopeDeclarator> {
  const found = new Map<string, FileScopeDeclarator>();
  for (const declaration of namedChildren(facts.tree.rootNode)) {
    if (declaration.type !== 'declaration') continue;
    for (const declarator of declaration.childrenForFieldName('declarator')) {
      if (!declarator) continue;
      const init = declarator.type === 'init_declarator' ? declarator : undefined;
      const shape = declaratorShape(init?.childForFieldName('declarator') ?? declarator);
      if (shape.name === undefined || found.has(shape.name)) continue;
      found.set(shape.name, { declaration, init, array: shape.array });
    }
  }
  return found;
}

function fileScopeDeclarationOf({ declaration, init, array }: FileScopeDeclarator): FileScopeDeclaration {
  const value = init?.childForFieldName('value') ?? undefined;
  return { value: value?.type === 'initializer_list' ? undefined : value, array, isStatic: isStaticDeclaration(declaration), type: typeText(declaration) };
}

/** Calls to `is_vmalloc_addr()` in the function around `node`: the code decides at run time. */
export function underVmallocCheck(node: Node): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'function_definition') return callsVmallocCheck(current);
  }
  return false;
}

/** Whether a definition calls is_vmalloc_addr(); a text that never names it is not walked. */
function callsVmallocCheck(definition: Node): boolean {
  if (!definition.text.includes('is_vmalloc_addr')) return false;
  return descendantsOfType(definition, CALLS).some((call) => calleeName(call) === 'is_vmalloc_addr');
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

/** The name the allocation is stored under: `buf` for `buf = …`, `rx` for `p->rx = …`. */
function destinationName(call: Node): string | undefined {
  const parent = call.parent;
  const target = parent?.type === 'assignment_expression' ? parent.childForFieldName('left') : parent?.type === 'init_declarator' ? parent.childForFieldName('declarator') : undefined;
  if (!target) return undefined;
  if (target.type === 'field_expression') return target.childForFieldName('field')?.text;
  const match = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(target.text);
  return match?.[1];
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

const VMALLOC_ONLY_CALLEES = calleeNames(VMALLOC_ONLY_USES);

/** The argument of a call that needs vmalloc memory: the area for remap_vmalloc_range*(), else the address. */
export function vmallocOnlyArgument(call: Node): Node | undefined {
  const name = calleeName(call);
  if (!name || !VMALLOC_ONLY_USES.includes(name)) return undefined;
  return callArguments(call)[name.startsWith('remap_vmalloc_range') ? 1 : 0];
}

/** Calls of a file that need vmalloc memory, in document order. */
export function vmallocOnlyCalls(facts: FileFacts): Node[] {
  return facts.callsTo(VMALLOC_ONLY_CALLEES);
}
