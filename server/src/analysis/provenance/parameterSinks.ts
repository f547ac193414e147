// A file's parameter flows toward DMA sinks (analysis/index/provenanceIndex.ts composes them over a
// folder or a kernel tree): per function, the parameters whose memory a contiguous-memory sink of
// its own body receives (usb_control_msg()'s data, dma_map_single()'s address, `urb->transfer_buffer
// = p`), and the calls that hand a parameter on to another function. Made while the tree is there.
//
// Conservative by construction: a parameter counts only where the sink's (or the call's) argument
// points into it on every path (FileProvenance.parameterOf()), so a helper that copies the caller's
// buffer into a kmalloc()'d bounce buffer before the sink passes nothing on. A function that tests
// where its memory lives (is_vmalloc_addr(), object_is_on_stack(), virt_addr_valid()) chooses at
// run time and gives no flows.
import type { Node } from 'web-tree-sitter';
import type { DmaBufferFlows, DmaBufferFunction } from '../index/provenanceIndex';
import { contiguousSink } from '../../model/contiguousSinks';
import { callArguments, calleeName, namedChildren } from '../../parsing/syntax';
import type { ContiguousUse } from './contiguousUses';
import type { FileProvenance } from './provenance';
import type { FileFacts } from '../fileFacts';
import { stringTable } from '../stringTable';

const MEMORY_TESTS = /\b(?:is_vmalloc_addr|object_is_on_stack|virt_addr_valid)\s*\(/;

/** The struct an owner's declared type names, without qualifiers and pointers. */
function plainType(type: string | undefined): string | undefined {
  const cleaned = type
    ?.replace(/\b(const|volatile)\b/g, '')
    .replace(/[*\s]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned || undefined;
}

/** Whether a field use is one whatever the folder's types say: its field name alone is catalogued, and a known owner type matches. */
function fieldSinkStands(use: Extract<ContiguousUse, { kind: 'field' }>): boolean {
  if (use.field.ownerRequired) return false;
  const owner = use.owner && use.owner.members.length === 0 ? plainType(use.owner.type) : undefined;
  return !owner || owner === use.field.owner;
}

/** Names a function's parameters declare, from its declarator (a few nodes, not the body). */
function parameterNames(definition: Node): string[] {
  let declarator: Node | null = definition.childForFieldName('declarator');
  while (declarator && declarator.type !== 'function_declarator') declarator = declarator.childForFieldName('declarator');
  const list = declarator?.childForFieldName('parameters');
  const names: string[] = [];
  for (const parameter of list ? namedChildren(list) : []) {
    const name = /([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*$/.exec(parameter.text)?.[1];
    if (name && parameter.type === 'parameter_declaration') names.push(name);
  }
  return names;
}

function wordsPattern(names: readonly string[]): RegExp {
  return new RegExp(`\\b(?:${names.join('|')})\\b`);
}

/** The calls of a function body whose argument list (as text) mentions one of `names`: found from the text, not a walk of every node. */
function callsMentioning(root: Node, body: Node, text: string, names: RegExp): Node[] {
  const calls: Node[] = [];
  const bodyText = text.slice(body.startIndex, body.endIndex);
  for (const match of bodyText.matchAll(CALL_START)) {
    if (NOT_CALLS.has(match[1])) continue;
    // The argument list's first stretch of text: a buffer argument names its variable there.
    const open = match.index! + match[0].length;
    const end = bodyText.indexOf(';', open);
    const stretch = bodyText.slice(open, end < 0 ? undefined : end);
    if (!names.test(stretch)) continue;
    const identifier = root.descendantForIndex(body.startIndex + match.index!);
    const call = identifier?.parent;
    if (identifier?.type !== 'identifier' || call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== identifier.id) continue;
    calls.push(call);
  }
  return calls;
}

const CALL_START = /\b([A-Za-z_]\w*)\s*\(/g;
const NOT_CALLS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', 'defined']);

/** A function's passes (parameter, callee, argument position, line from the definition's first row), by its start column and text. */
export type DmaPasses = ReadonlyMap<string, readonly (string | number)[]>;

/**
 * The flows of a file: `uses` are its contiguous-memory uses (contiguousUses() without the
 * folder's types). Undefined when no function has one. Calls are looked at only where their
 * arguments mention a parameter or a local assigned from one (found from the text): the rest
 * cannot pass a parameter on. `passes`: the previous version's passes of its definitions
 * (reused for a definition of the same column and text) and the table this version's go to.
 * A definition's passes read its own text and tree only (parameterOf() follows its locals), unless
 * the engine reads outside it (FileProvenance.outsideReads): those are not kept.
 */
export function dmaBufferFlowsOf(
  engine: FileProvenance,
  uses: readonly ContiguousUse[],
  passes?: { previous?: DmaPasses; next: Map<string, readonly (string | number)[]> },
): DmaBufferFlows | undefined {
  const facts = engine.facts;
  const { strings, intern } = stringTable();
  const testsMemory = MEMORY_TESTS.test(facts.text);
  const decides = (fn: number) => testsMemory && MEMORY_TESTS.test(facts.text.slice(facts.functions[fn].node.startIndex, facts.functions[fn].node.endIndex));
  const sinks = new Map<number, number[]>();
  const seenSinks = new Set<string>();
  for (const use of uses) {
    if (use.kind === 'field' && !fieldSinkStands(use)) continue;
    const fn = engine.functionIndexOf(use.at);
    if (fn === undefined || decides(fn)) continue;
    const parameter = engine.parameterOf(use.buffer, fn);
    if (parameter === undefined) continue;
    const sink = intern(use.kind === 'call' ? use.name : `.${use.field.field}`);
    const seen = `${fn}:${parameter}:${sink}`;
    if (seenSinks.has(seen)) continue;
    seenSinks.add(seen);
    sinks.set(fn, [...(sinks.get(fn) ?? []), parameter, sink, use.at.startPosition.row + 1]);
  }
  const root = facts.tree.rootNode;
  const functions: DmaBufferFunction[] = [];
  facts.functions.forEach((definition, fn) => {
    const own = sinks.get(fn) ?? [];
    const firstRow = definition.node.startPosition.row;
    const key = passes && `${definition.node.startPosition.column}:${definition.node.text}`;
    const known = key !== undefined ? passes?.previous?.get(key) : undefined;
    const found = known ? placedPasses(known, firstRow, intern) : functionPasses(definition, fn);
    if (key !== undefined && found.kept) passes!.next.set(key, found.relative);
    if (own.length > 0 || found.passes.length > 0) functions.push({ name: definition.name, isStatic: engine.isStatic(fn), sinks: own, passes: found.passes });
  });
  return functions.length > 0 ? { strings, functions } : undefined;

  function functionPasses(definition: FileFacts['functions'][number], fn: number): { passes: number[]; relative: (string | number)[]; kept: boolean } {
    const before = engine.outsideReads;
    const firstRow = definition.node.startPosition.row;
    const passes: number[] = [];
    const relative: (string | number)[] = [];
    const parameters = parameterNames(definition.node);
    if (parameters.length > 0 && !decides(fn)) {
      // Locals assigned from a parameter (`u8 *p = buf + 2;`) may carry it too.
      const body = facts.text.slice(definition.body.startIndex, definition.body.endIndex);
      const mentioned = wordsPattern(parameters);
      const names = new Set(parameters);
      for (const match of body.matchAll(ALIAS)) if (mentioned.test(match[2]) && leadingName(match[2], names)) names.add(match[1]);
      const seen = new Set<string>();
      // A parameter the body never writes, takes the address of or redeclares is its incoming
      // pointer wherever it is named: no need for the function's variable table there.
      const touched = touchedNames(body);
      const untouched = new Map(parameters.map((name, index) => [name, index] as const).filter(([name]) => !touched.has(name)));
      for (const call of callsMentioning(root, definition.body, facts.text, wordsPattern([...names]))) {
        const name = calleeName(call);
        // A sink's arguments are its uses above; its other arguments (a length, a device) are not buffers.
        if (!name || contiguousSink(name)) continue;
        callArguments(call).forEach((argument: Node, position) => {
          const text = argument.text;
          if (!leadingName(text, names)) return;
          const plain = PLAIN_NAME.exec(text)?.[1];
          const parameter = plain !== undefined && untouched.has(plain) ? untouched.get(plain) : engine.parameterOf(argument, fn);
          if (parameter === undefined) return;
          const key = `${parameter}:${name}:${position}`;
          if (seen.has(key)) return;
          seen.add(key);
          passes.push(parameter, intern(name), position, call.startPosition.row + 1);
          relative.push(parameter, name, position, call.startPosition.row - firstRow);
        });
      }
    }
    return { passes, relative, kept: engine.outsideReads === before };
  }
}

/** Passes kept by DmaPasses, at a definition's rows now, names interned in this version's table. */
function placedPasses(relative: readonly (string | number)[], firstRow: number, intern: (name: string) => number): { passes: number[]; relative: readonly (string | number)[]; kept: boolean } {
  const passes: number[] = [];
  for (let index = 0; index < relative.length; index += 4) {
    passes.push(relative[index] as number, intern(relative[index + 1] as string), relative[index + 2] as number, firstRow + (relative[index + 3] as number) + 1);
  }
  return { passes, relative, kept: true };
}

/**
 * Whether an expression's text starts, past casts, parentheses and `&`, with one of `names` not
 * followed by `->`, `.` or `(`: the shapes parameterOf() follows (`buf`, `(u8 *)buf + 2`,
 * `&buf[i]`, `x ? buf : …`); `dev->buf` or `foo(buf)` point elsewhere.
 */
function leadingName(text: string, names: ReadonlySet<string>): boolean {
  const match = LEADING_NAME.exec(text);
  return !!match && names.has(match[1]) && !/^\s*(?:->|\.|\()/.test(text.slice(match[0].length));
}

const LEADING_NAME = /^(?:\s*(?:\((?:const\s+|volatile\s+|struct\s+|union\s+|unsigned\s+|signed\s+)*[A-Za-z_]\w*[\s*]*\)|\(|&))*\s*([A-Za-z_]\w*)/;

/** `buf`, `(void *)buf`, `(u8 *)(buf)`: a name alone, past casts and parentheses. */
const PLAIN_NAME = /^(?:\s*(?:\((?:const\s+|volatile\s+|struct\s+|union\s+|unsigned\s+|signed\s+)*[A-Za-z_]\w*[\s*]*\)|\())*\s*([A-Za-z_]\w*)[\s)]*$/;

/**
 * The names a body may give another value than the incoming one: assigned (`=`, `+=`, `++`),
 * address taken, or declared (`u8 buf[4];` in a block shadows a parameter). From the text, once.
 */
function touchedNames(body: string): Set<string> {
  const names = new Set<string>();
  for (const pattern of TOUCHES) for (const match of body.matchAll(pattern)) names.add(match[1] ?? match[2]);
  return names;
}

const TOUCHES = [
  /\b([A-Za-z_]\w*)\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)/g,
  // `&p`, not `&&`, a binary `a & p`, or `&p->field` / `&p[i]` (which leave p as it is).
  /(?<![&\w)\]]\s*)&\s*([A-Za-z_]\w*)\b(?!\s*(?:->|\.|\[))/g,
  /\b([A-Za-z_]\w*)\s*(?:\+\+|--)|(?:\+\+|--)\s*([A-Za-z_]\w*)/g,
  /(?:^|[;{}])\s*(?!return\b|goto\b|case\b|else\b)(?:(?:const|volatile|struct|union|enum|unsigned|signed|static)\s+)*[A-Za-z_]\w*[\s*]+([A-Za-z_]\w*)\s*[[;,=]/g,
];

/** `name = value;` and `type *name = value;`: a local that may carry what `value` mentions. */
const ALIAS = /\b([A-Za-z_]\w*)\s*=(?!=)([^;]*);/g;
