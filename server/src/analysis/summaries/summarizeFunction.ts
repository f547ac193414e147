// Builds a FunctionSummary from one function definition's syntax and the file-level inputs it
// needs (the file's lock wrappers, learned context flags, spinning locks and macro table). The
// tree-walking analyses (locks/lockRegions.ts) run here, once per function version, and their
// answers are copied out as data; nothing returned holds a node.
import type { Node } from 'web-tree-sitter';
import { allocApi, argIndex, freeApi } from '../../model/apis';
import type { ModelConfig } from '../../model/config';
import { SectionClass, TIMER_ARMS, sectionCloser, sectionOpener, sleepingUnlock } from '../../model/contexts';
import { GfpValue, gfpAllowsBlocking } from '../../model/gfp';
import { OTHER_REGMAP, REGMAP_LOCK_OVERRIDE } from '../../model/regmap';
import { gfpTaker, sleeper } from '../../model/sleepers';
import { Span, calleeName, unwrapExpression } from '../../parsing/syntax';
import { SyntaxIndex } from '../../parsing/syntaxIndex';
import { RegistrationTables, registrationsIn, signatureOf } from '../locks/callbacks';
import type { MacroDefinition } from '../sizes/constants';
import type { FunctionFacts } from '../fileFacts';
import { evaluateGfpText } from '../gfpMask';
import { FieldConditions, fieldConditions } from '../paths/fieldConditions';
import { refcountPaths } from '../paths/refcountPaths';
import { ReleasingCallees, releasedClasses, releasesAnnotations } from '../paths/releasingCallees';
import { sectionAppliesOn } from '../locks/fpuSections';
import { MacroSection, macroFieldCall, macroSection, macroSleep } from '../locks/macroCalls';
import type { HeaderMacroLookup } from '../index/headerMacros';
import { createScope, evaluateText } from '../sizes/constants';
import { CalleeLocks, HeldSection, analyzeFunctionLocks, learnedContextFlags, lockKeyOfText, mustHoldLocks, parametersOf } from '../locks/lockRegions';
import type { CallFact, FunctionSummary, HeldSectionFact, LocalSleep, MaskChoice, MaskFact, SummaryDependencies } from './functionSummary';
import { ParameterConditions, ParameterGuard, ParameterTest, parameterGuards } from '../paths/parameterGuards';
import { FieldCall, calledParameterOf, fieldCallOf, flagsSetIn, functionArgumentsOf, localNames, opsStoresIn, parameterNames } from '../locks/opsFields';
import { FolderPathFacts, noReturnDependency, pathConditions } from '../paths/pathConditions';

/** What a function's lock interface looks like to its callers in the same file. */
export interface CalleeInterface {
  key: string;
  acquiredAtExit: readonly HeldSectionFact[];
  releasedCallerClasses: readonly SectionClass[];
}

/** The file-level inputs of one function's summary. */
export interface SummaryInputs {
  config: ModelConfig;
  macros: ReadonlyMap<string, MacroDefinition>;
  macrosKey: string;
  tables: RegistrationTables;
  /**
   * The lock interface of a function the file defines exactly once: 'duplicate' when it defines
   * the name more than once, 'cycle' while that function's own summary is being built, undefined
   * when the file does not define it.
   */
  calleeInterface(name: string): CalleeInterface | 'duplicate' | 'cycle' | undefined;
  /** Context flags the file's functions teach (learnedContextFlags), sorted. */
  learnedFlags: ReadonlySet<string>;
  /** Spinning openers the file uses per lock expression (for `__must_hold`). */
  spinningLock(lock: string): { class: SectionClass; opener: string } | undefined;
  /** The folder's #defined names and `__noreturn` functions (paths/pathConditions.ts). */
  paths: FolderPathFacts;
  /** Names and ops fields the file annotates `__releases()`. */
  releasing: ReleasingCallees;
  /** The file's evaluations of mask and constant texts (one per file summary; made here when absent). */
  values?: TextValues;
  /** The kernel tree's header macros that sleep or lock (index/headerMacros.ts), below the file's own; its key is part of `macrosKey`. */
  headerMacros?: HeaderMacroLookup;
}

/**
 * A lock macro of the file or its folder's headers, else of the kernel tree's headers
 * (`#define xa_lock(xa) spin_lock(&(xa)->xa_lock)`): the lock call it stands for.
 */
function lockMacro(name: string, inputs: SummaryInputs): MacroSection | undefined {
  const own = macroSection(name, inputs.macros);
  if (own || inputs.macros.has(name)) return own;
  const header = inputs.headerMacros?.section(name);
  if (!header) return undefined;
  const section = header.opens ? sectionOpener(header.call) : sectionCloser(header.call);
  return section ? { call: header.call, section, opens: header.opens, text: header.text } : undefined;
}

/**
 * The call's parameter guard with the tests a macro's sleep needs (macroSleepOf()): they join the
 * tests of the paths to the call; alone, they are all the call depends on unless the lock walk
 * saw another scalar parameter decide it.
 */
function macroGuarded(guard: ParameterGuard | undefined, tests: readonly ParameterTest[] | undefined, guardedOtherwise: boolean): { parameterGuard?: ParameterGuard } {
  if (!tests) return guard ? { parameterGuard: guard } : {};
  return { parameterGuard: guard ? { requires: [...guard.requires, ...tests], complete: guard.complete } : { requires: [...tests], complete: !guardedOtherwise } };
}

/**
 * What mask and constant texts stand for under one file's macro table: every helper call's
 * arguments are evaluated, and the same texts (`GFP_KERNEL`, `0`, `dev`) recur in every function of
 * the file. Answers are never changed by their readers (a mask with added bits is a new object).
 */
export class TextValues {
  private readonly masks = new Map<string, GfpValue | undefined>();
  private readonly integers = new Map<string, number | undefined>();
  private scope?: ReturnType<typeof createScope>;

  constructor(
    private readonly config: ModelConfig,
    private readonly macros: ReadonlyMap<string, MacroDefinition>,
  ) {}

  /** evaluateGfpText() of the text. */
  mask(text: string): GfpValue | undefined {
    if (this.masks.has(text)) return this.masks.get(text);
    const value = evaluateGfpText(text, this.config, this.macros);
    this.masks.set(text, value);
    return value;
  }

  /** The value evaluateText() gives the text in the file's constant scope. */
  integer(text: string): number | undefined {
    if (this.integers.has(text)) return this.integers.get(text);
    this.scope ??= createScope(this.config, this.macros);
    const value = evaluateText(text, this.scope)?.value;
    this.integers.set(text, value);
    return value;
  }
}

const UNLOCK_HELPER = /(^|_)unlock(_|$)/;

/** The dependency record of a callee answer, as `SummaryDependencies.callees` stores it. */
export function calleeDependency(answer: ReturnType<SummaryInputs['calleeInterface']>): string {
  if (answer === undefined) return 'none';
  return typeof answer === 'string' ? answer : `def:${answer.key}`;
}

function relative(node: Node, row: number): Span {
  // endPosition is a call into WebAssembly and a new object: read once.
  const end = node.endPosition;
  return { startLine: node.startPosition.row - row, startColumn: node.startPosition.column, endLine: end.row - row, endColumn: end.column };
}

/** The record of which spinning openers `__must_hold` locks matched (SummaryDependencies.mustHold). */
export function mustHoldDependency(mustHold: readonly string[], spinningLock: SummaryInputs['spinningLock']): string {
  return mustHold
    .map((text) => {
      const known = spinningLock(lockKeyOfText('spin', text).slice('spin:'.length));
      return known ? `${text}=${known.class}` : `${text}=`;
    })
    .join(';');
}

/** The record of which learned context flags a function's conditions test (SummaryDependencies.learnedFlags). */
export function learnedFlagsDependency(conditionNames: readonly string[], learnedFlags: ReadonlySet<string>): string {
  return conditionNames.filter((name) => learnedFlags.has(name)).join(',');
}

/** The record of one `__releases()` answer (SummaryDependencies.releasing): `n:name` for a callee, `f:field` for an ops field. */
export function releasingAnswer(question: string, releasing: ReleasingCallees): string {
  return (question.startsWith('f:') ? releasing.byField(question.slice(2)) : releasing.byName(question.slice(2))) ?? '';
}

/** The parts a summary needs before any file-level input: cheap, and what the file's inputs are made of. */
export interface FunctionPrelude {
  /** `__releases(x)` lock texts of the head. */
  releases: string[];
  learnedFlags: string[];
  spinningLocks: { lock: string; class: SectionClass; opener: string }[];
  calledNames: string[];
}

export function functionPrelude(fn: FunctionFacts, index: SyntaxIndex): FunctionPrelude {
  const spinningLocks: FunctionPrelude['spinningLocks'] = [];
  const called = new Set<string>();
  for (const call of index.within(fn.body, ['call_expression'])) {
    const name = index.calleeName(call);
    if (!name) continue;
    called.add(name);
    const opener = sectionOpener(name);
    if (!opener || opener.lockArg === undefined) continue;
    const lock = index.arguments(call)[opener.lockArg];
    if (lock) spinningLocks.push({ lock: lockKeyOfText('spin', lock.text).slice('spin:'.length), class: opener.class, opener: name });
  }
  const head = fn.node.text.slice(0, fn.body.startIndex - fn.node.startIndex);
  return { releases: releasesAnnotations(head), learnedFlags: [...learnedContextFlags(fn, index)].sort(), spinningLocks, calledNames: [...called].sort() };
}

/** Every definition of each local variable in a body: initializers, then plain or compound assignments. */
function localDefinitions(index: SyntaxIndex, body: Node): Map<string, Node[]> {
  const found = new Map<string, Node[]>();
  const add = (name: string | undefined, node: Node) => {
    if (name === undefined) return;
    const list = found.get(name);
    if (list) list.push(node);
    else found.set(name, [node]);
  };
  for (const declarator of index.within(body, ['init_declarator'])) {
    // `void *buf = kmalloc(...)` defines `buf`, under its pointer declarator.
    let name = declarator.childForFieldName('declarator');
    while (name?.type === 'pointer_declarator') name = name.childForFieldName('declarator');
    add(name?.text, declarator.childForFieldName('value')!);
  }
  for (const assignment of index.within(body, ['assignment_expression'])) {
    // `gfp |= __GFP_NOWARN` and friends make the value path-dependent: report nothing.
    add(assignment.childForFieldName('left')?.text, assignment.childForFieldName('operator')?.text === '=' ? assignment.childForFieldName('right')! : assignment);
  }
  return found;
}

/** Whether a local's value is a catalogued allocation's result (`buf = kmalloc(...)`). */
function isAllocation(definition: Node, config: ModelConfig): boolean {
  const value = unwrapExpression(definition);
  const name = value.type === 'call_expression' ? calleeName(value) : undefined;
  return !!name && !!allocApi(name, config);
}

class SummaryBuilder {
  private readonly parameters: string[];
  private readonly row: number;
  private definitions?: Map<string, Node[]>;
  private readonly values: TextValues;

  constructor(
    private readonly fn: FunctionFacts,
    private readonly index: SyntaxIndex,
    private readonly inputs: SummaryInputs,
    private readonly prelude: FunctionPrelude,
  ) {
    this.parameters = parametersOf(fn).map((parameter) => parameter.name);
    this.row = fn.node.startPosition.row;
    this.values = inputs.values ?? new TextValues(inputs.config, inputs.macros);
  }

  span(node: Node): Span {
    return relative(node, this.row);
  }

  maskFact(node: Node, value: MaskFact['value'], variable?: string): MaskFact {
    const tokens = node.type === 'identifier' ? [node] : this.index.within(node, ['identifier']);
    return {
      value,
      text: node.text,
      span: this.span(node),
      ...(variable ? { variable } : {}),
      tokens: tokens.map((token) => ({ text: token.text, offset: token.startIndex - node.startIndex, span: this.span(token) })),
    };
  }

  /** The mask an expression stands for: a constant, or a local variable assigned exactly once. */
  maskOf(node: Node): MaskFact | { parameter: number } | undefined {
    const expression = this.index.unwrap(node);
    const text = this.index.text(expression);
    if (this.index.type(expression) === 'identifier') {
      const direct = this.values.mask(text);
      if (direct) return this.maskFact(expression, direct);
      const parameter = this.parameters.indexOf(text);
      if (parameter >= 0) return { parameter };
      this.definitions ??= localDefinitions(this.index, this.fn.body);
      const definitions = this.definitions.get(text) ?? [];
      if (definitions.length !== 1 || this.index.type(definitions[0]) === 'assignment_expression') return undefined;
      const value = this.values.mask(this.index.text(definitions[0]));
      return value ? this.maskFact(definitions[0], value, text) : undefined;
    }
    const value = this.values.mask(text);
    return value ? this.maskFact(expression, value) : undefined;
  }

  /**
   * What a call site knows of an argument's truth: `false`, `0`, `NULL` are false; `true`, a
   * non-zero constant, a string, `&x` and a local that only ever holds an allocation's result
   * (assigned before the call) are true. Anything else is unknown.
   */
  argumentTruth(argument: Node, call: Node): boolean | undefined {
    const node = this.index.unwrap(argument);
    const type = this.index.type(node);
    if (type === 'true') return true;
    if (type === 'false' || type === 'null') return false;
    if (type === 'string_literal') return true;
    if (type === 'number_literal') {
      const value = Number(this.index.text(node).replace(/[uUlL]+$/, ''));
      return Number.isFinite(value) ? value !== 0 : undefined;
    }
    if (type === 'pointer_expression') return node.childForFieldName('operator')?.text === '&' ? true : undefined;
    if (type !== 'identifier') return undefined;
    const text = this.index.text(node);
    if (text === 'NULL' || text === 'false') return false;
    if (text === 'true') return true;
    if (this.parameters.includes(text)) return undefined;
    this.definitions ??= localDefinitions(this.index, this.fn.body);
    const definitions = this.definitions.get(text) ?? [];
    if (definitions.length === 0 || !definitions.every((definition) => isAllocation(definition, this.inputs.config))) return undefined;
    return definitions.some((definition) => definition.startIndex < call.startIndex) ? true : undefined;
  }

  /** Why a call may sleep from the call alone; the mask parameter an allocation uses. */
  localSleep(
    name: string | undefined,
    args: readonly Node[],
    call?: Node,
  ): { sleep?: LocalSleep; maskParameter?: CallFact['maskParameter']; maskChoice?: MaskChoice; macroGuard?: ParameterTest[]; catalogued: boolean } {
    if (!name) return { catalogued: false };
    const api = allocApi(name, this.inputs.config);
    if (api) {
      const gfpIndex = argIndex(api.args.gfp, args.length);
      const gfpNode = gfpIndex === undefined ? undefined : args[gfpIndex];
      const parameter = gfpNode ? this.parameters.indexOf(this.index.text(this.index.unwrap(gfpNode))) : -1;
      const maskParameter = parameter >= 0 ? { parameter, api: api.name } : undefined;
      if (api.sleeps === 'always') return { sleep: { kind: 'allocation', api: api.name }, maskParameter, catalogued: true };
      if (api.sleeps !== 'gfp') return { maskParameter, catalogued: true };
      if (!gfpNode) {
        const implied = api.defaultGfp ? this.values.mask(api.defaultGfp) : undefined;
        const bits = implied && api.addsGfp ? { ...implied, bits: new Set([...implied.bits, ...api.addsGfp]) } : implied;
        return { sleep: bits && gfpAllowsBlocking(bits) ? { kind: 'allocation', api: api.name } : undefined, maskParameter, catalogued: true };
      }
      const mask = this.maskOf(gfpNode);
      if (!mask) {
        const maskChoice = this.maskChoiceOf(gfpNode, api.name);
        return { maskParameter, ...(maskChoice ? { maskChoice } : {}), catalogued: true };
      }
      if ('parameter' in mask) return { maskParameter, catalogued: true };
      const bits = api.addsGfp ? { ...mask.value, bits: new Set([...mask.value.bits, ...api.addsGfp]) } : mask.value;
      return { sleep: gfpAllowsBlocking(bits) ? { kind: 'allocation', api: api.name, mask } : undefined, maskParameter, catalogued: true };
    }
    const free = freeApi(name);
    if (free) {
      // dma_free_* warns with IRQs disabled (kernel/dma/mapping.c, 6.1): a claim only where a
      // section that disables IRQs is held or the context is a hard-IRQ one (rules/atomicContext.ts).
      if (free.sleeps === 'irqs-enabled') return { sleep: { kind: 'free', api: free.name, outsideInterruptOnly: false, irqsOffOnly: true }, catalogued: true };
      if (free.sleeps === 'always') return { sleep: { kind: 'free', api: free.name, outsideInterruptOnly: false }, catalogued: true };
      // kvfree() sleeps only on the vfree() path, which depends on the memory: a claim only for
      // frees that release vmalloc memory alone.
      if (free.sleeps === 'unless-interrupt' && free.releases.length === 1 && free.releases[0] === 'vmalloc')
        return { sleep: { kind: 'free', api: free.name, outsideInterruptOnly: true }, catalogued: true };
      return { catalogued: true };
    }
    if (sleeper(name)) return { sleep: { kind: 'sleeper', name }, catalogued: true };
    const taker = gfpTaker(name);
    if (taker) {
      const argument = args[taker.gfpArg];
      const mask = argument ? this.maskOf(argument) : undefined;
      return { sleep: mask && !('parameter' in mask) && gfpAllowsBlocking(mask.value) ? { kind: 'gfp-call', name, mask } : undefined, catalogued: true };
    }
    const expanded = call ? this.macroSleepOf(name, args, call) : undefined;
    if (expanded) return { sleep: { kind: 'sleeper', name: expanded.sleeper, macros: expanded.macros }, ...(expanded.guard ? { macroGuard: expanded.guard } : {}), catalogued: true };
    return { catalogued: false };
  }

  /** The integer an expression of constants stands for (`0`, `FOO_NOWAIT`, `BIT(2) | FOO_X`). */
  integerConstant(node: Node): number | undefined {
    const text = this.index.text(node);
    if (text === 'true' || text === 'false') return text === 'true' ? 1 : 0;
    // Only what can be a constant: a literal, a macro, an operator on those (never `p->x`, never a call of a function).
    if (text.length > 64 || !/^[\d(A-Z~]/.test(text) || !/^[\w\s|&()~<>]+$/.test(text)) return undefined;
    return this.values.integer(text);
  }

  /**
   * `(flags & FOO_NOWAIT) ? GFP_ATOMIC : GFP_KERNEL` as the mask, or in the single initializer of
   * the local the mask names: which mask is used depends on a scalar parameter the caller passes.
   */
  maskChoiceOf(node: Node, api: string): MaskChoice | undefined {
    let expression = this.index.unwrap(node);
    let variable: string | undefined;
    if (this.index.type(expression) === 'identifier') {
      this.definitions ??= localDefinitions(this.index, this.fn.body);
      const definitions = this.definitions.get(this.index.text(expression)) ?? [];
      if (definitions.length !== 1 || this.index.type(definitions[0]) === 'assignment_expression') return undefined;
      variable = this.index.text(expression);
      expression = this.index.unwrap(definitions[0]);
    }
    if (this.index.type(expression) !== 'conditional_expression') return undefined;
    const condition = expression.childForFieldName('condition');
    const consequence = expression.childForFieldName('consequence');
    const alternative = expression.childForFieldName('alternative');
    const test = condition ? this.parameterTest(condition) : undefined;
    if (!test || !consequence || !alternative) return undefined;
    const set = this.values.mask(consequence.text);
    const clear = this.values.mask(alternative.text);
    if (!set || !clear) return undefined;
    const whenSet = this.maskFact(consequence, set, variable);
    const whenClear = this.maskFact(alternative, clear, variable);
    return {
      parameter: test.parameter,
      ...(test.bits !== undefined ? { bits: test.bits } : {}),
      test: test.text,
      whenSet: test.negated ? whenClear : whenSet,
      whenClear: test.negated ? whenSet : whenClear,
      api,
    };
  }

  /** `flags & FOO_NOWAIT`, `nowait`, and either under `!`: a test of one scalar parameter. */
  private parameterTest(node: Node): { parameter: number; bits?: number; negated: boolean; text: string } | undefined {
    let current = unwrapExpression(node);
    let negated = false;
    while (current.type === 'unary_expression' && current.childForFieldName('operator')?.text === '!') {
      negated = !negated;
      current = unwrapExpression(current.childForFieldName('argument')!);
    }
    const scalar = (candidate: Node): number => {
      const parameters = parametersOf(this.fn);
      const position = candidate.type === 'identifier' ? parameters.findIndex((parameter) => parameter.name === candidate.text) : -1;
      return position >= 0 && parameters[position].scalar ? position : -1;
    };
    if (current.type === 'identifier') {
      const parameter = scalar(current);
      return parameter >= 0 ? { parameter, negated, text: current.text } : undefined;
    }
    if (current.type !== 'binary_expression' || current.childForFieldName('operator')?.text !== '&') return undefined;
    const left = unwrapExpression(current.childForFieldName('left')!);
    const right = unwrapExpression(current.childForFieldName('right')!);
    for (const [side, other] of [
      [left, right],
      [right, left],
    ]) {
      const parameter = scalar(side);
      const bits = parameter >= 0 ? this.integerConstant(other) : undefined;
      if (bits !== undefined && bits > 0 && bits <= 0x7fffffff) return { parameter, bits, negated, text: current.text };
    }
    return undefined;
  }

  /**
   * A function-like macro (the file's, its headers', a seeded kernel one, or one of the kernel
   * tree's headers) whose expansion sleeps here (analysis/locks/macroCalls.ts). When the sleep
   * depends on arguments this call does not know (`readx_poll_timeout(..., sleep_us, ...)` with
   * `sleep_us` a parameter), each must be a scalar parameter of this function that the body never
   * changes: the sleep is then guarded by those parameters, for the callers' constants to decide.
   */
  private macroSleepOf(name: string, args: readonly Node[], call: Node): { sleeper: string; macros: string[]; guard?: ParameterTest[] } | undefined {
    const { macros } = this.inputs;
    const constant = (text: string): number | undefined => this.values.integer(text);
    const truth = (position: number): boolean | undefined => {
      const argument = args[position];
      if (!argument) return undefined;
      const known = this.argumentTruth(argument, call);
      if (known !== undefined) return known;
      const value = constant(argument.text);
      return value === undefined ? undefined : value !== 0;
    };
    const header = this.inputs.headerMacros;
    const found = macroSleep(name, macros, truth, constant, header ? { header: (inner) => header.sleep(inner) } : {});
    if (!found?.when) return found && { sleeper: found.sleeper, macros: found.macros };
    const guard: ParameterTest[] = [];
    for (const test of found.when) {
      const parameter = args[test.argument] ? this.unchangedScalarParameter(args[test.argument]) : -1;
      if (parameter < 0) return undefined;
      guard.push({ parameter, nonZero: test.nonZero });
    }
    return { sleeper: found.sleeper, macros: found.macros, guard };
  }

  /**
   * A macro of the file or its folder that expands to a call through a struct field on one of its
   * arguments (`stmmac_init_systime(priv, …)` → `(priv)->hw->ptp->init_systime(…)`): that call,
   * keyed by the argument's declared type like a call written out (locks/opsFields.ts).
   */
  private macroFieldCallOf(name: string, args: readonly Node[], conditions: FieldConditions): FieldCall | undefined {
    if (!this.inputs.macros.get(name)?.params) return undefined;
    const found = macroFieldCall(
      name,
      this.inputs.macros,
      args.map((argument) => argument.text),
    );
    if (!found) return undefined;
    const key = conditions.pathKey(found.variable, found.fields);
    return { ...(key ? { key } : {}), field: found.fields[found.fields.length - 1] };
  }

  /** The position of the scalar parameter an argument names, when the body never assigns it or takes its address; else -1. */
  private unchangedScalarParameter(argument: Node): number {
    const node = unwrapExpression(argument);
    if (node.type !== 'identifier') return -1;
    const parameters = parametersOf(this.fn);
    const position = parameters.findIndex((parameter) => parameter.name === node.text);
    if (position < 0 || !parameters[position].scalar) return -1;
    const changed = this.index.within(this.fn.body, ['assignment_expression', 'update_expression', 'pointer_expression']).some((change) => {
      if (change.type === 'pointer_expression' && change.childForFieldName('operator')?.text !== '&') return false;
      const target = change.childForFieldName(change.type === 'assignment_expression' ? 'left' : 'argument');
      return target?.type === 'identifier' && target.text === node.text;
    });
    return changed ? -1 : position;
  }

  build(): FunctionSummary {
    const { fn, index, inputs } = this;
    const head = fn.node.text.slice(0, fn.body.startIndex - fn.node.startIndex);
    const dependencies: { callees: Record<string, string>; releasing: Record<string, string> } = { callees: {}, releasing: {} };
    // The lock walk asks about a name at every call, in every pass and loop round; the answers
    // (and the dependencies they record) do not change while this summary is built.
    const releasesAnswers = new Map<string, ReturnType<CalleeLocks['releases']>>();
    const acquiresAnswers = new Map<string, ReturnType<CalleeLocks['acquires']>>();
    const uncached: CalleeLocks = {
      releases: (name) => {
        const answer = inputs.calleeInterface(name);
        dependencies.callees[name] = calleeDependency(answer);
        if (answer && typeof answer !== 'string') return answer.releasedCallerClasses.length > 0 ? { classes: answer.releasedCallerClasses, callers: true } : undefined;
        if (answer === 'cycle') return undefined;
        // A prototype of the file says `__releases(x)`: the caller's lock is dropped.
        const annotated = inputs.releasing.byName(name);
        dependencies.releasing[`n:${name}`] = annotated ?? '';
        if (annotated !== undefined) return { classes: releasedClasses(annotated), callers: true };
        // `#define FOO_UNLOCK(p) spin_unlock(&(p)->lock)`: drops what is held of its class (quieter), never more.
        const macro = answer === undefined ? lockMacro(name, inputs) : undefined;
        if (macro && !macro.opens) return { classes: [macro.section.class], callers: false };
        // Another file's `foo_unlock()`: drop what is held (quieter), never more.
        return UNLOCK_HELPER.test(name) && !sleepingUnlock(name) ? { classes: ['spin', 'raw_spin', 'rwlock', 'local_lock'], callers: false } : undefined;
      },
      releasesThroughField: (field) => {
        const annotated = inputs.releasing.byField(field);
        dependencies.releasing[`f:${field}`] = annotated ?? '';
        return annotated === undefined ? undefined : releasedClasses(annotated);
      },
      // A same-file lock wrapper (`static void foo_lock(struct foo *f) { spin_lock(&f->lock); }`).
      acquires: (name) => {
        const answer = inputs.calleeInterface(name);
        dependencies.callees[name] = calleeDependency(answer);
        if (answer && typeof answer !== 'string') return answer.acquiredAtExit.map((held) => ({ ...held, count: 1, opener: fn.node }));
        // `#define FOO_LOCK(p) spin_lock(&(p)->lock)`: the macro takes that lock where it is used.
        const macro = answer === undefined ? lockMacro(name, inputs) : undefined;
        return macro?.opens ? [{ key: `macro:${name}`, class: macro.section.class, count: 1, opener: fn.node, label: macro.text }] : undefined;
      },
    };
    const callees: CalleeLocks = {
      releases: (name) => {
        if (!releasesAnswers.has(name)) releasesAnswers.set(name, uncached.releases(name));
        return releasesAnswers.get(name);
      },
      releasesThroughField: uncached.releasesThroughField,
      acquires: (name) => {
        if (!acquiresAnswers.has(name)) acquiresAnswers.set(name, uncached.acquires(name));
        return acquiresAnswers.get(name);
      },
    };
    // `__must_hold(&p->lock)` makes a body atomic only when the same file takes that lock with a
    // spinning opener (mutexes carry the annotation too).
    const mustHold = mustHoldLocks(fn);
    const entry = new Map<string, HeldSection>();
    for (const text of mustHold) {
      const known = inputs.spinningLock(lockKeyOfText('spin', text).slice('spin:'.length));
      if (!known) continue;
      const key = lockKeyOfText(known.class, text);
      entry.set(key, { key, class: known.class, count: 1, opener: fn.node, label: `__must_hold(${text})` });
    }
    const definedMacros: Record<string, boolean> = {};
    const paths = pathConditions(inputs.paths, (name, defined) => (definedMacros[name] = defined));
    const locks = analyzeFunctionLocks(fn, index, entry, callees, inputs.learnedFlags, paths);
    const heldFact = (held: HeldSection): HeldSectionFact => ({ key: held.key, class: held.class, label: held.label, opener: this.span(held.opener) });
    const applies = (held: HeldSection): boolean => sectionAppliesOn(held, inputs.config.arch);

    const calls: CallFact[] = [];
    const callNodes = index.within(fn.body, ['call_expression']);
    const guards = this.parameters.length > 0 ? parameterGuards(index, fn.body, new ParameterConditions(index, fn.body, parametersOf(fn)), callNodes, locks.exitTests, paths.noReturn) : undefined;
    const conditions = fieldConditions(index, fn);
    const refcounts = refcountPaths(index, fn, callNodes);
    let locals: Set<string> | undefined;
    const parameterList = parameterNames(fn.node);
    const ownName = (name: string) => parameterList.includes(name) || (locals ??= localNames(index.within(fn.body, ['declaration']))).has(name);
    for (const call of callNodes) {
      const name = index.calleeName(call);
      const args = index.arguments(call);
      const held = locks.heldAt.get(call.id);
      const local = this.localSleep(name, args, call);
      const callee = index.callee(call);
      const fact: CallFact = {
        ...(name ? { name } : {}),
        calleeText: callee ? index.text(callee.node) : 'call',
        span: this.span(call),
        ...(held ? { held: [...held.values()].filter(applies).map(heldFact) } : {}),
        parameterGuarded: locks.parameterGuarded.has(call.id) || !!local.macroGuard,
        ...macroGuarded(guards?.get(call.id), local.macroGuard, locks.parameterGuarded.has(call.id)),
        flagGuarded: locks.flagGuarded.has(call.id),
        ...(local.sleep ? { sleep: local.sleep } : {}),
        ...(local.maskParameter ? { maskParameter: local.maskParameter } : {}),
        ...(local.maskChoice ? { maskChoice: local.maskChoice } : {}),
      };
      const decidedBy = conditions.at(call);
      if (decidedBy.length > 0) fact.conditions = decidedBy;
      const assignedTo = conditions.assignedField(call);
      if (assignedTo) fact.assignedTo = assignedTo;
      if (refcounts.afterGet(call)) fact.afterGet = true;
      const started = name && (/^hrtimer_start/.test(name) || TIMER_ARMS.test(name)) && args[0] ? conditions.fieldKey(args[0]) : undefined;
      if (started) fact.startsTimer = started;
      // Calls through a struct field or a parameter, and functions handed to a callee (locks/opsFields.ts).
      const throughField = name ? (local.catalogued ? undefined : this.macroFieldCallOf(name, args, conditions)) : fieldCallOf(call, (node) => conditions.fieldKey(node));
      if (throughField) fact.throughField = throughField;
      const calledParameter = calledParameterOf(call, parameterList);
      if (calledParameter !== undefined) fact.calledParameter = calledParameter;
      // A macro's arguments are not those of the call it expands to through a field: none are kept for the callee.
      const ownArguments = !(name && throughField);
      const functionArguments = name && ownArguments && !local.catalogued && calledParameter === undefined ? functionArgumentsOf(call, ownName) : undefined;
      if (functionArguments) fact.functionArguments = functionArguments;
      // A helper of the folder may take the caller's mask: keep what the arguments say.
      if (name && ownArguments && !local.catalogued && !local.sleep && args.length > 0) {
        const parameterArguments = args.map((argument) => {
          const position = this.parameters.indexOf(index.text(index.unwrap(argument)));
          return position >= 0 ? position : undefined;
        });
        if (parameterArguments.some((position) => position !== undefined)) fact.parameterArguments = parameterArguments;
        const truth = args.map((argument) => this.argumentTruth(argument, call));
        if (truth.some((known) => known !== undefined)) fact.argumentTruth = truth;
        const masks = args.map((argument) => {
          if (!/[A-Za-z_]/.test(index.text(argument))) return undefined;
          const mask = this.maskOf(argument);
          return mask && !('parameter' in mask) ? mask : undefined;
        });
        if (masks.some((mask) => mask !== undefined)) {
          fact.argumentMasks = masks;
          fact.argumentSpans = args.map((argument) => this.span(argument));
        }
        // A flag a helper may test to choose its mask (`foo_alloc(f, n, FOO_NOWAIT)`).
        const constants = args.map((argument) => {
          const value = this.integerConstant(argument);
          return value === undefined ? undefined : { value, text: index.text(argument) };
        });
        if (constants.some((constant) => constant !== undefined)) {
          fact.argumentConstants = constants;
          fact.argumentSpans ??= args.map((argument) => this.span(argument));
        }
      }
      calls.push(fact);
    }

    const pairs = index.within(fn.node, ['initializer_pair', 'assignment_expression']);
    const conditionNames = new Set<string>();
    for (const node of index.within(fn.body, ['conditional_expression', 'if_statement', 'while_statement'])) {
      const condition = node.childForFieldName('condition');
      if (condition) for (const name of index.within(condition, ['field_identifier', 'identifier'])) conditionNames.add(name.text);
    }
    const sortedConditionNames = [...conditionNames].sort();
    const { prelude } = this;
    const bodyText = fn.body.text;
    const deps: SummaryDependencies = {
      learnedFlags: learnedFlagsDependency(sortedConditionNames, inputs.learnedFlags),
      callees: dependencies.callees,
      mustHold: mustHoldDependency(mustHold, inputs.spinningLock),
      macros: inputs.macrosKey,
      noReturn: noReturnDependency(
        calls.map((call) => call.name),
        inputs.paths,
      ),
      definedMacros,
      releasing: dependencies.releasing,
    };
    return {
      name: fn.name,
      isStatic: /^\s*static\b/.test(fn.node.text),
      takesMask: /\bgfp_t\b/.test(head),
      signature: signatureOf(head),
      parameters: this.parameters,
      understood: locks.understood,
      queriesContext: !!locks.queriesContext,
      releasesCallerLock: !!locks.releasesCallerLock,
      releasedCallerClasses: locks.releasedCallerClasses,
      acquiredAtExit: locks.acquiredAtExit.filter(applies).map(heldFact),
      calls,
      registrations: registrationsIn(
        inputs.tables,
        callNodes,
        pairs,
        (node) => this.span(node),
        (node) => conditions.at(node),
        (node) => conditions.fieldKey(node),
      ),
      learnedFlags: prelude.learnedFlags,
      conditionNames: sortedConditionNames,
      spinningLocks: prelude.spinningLocks,
      mustHold,
      regmapInits: callNodes.filter((call) => OTHER_REGMAP.test(index.calleeName(call) ?? '')).map((call) => ({ name: index.calleeName(call)!, span: this.span(call) })),
      regmapLockOverride: REGMAP_LOCK_OVERRIDE.test(fn.node.text),
      mentionsRegmap: bodyText.includes('regmap') || head.includes('regmap'),
      opsStores: opsStoresIn(
        pairs,
        (node) => this.span(node),
        (node) => conditions.fieldKey(node),
      ),
      flagsSet: flagsSetIn(pairs, inputs.tables.contextFlags),
      dependencies: deps,
    };
  }
}

/** `prelude`: the function's functionPrelude(), which the file's inputs were made from. */
export function summarizeFunction(fn: FunctionFacts, inputs: SummaryInputs, index = new SyntaxIndex(fn.node), prelude = functionPrelude(fn, index)): FunctionSummary {
  return new SummaryBuilder(fn, index, inputs, prelude).build();
}
