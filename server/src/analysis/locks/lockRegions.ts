// Flow-sensitive lock state over one function body: which atomic sections are held on EVERY path
// that reaches each call. A must-analysis: paths join by intersection, so a lock taken on some
// paths only is not held after the join, and a trylock holds its lock only where it succeeded.
// Bodies the parser did not understand (ERROR nodes, missing tokens outside the iterator-macro
// pattern) get no lock facts at all: silence rather than a guess.
import type { Node } from 'web-tree-sitter';
import { ATOMIC_GUARDS, CONTEXT_QUERIES, SectionCall, SectionClass, closerIrqs, irqFlagsArgument, lockDroppingWait, openerDisablesIrqs, sectionCloser, sectionOpener } from '../../model/contexts';
import { BUSY_WAITS, SLEEP_WAITS } from '../../model/sleepers';
import { bodyUnderstood, iteratorHead } from '../../parsing/bodyUnderstood';
import { callArguments, calleeName, namedChildren, unwrapExpression } from '../../parsing/syntax';
import { SyntaxIndex } from '../../parsing/syntaxIndex';
import type { FunctionFacts } from '../fileFacts';
import { NO_PATH_CONDITIONS, PathConditions, definitionCompiled } from '../paths/pathConditions';

/** One atomic section held at a point. */
export interface HeldSection {
  key: string;
  class: SectionClass;
  count: number;
  /** The call that opened it (or the `__must_hold` annotation). */
  opener: Node;
  /** How a message names it: `spin_lock_irqsave(&priv->lock)`. */
  label: string;
}

/** Sections held on every path; null = unreachable. */
export type LockState = ReadonlyMap<string, HeldSection> | null;

export interface FunctionLocks {
  fn: FunctionFacts;
  /** False when the body has parse errors: no facts below are trustworthy, so none are given. */
  understood: boolean;
  /** Held sections just before each reachable call (by node id); absent = unreachable or unknown. */
  heldAt: Map<number, ReadonlyMap<string, HeldSection>>;
  /** A release of a section this function did not open: it drops a lock its caller holds. */
  releasesCallerLock?: Node;
  /** The classes of those releases. */
  releasedCallerClasses: SectionClass[];
  /** A context query (in_interrupt(), gfpflags_allow_blocking(), …) anywhere in the body. */
  queriesContext?: Node;
  /** Calls whose execution depends on a scalar parameter (a flag, a mask, a mode). */
  parameterGuarded: Set<number>;
  /** Statements from whose offset `from` on every call counts as parameter-dependent (early exits, dispatching switches). */
  exitTests: { node: Node; from: number }[];
  /** Calls under a condition that reads like a context flag (`if (priv->can_sleep)`): never reported. */
  flagGuarded: Set<number>;
  /** Sections held on every exit that were not held on entry: a lock wrapper (`foo_lock(p)`). */
  acquiredAtExit: HeldSection[];
}

/** What the lock analysis may ask about other functions of the file. */
export interface CalleeLocks {
  /**
   * Section classes a call drops. `callers`: the callee is a function of this file whose own
   * analysis saw it release a lock it did not take (tg3_full_unlock()), so calling it with
   * nothing of that class held drops OUR caller's lock; otherwise only held sections are dropped.
   */
  releases(name: string): { classes: readonly SectionClass[]; callers: boolean } | undefined;
  /** Sections a call leaves held (a lock wrapper). */
  acquires(name: string): readonly HeldSection[] | undefined;
  /** Section classes a call through an ops field (`p->ops->unlock(…)`) may drop (analysis/paths/releasingCallees.ts). */
  releasesThroughField?(field: string): readonly SectionClass[] | undefined;
}

const NO_CALLEES: CalleeLocks = { releases: () => undefined, acquires: () => undefined };

const CALLS = ['call_expression'] as const;
/** What can change the lock state inside an expression: a call, or a statement expression's block. */
const STATE_CHANGERS = ['call_expression', 'compound_statement'] as const;
const EXITS = ['goto_statement', 'return_statement'] as const;

function lockKey(cls: SectionClass, lock: Node | undefined): string {
  return lock ? lockKeyOfText(cls, unwrapExpression(lock).text) : cls;
}

/**
 * The key of the lock a section call names: `pte_offset_map_lock(…, &vmf->ptl)` takes `vmf->ptl`.
 * `args` are the call's arguments, read through the function's SyntaxIndex.
 */
function sectionKey(args: readonly Node[], section: SectionCall): string {
  const lock = section.lockArg === undefined ? undefined : args[section.lockArg];
  if (!lock || !section.lockThroughPointer) return lockKey(section.class, lock);
  const text = unwrapExpression(lock).text.trim();
  return lockKeyOfText(section.class, text.startsWith('&') ? text.slice(1) : `*${text}`);
}

/** The state without any section of the given classes. */
function withoutClasses(state: ReadonlyMap<string, HeldSection>, classes: readonly SectionClass[]): Map<string, HeldSection> {
  const next = new Map(state);
  for (const [key, held] of state) if (classes.includes(held.class)) next.delete(key);
  return next;
}

/** The state with a spinlock dropped: the section of `lock` (passed as `&lock` to spin_lock*), or, when
 * it was taken under another name, every spin section (the direction that can only make the analysis quieter). */
function withoutSpinlock(state: ReadonlyMap<string, HeldSection>, lock: Node | undefined): ReadonlyMap<string, HeldSection> {
  const key = lock ? lockKeyOfText('spin', `&${unwrapExpression(lock).text}`) : undefined;
  const next = new Map(state);
  if (key && next.delete(key)) return next;
  return withoutClasses(state, ['spin']);
}

/** Flags text without spaces and outer parentheses. */
function flagsText(text: string): string {
  return lockKeyOfText('irq', text).slice('irq:'.length);
}

/**
 * Whether an IRQ-off section saved its state in `flags`: `local_irq_save(flags)` or
 * `spin_lock_irqsave(&l, flags)` with the same text, or a helper that took it (`k = krc_lock(&flags)`)
 * called with that variable. Other flags, or none (`local_irq_disable()`): not this section.
 */
function savedIn(index: SyntaxIndex, held: HeldSection, flags: Node): boolean {
  if (held.opener.type !== 'call_expression') return false;
  const name = index.calleeName(held.opener) ?? '';
  const args = callArguments(held.opener);
  const position = irqFlagsArgument(name);
  if (position !== undefined) return !!args[position] && flagsText(args[position].text) === flagsText(flags.text);
  if (!held.key.includes(' via ')) return false;
  const variable = (text: string): string => flagsText(text).replace(/^[&*]+/, '');
  return args.some((argument) => variable(argument.text) === variable(flags.text));
}

function labelOf(call: Node, name: string, section: SectionCall): string {
  const lock = section.lockArg === undefined ? undefined : callArguments(call)[section.lockArg];
  return lock ? `${name}(${lock.text})` : `${name}()`;
}

function statesEqual(a: LockState, b: LockState): boolean {
  if (a === null || b === null) return a === b;
  if (a.size !== b.size) return false;
  for (const [key, held] of a) if (b.get(key)?.count !== held.count) return false;
  return true;
}

export function joinStates(a: LockState, b: LockState): LockState {
  if (a === null) return b;
  if (b === null) return a;
  const joined = new Map<string, HeldSection>();
  for (const [key, held] of a) {
    const other = b.get(key);
    if (other) joined.set(key, held.count <= other.count ? held : other);
  }
  return joined;
}

function joinAll(states: LockState[]): LockState {
  return states.reduce<LockState>((acc, state) => joinStates(acc, state), null);
}

/** `likely(x)`, `unlikely(x)`, `(x)`, casts → x. */
function stripCondition(index: SyntaxIndex, node: Node): Node {
  let current = index.unwrap(node);
  for (;;) {
    if (index.type(current) === 'call_expression' && ['likely', 'unlikely', '!!'].includes(index.calleeName(current) ?? '')) {
      const args = index.arguments(current);
      if (args.length !== 1) return current;
      current = index.unwrap(args[0]);
    } else {
      return current;
    }
  }
}

interface Jumps {
  breaks: LockState[];
  continues: LockState[];
}

/** A definition's parameters in order: name ('' when unnamed) and whether it is passed by value as a scalar. */
export function parametersOf(fn: FunctionFacts): { name: string; scalar: boolean }[] {
  let declarator = fn.node.childForFieldName('declarator');
  while (declarator && declarator.type !== 'function_declarator') declarator = declarator.childForFieldName('declarator');
  const list = declarator?.childForFieldName('parameters');
  return (list ? namedChildren(list) : []).map((parameter) => {
    const direct = parameter.childForFieldName('declarator');
    let inner = direct;
    while (inner && inner.type !== 'identifier') inner = inner.childForFieldName('declarator');
    // Not a pointer or array: a flag, a mask, a mode chosen by the caller.
    return { name: inner?.text ?? '', scalar: direct?.type === 'identifier' };
  });
}

type Parameters = ReturnType<typeof parametersOf>;

function allParameters(parameters: Parameters): Set<string> {
  return new Set(parameters.map((parameter) => parameter.name).filter((name) => name));
}

function scalarParameters(parameters: Parameters): Set<string> {
  return new Set(parameters.filter((parameter) => parameter.scalar).map((parameter) => parameter.name));
}

function mentionsAny(index: SyntaxIndex, node: Node | null, names: ReadonlySet<string>): boolean {
  if (!node || names.size === 0) return false;
  return index.within(node, ['identifier']).some((identifier) => names.has(identifier.text));
}

class Walker {
  readonly heldAt = new Map<number, ReadonlyMap<string, HeldSection>>();
  releasesCallerLock?: Node;
  /** Lock state at each label from gotos; the previous pass's values serve backward gotos. */
  gotoStates = new Map<string, LockState>();
  previousGotoStates = new Map<string, LockState>();
  private conditionalDepth = 0;

  exits: LockState[] = [];
  readonly releasedCallerClasses = new Set<SectionClass>();

  constructor(
    private readonly index: SyntaxIndex,
    private readonly callees: CalleeLocks,
    private readonly paths: PathConditions,
  ) {}

  /** iteratorHead() of each statement and stripCondition() of each condition, read once: a loop's body is walked once per round, the body once per goto pass. */
  private readonly heads = new Map<number, Node | undefined>();
  private readonly conditions = new Map<number, Node>();

  /** `node?.text` through the index (a node of the function). */
  private textOf(node: Node | null | undefined): string | undefined {
    return node ? this.index.text(node) : undefined;
  }

  private iteratorHead(statement: Node): Node | undefined {
    if (this.heads.has(statement.id)) return this.heads.get(statement.id);
    const head = iteratorHead(statement);
    this.heads.set(statement.id, head);
    return head;
  }

  run(body: Node, entry: LockState): void {
    this.heldAt.clear();
    this.gotoStates = new Map();
    this.exits = [];
    this.exits.push(this.block(body, entry, { breaks: [], continues: [] }));
  }

  block(node: Node, state: LockState, jumps: Jumps): LockState {
    const guards: string[] = [];
    const children = this.index.children(node);
    for (let index = 0; index < children.length; index++) {
      const child = children[index];
      const head = this.index.type(child) === 'expression_statement' ? this.iteratorHead(child) : undefined;
      if (head) {
        const body = children[++index];
        state = this.macroBlock(head, body, state, jumps);
        continue;
      }
      const before = state;
      state = this.statement(child, state, jumps);
      // guard(class)(lock): held until the end of this block.
      if (this.index.type(child) === 'expression_statement' && state && state !== before) {
        for (const key of state.keys()) if (key.startsWith('guard ') && !before?.has(key)) guards.push(key);
      }
    }
    if (state && guards.length > 0) {
      const next = new Map(state);
      guards.forEach((key) => next.delete(key));
      state = next;
    }
    return state;
  }

  private macroBlock(head: Node, body: Node, state: LockState, jumps: Jumps): LockState {
    const name = calleeName(head)!;
    if (name === 'scoped_guard') {
      const [kind, lock] = this.index.arguments(head);
      const cls = kind ? ATOMIC_GUARDS[kind.text] : undefined;
      state = this.expression(head, state);
      if (!cls || state === null) return this.statement(body, state, jumps);
      const key = `guard ${lockKey(cls, lock)}`;
      const inside = new Map(state);
      inside.set(key, { key, class: cls, count: 1, opener: head, label: `scoped_guard(${kind.text}${lock ? `, ${lock.text}` : ''})` });
      const out = this.statement(body, inside, jumps);
      if (out === null) return null;
      const after = new Map(out);
      after.delete(key);
      return after;
    }
    // Iterator macros (`list_for_each_entry`, `skb_queue_walk`, …) and any other macro heading a
    // block: the body runs zero or more times, the reading that can only make the analysis quieter.
    return this.loop(
      state,
      (entry, loopJumps) => {
        const out = this.statement(body, this.expression(head, entry), loopJumps);
        const back = joinAll([out, ...loopJumps.continues]);
        loopJumps.continues.length = 0;
        return back;
      },
      false,
    );
  }

  statement(node: Node, state: LockState, jumps: Jumps): LockState {
    if (state === null && this.index.type(node) !== 'labeled_statement' && this.index.type(node) !== 'compound_statement' && this.index.type(node) !== 'case_statement') {
      return null;
    }
    switch (this.index.type(node)) {
      case 'compound_statement':
        return this.block(node, state, jumps);
      case 'expression_statement':
      case 'declaration':
        return this.expression(node, state);
      case 'attributed_statement': {
        const inner = this.index.children(node).find((child) => this.index.type(child) !== 'attribute_declaration');
        return inner ? this.statement(inner, state, jumps) : state;
      }
      case 'return_statement':
        this.exits.push(this.expression(node, state));
        return null;
      case 'break_statement':
        jumps.breaks.push(state);
        return null;
      case 'continue_statement':
        jumps.continues.push(state);
        return null;
      case 'goto_statement': {
        const label = this.textOf(this.index.field(node, 'label'));
        if (label) this.gotoStates.set(label, joinStates(this.gotoStates.get(label) ?? null, state));
        return null;
      }
      case 'labeled_statement': {
        const label = this.textOf(this.index.field(node, 'label')) ?? '';
        const incoming = joinAll([state, this.gotoStates.get(label) ?? null, this.previousGotoStates.get(label) ?? null]);
        const inner = this.index.children(node).find((child) => this.index.type(child) !== 'statement_identifier');
        return inner ? this.statement(inner, incoming, jumps) : incoming;
      }
      case 'if_statement':
        return this.ifStatement(node, state, jumps);
      case 'switch_statement':
        return this.switchStatement(node, state, jumps);
      case 'while_statement': {
        const condition = this.index.field(node, 'condition')!;
        const body = this.index.field(node, 'body');
        const infinite = /^\(\s*(1|true)\s*\)$/.test(this.index.text(condition));
        let exit: LockState = null;
        const result = this.loop(
          state,
          (entry, loopJumps) => {
            const branches = this.branch(condition, entry);
            exit = joinStates(exit, infinite ? null : branches.whenFalse);
            return body ? this.statement(body, branches.whenTrue, loopJumps) : branches.whenTrue;
          },
          true,
        );
        return joinStates(result, exit);
      }
      case 'do_statement': {
        const condition = this.index.field(node, 'condition');
        const body = this.index.field(node, 'body');
        const once = !!condition && /^\(\s*(0|false)\s*\)$/.test(this.index.text(condition));
        const loopJumps: Jumps = { breaks: [], continues: [] };
        if (once) {
          const out = body ? this.statement(body, state, loopJumps) : state;
          return joinAll([out, ...loopJumps.continues, ...loopJumps.breaks]);
        }
        let exit: LockState = null;
        const result = this.loop(
          state,
          (entry, innerJumps) => {
            const out = body ? this.statement(body, entry, innerJumps) : entry;
            const atCondition = joinAll([out, ...innerJumps.continues]);
            innerJumps.continues.length = 0;
            if (!condition) return atCondition;
            const branches = this.branch(condition, atCondition);
            exit = joinStates(exit, branches.whenFalse);
            return branches.whenTrue;
          },
          true,
        );
        return joinStates(result, exit);
      }
      case 'for_statement': {
        const initializer = this.index.field(node, 'initializer');
        const condition = this.index.field(node, 'condition');
        const update = this.index.field(node, 'update');
        const body = this.index.field(node, 'body');
        const entry = initializer ? this.expression(initializer, state) : state;
        let exit: LockState = null;
        const result = this.loop(
          entry,
          (loopEntry, loopJumps) => {
            const branches = condition ? this.branch(condition, loopEntry) : { whenTrue: loopEntry, whenFalse: null };
            exit = joinStates(exit, branches.whenFalse);
            const out = body ? this.statement(body, branches.whenTrue, loopJumps) : branches.whenTrue;
            const next = joinAll([out, ...loopJumps.continues]);
            loopJumps.continues.length = 0;
            return update && next ? this.expression(update, next) : next;
          },
          true,
        );
        return joinStates(result, exit);
      }
      case 'case_statement':
        return this.block(node, state, jumps);
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_else':
      case 'preproc_elif':
      case 'preproc_elifdef':
        return this.preprocessor(node, state, jumps);
      case ';':
      case 'comment':
      case 'type_definition':
      case 'preproc_call':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_include':
        return state;
      default:
        return this.expression(node, state);
    }
  }

  /**
   * `#if A … #else … #endif`: one branch is compiled. When the path conditions know which
   * (analysis/paths/pathConditions.ts), only that one is walked; otherwise both are joined.
   */
  private preprocessor(node: Node, state: LockState, jumps: Jumps): LockState {
    const alternative = this.index.field(node, 'alternative');
    const skip = new Set([alternative?.id, this.index.field(node, 'condition')?.id, this.index.field(node, 'name')?.id]);
    const ownStatements = this.index.children(node).filter((child) => !skip.has(child.id) && this.index.type(child) !== 'preproc_arg');
    const compiled = this.paths.compiled(node);
    let out = state;
    if (compiled !== false) for (const child of ownStatements) out = this.statement(child, out, jumps);
    if (compiled === true) return out;
    const other = alternative ? this.statement(alternative, state, jumps) : state;
    return compiled === false ? other : joinStates(out, other);
  }

  /**
   * Runs a loop body to a fixpoint. `step` maps the state at the loop head to the state back at the
   * head; breaks leave the loop. Must-sets only shrink, so this converges in at most (held + 2) rounds.
   */
  private loop(entry: LockState, step: (head: LockState, jumps: Jumps) => LockState, collectsExit: boolean): LockState {
    let head = entry;
    const maxRounds = (entry?.size ?? 0) + 3;
    let breaks: LockState[] = [];
    for (let round = 0; round < maxRounds; round++) {
      const jumps: Jumps = { breaks: [], continues: [] };
      const back = step(head, jumps);
      breaks = jumps.breaks;
      const next = joinAll([entry, back, ...jumps.continues]);
      if (statesEqual(next, head)) break;
      head = next;
    }
    // Iterator macros and loops with a condition may run zero times: the head state also exits.
    return collectsExit ? joinAll(breaks) : joinAll([head, ...breaks]);
  }

  private ifStatement(node: Node, state: LockState, jumps: Jumps): LockState {
    const condition = this.index.field(node, 'condition')!;
    const consequence = this.index.field(node, 'consequence');
    const alternative = this.index.field(node, 'alternative');
    const branches = this.branch(condition, state);
    const thenOut = consequence ? this.statement(consequence, branches.whenTrue, jumps) : branches.whenTrue;
    const elseBody = alternative ? this.index.children(alternative).find((child) => this.index.type(child) !== 'else') : undefined;
    const elseOut = elseBody ? this.statement(elseBody, branches.whenFalse, jumps) : branches.whenFalse;
    return joinStates(thenOut, elseOut);
  }

  private switchStatement(node: Node, state: LockState, jumps: Jumps): LockState {
    const condition = this.index.field(node, 'condition');
    const entry = condition ? this.expression(condition, state) : state;
    const body = this.index.field(node, 'body');
    const switchJumps: Jumps = { breaks: [], continues: jumps.continues };
    let fallthrough: LockState = null;
    let hasDefault = false;
    for (const child of body ? this.index.children(body) : []) {
      if (this.index.type(child) === 'case_statement') {
        const value = this.index.field(child, 'value');
        if (!value) hasDefault = true;
        let inCase = joinStates(entry, fallthrough);
        for (const statement of this.index.children(child)) {
          if (statement.id !== value?.id) inCase = this.statement(statement, inCase, switchJumps);
        }
        fallthrough = inCase;
      } else {
        fallthrough = this.statement(child, fallthrough, switchJumps);
      }
    }
    return joinAll([fallthrough, ...switchJumps.breaks, hasDefault ? null : entry]);
  }

  /** Lock states where a condition is true and where it is false (trylocks, `!`, `&&`, `||`). */
  branch(condition: Node, state: LockState): { whenTrue: LockState; whenFalse: LockState } {
    if (state === null) return { whenTrue: null, whenFalse: null };
    let node = this.conditions.get(condition.id);
    if (!node) this.conditions.set(condition.id, (node = stripCondition(this.index, condition)));
    if (this.index.type(node) === 'unary_expression' && this.textOf(this.index.field(node, 'operator')) === '!') {
      const inner = this.branch(this.index.field(node, 'argument')!, state);
      return { whenTrue: inner.whenFalse, whenFalse: inner.whenTrue };
    }
    if (this.index.type(node) === 'binary_expression') {
      const operator = this.textOf(this.index.field(node, 'operator'));
      const left = this.index.field(node, 'left');
      const right = this.index.field(node, 'right');
      if ((operator === '&&' || operator === '||') && left && right) {
        const first = this.branch(left, state);
        if (operator === '&&') {
          const second = this.branch(right, first.whenTrue);
          return { whenTrue: second.whenTrue, whenFalse: joinStates(first.whenFalse, second.whenFalse) };
        }
        const second = this.branch(right, first.whenFalse);
        return { whenTrue: joinStates(first.whenTrue, second.whenTrue), whenFalse: second.whenFalse };
      }
    }
    if (this.index.type(node) === 'call_expression') {
      const name = this.index.calleeName(node);
      const opener = name ? sectionOpener(name) : undefined;
      if (opener && 'conditional' in opener && opener.conditional) {
        const before = this.expression(node, state);
        return { whenTrue: this.open(node, name!, opener, before), whenFalse: before };
      }
    }
    const after = this.expression(condition, state);
    return { whenTrue: after, whenFalse: after };
  }

  private open(call: Node, name: string, section: SectionCall, state: LockState): LockState {
    if (state === null) return null;
    const key = sectionKey(this.index.arguments(call), section);
    const next = new Map(state);
    const held = next.get(key);
    next.set(key, held ? { ...held, count: held.count + 1 } : { key, class: section.class, count: 1, opener: call, label: labelOf(call, name, section) });
    return next;
  }

  private close(call: Node, section: SectionCall, state: LockState): LockState {
    if (state === null) return null;
    const key = sectionKey(this.index.arguments(call), section);
    const next = new Map(state);
    const held = next.get(key);
    if (held) {
      // Releasing what `__must_hold` says the caller holds: this function drops its caller's lock.
      if (held.opener.type === 'function_definition') this.dropsCallerLock(call, section.class);
      if (held.count > 1) next.set(key, { ...held, count: held.count - 1 });
      else next.delete(key);
      return this.irqsAfterUnlock(call, held, held.opener.type === 'function_definition', next);
    }
    // The lock was named differently (an alias), or the caller holds it: forget every section of
    // this class, the direction that can only make the analysis quieter.
    const callers = ![...state.values()].some((other) => other.class === section.class);
    return this.irqsAfterUnlock(call, undefined, callers, this.dropClasses(call, state, [section.class]));
  }

  /**
   * A lock closer's effect on local IRQs (model/contexts.ts closerIrqs()): `_irqrestore(l, flags)`
   * ends the IRQ-off section saved in the same `flags`, `_irq` ends every one, and a plain unlock of
   * a lock taken with IRQs disabled leaves them disabled, an IRQ-off section of its own.
   */
  private irqsAfterUnlock(call: Node, released: HeldSection | undefined, callersLock: boolean, state: LockState): LockState {
    const effect = state === null ? undefined : closerIrqs(this.index.calleeName(call) ?? '');
    if (state === null || !effect) return state;
    if (effect === 'keeps') {
      const openerName = released?.opener.type === 'call_expression' ? (this.index.calleeName(released.opener) ?? '') : '';
      if (!released || released.count > 1 || !openerDisablesIrqs(openerName)) return state;
      const next = new Map(state);
      const irq = next.get('irq');
      next.set('irq', irq ? { ...irq, count: irq.count + 1 } : { ...released, key: 'irq', class: 'irq', count: 1, label: `${released.label} (IRQs stay off after ${this.index.calleeName(call)}())` });
      return next;
    }
    const irqSections = [...state.values()].filter((held) => held.class === 'irq');
    if (effect === 'enables') return irqSections.length > 0 ? withoutClasses(state, ['irq']) : state;
    const flags = callArguments(call)[effect.restoresFlagsArg];
    if (!flags) return state;
    // Nothing of IRQs is saved here and the lock is the caller's: the caller's flags are restored
    // (krc_this_cpu_unlock(krcp, flags) after krc_this_cpu_lock(&flags)). A summary holds classes,
    // not flags, so that caller drops its IRQ-off sections as for a local_irq_restore() helper.
    if (irqSections.length === 0) {
      if (callersLock) this.dropsCallerLock(call, 'irq');
      return state;
    }
    const next = new Map(state);
    for (const held of irqSections) {
      if (!savedIn(this.index, held, flags)) continue;
      if (held.count > 1) next.set(held.key, { ...held, count: held.count - 1 });
      else next.delete(held.key);
    }
    return next;
  }

  /** Drops every section of these classes; when none is held (and `callers`), the function drops its caller's. */
  private dropClasses(call: Node, state: ReadonlyMap<string, HeldSection>, classes: readonly SectionClass[], callers = true): LockState {
    const next = withoutClasses(state, classes);
    if (next.size === state.size && callers) classes.forEach((cls) => this.dropsCallerLock(call, cls));
    return next;
  }

  /** `p->ops->unlock(…)` where the field's targets are annotated `__releases()`: what they release is not held after it. */
  private fieldCall(call: Node, state: ReadonlyMap<string, HeldSection>): LockState {
    const callee = this.index.callee(call);
    const field = callee?.type === 'field_expression' ? this.index.field(callee.node, 'field')?.text : undefined;
    const dropped = field ? this.callees.releasesThroughField?.(field) : undefined;
    return dropped ? this.dropClasses(call, state, dropped) : state;
  }

  private dropsCallerLock(call: Node, cls: SectionClass): void {
    this.releasesCallerLock ??= call;
    this.releasedCallerClasses.add(cls);
  }

  /** Evaluates the calls of an expression in order; acquisitions under `?:`/`&&`/`||` do not count. */
  expression(node: Node, state: LockState): LockState {
    if (state === null) return null;
    let current: LockState = state;
    const visit = (inner: Node): void => {
      if (current === null) return;
      // Most of an expression's nodes hold no call: their subtrees cannot change the state.
      if (!this.index.anyWithin(inner, STATE_CHANGERS)) return;
      if (this.index.type(inner) === 'compound_statement') {
        current = this.block(inner, current, { breaks: [], continues: [] });
        return;
      }
      const wait = this.index.type(inner) === 'call_expression' ? lockDroppingWait(this.index.calleeName(inner) ?? '') : undefined;
      if (wait) {
        // wait_event_lock_irq_cmd(wq, cond, lock, cmd): cmd runs with `lock` dropped, and the
        // lock is held again after the wait, so only the command sees the state without it.
        const args = this.index.arguments(inner);
        args.forEach((argument, index) => {
          if (index !== wait.commandArg) visit(argument);
        });
        const command = args[wait.commandArg];
        if (command && current !== null) {
          const held = current;
          const during = this.expression(command, withoutSpinlock(held, args[wait.lockArg]));
          current = during === null ? null : held;
        }
        current = this.call(inner, current);
        return;
      }
      const innerType = this.index.type(inner);
      const conditional = innerType === 'conditional_expression' || (innerType === 'binary_expression' && ['&&', '||'].includes(this.textOf(this.index.field(inner, 'operator')) ?? ''));
      const children = this.index.namedChildren(inner);
      children.forEach((child, index) => {
        const enters = conditional && index > 0;
        if (enters) this.conditionalDepth++;
        visit(child);
        if (enters) this.conditionalDepth--;
      });
      if (innerType === 'call_expression') current = this.call(inner, current);
    };
    visit(node);
    return current;
  }

  private call(call: Node, state: LockState): LockState {
    if (state === null) return null;
    this.heldAt.set(call.id, state);
    const callee = this.index.callee(call);
    // guard(spinlock)(&lock): held to the end of the enclosing block.
    if (callee?.type === 'call_expression' && this.index.calleeName(callee.node) === 'guard' && this.conditionalDepth === 0) {
      const kind = this.index.arguments(callee.node)[0]?.text;
      const cls = kind ? ATOMIC_GUARDS[kind] : undefined;
      if (!cls) return state;
      const lock = this.index.arguments(call)[0];
      const key = `guard ${lockKey(cls, lock)}`;
      const next = new Map(state);
      next.set(key, { key, class: cls, count: 1, opener: call, label: `guard(${kind})(${lock?.text ?? ''})` });
      return next;
    }
    const name = this.index.calleeName(call);
    if (!name) return this.fieldCall(call, state);
    // panic(), BUG(), do_exit(), a `__noreturn` function of the driver: nothing after it runs.
    if (this.conditionalDepth === 0 && this.paths.noReturn(name)) return null;
    const closer = sectionCloser(name);
    if (closer) return this.close(call, closer, state);
    const opener = sectionOpener(name);
    if (opener && !('conditional' in opener && opener.conditional) && this.conditionalDepth === 0) return this.open(call, name, opener, state);
    const dropped = this.callees.releases(name);
    // An unlock helper with nothing of its class held here drops the caller's lock (tg3_full_unlock()).
    if (dropped) return this.dropClasses(call, state, dropped.classes, dropped.callers);
    const acquired = this.conditionalDepth === 0 ? this.callees.acquires(name) : undefined;
    if (acquired && acquired.length > 0) {
      const next = new Map(state);
      for (const section of acquired) {
        const key = `${section.key} via ${name}`;
        next.set(key, { key, class: section.class, count: 1, opener: call, label: `${name}() (which takes ${section.label})` });
      }
      return next;
    }
    return state;
  }
}

const CONTEXT_QUERY_WORDS = new RegExp(`\\b(?:${[...CONTEXT_QUERIES].join('|')})\\b`);

/** Context queries make a function's sleeps deliberate: it checks where it runs. */
function findContextQuery(index: SyntaxIndex, body: Node): Node | undefined {
  // The text names none of them in most bodies: no identifier can then be one.
  if (!CONTEXT_QUERY_WORDS.test(body.text)) return undefined;
  for (const identifier of index.within(body, ['identifier'])) {
    if (identifier && CONTEXT_QUERIES.has(identifier.text)) return identifier;
  }
  return undefined;
}

/**
 * Calls that run only when a scalar parameter says so: inside a branch whose condition mentions
 * one, or after an early exit that tests one (`if (!can_sleep) return;`).
 */
/**
 * Conditions that name a context flag of the driver's own (`dev->can_sleep`, `atomic`, `nowait`,
 * `polling`): the code chose its context at run time, and the analysis cannot tell which.
 */
export const CONTEXT_FLAG =
  /^(is_|in_)?atomic(_ctx|_context)?$|^(can|may|might|allow|allowed|no|non)_?(sleep|block|wait)$|^sleep_?ok$|^(in_?irq|irq_?ctx|irq_?context|polling|nowait|nonblock|non_?blocking)$|async/i;

function callsMatching(index: SyntaxIndex, node: Node | null, pattern: RegExp): boolean {
  return !!node && index.within(node, CALLS).some((call) => !!call && pattern.test(calleeName(call) ?? ''));
}

/**
 * Names a file uses as its own context flag: the condition of an `if` that sleeps on one branch
 * and busy-waits on the other (`if (db->in_timeout) mdelay(ms); else msleep(ms);`).
 */
export function learnedContextFlags(fn: FunctionFacts, index: SyntaxIndex): Set<string> {
  const flags = new Set<string>();
  {
    for (const node of index.within(fn.body, ['if_statement'])) {
      const consequence = node?.childForFieldName('consequence') ?? null;
      const alternative = node?.childForFieldName('alternative') ?? null;
      if (!node || !alternative) continue;
      const split =
        (callsMatching(index, consequence, SLEEP_WAITS) && callsMatching(index, alternative, BUSY_WAITS)) ||
        (callsMatching(index, consequence, BUSY_WAITS) && callsMatching(index, alternative, SLEEP_WAITS));
      if (!split) continue;
      const condition = node.childForFieldName('condition');
      for (const name of condition ? index.within(condition, ['field_identifier']) : []) flags.add(name.text);
    }
  }
  return flags;
}

function hasExit(index: SyntaxIndex, node: Node | null): boolean {
  return !!node && index.anyWithin(node, EXITS);
}

/** Calls under a context-flag condition, or after an early exit on one (`if (cmd->flags & CMD_ASYNC) return …;`). */
function flagGuardedCalls(index: SyntaxIndex, fn: FunctionFacts, learned: ReadonlySet<string>): Set<number> {
  const guarded = new Set<number>();
  let exitAfter = Infinity;
  for (const node of index.within(fn.body, ['conditional_expression', 'if_statement', 'while_statement'])) {
    const condition = node?.childForFieldName('condition');
    if (!node || !condition) continue;
    const names = index.within(condition, ['field_identifier', 'identifier']);
    if (!names.some((name) => !!name && (CONTEXT_FLAG.test(name.text) || learned.has(name.text)))) continue;
    for (const call of index.within(node, CALLS)) guarded.add(call.id);
    if (node.type === 'if_statement' && hasExit(index, node.childForFieldName('consequence'))) exitAfter = Math.min(exitAfter, node.endIndex);
  }
  if (exitAfter < Infinity) {
    for (const call of index.within(fn.body, CALLS)) if (call.startIndex >= exitAfter) guarded.add(call.id);
  }
  return guarded;
}

function parameterGuardedCalls(index: SyntaxIndex, fn: FunctionFacts): { guarded: Set<number>; exitTests: { node: Node; from: number }[] } {
  const guarded = new Set<number>();
  const exitTests: { node: Node; from: number }[] = [];
  // The parameter list is read once: each accessor of it is a call into WebAssembly.
  const declared = parametersOf(fn);
  const scalars = scalarParameters(declared);
  let earliestExitTest = Infinity;
  // A switch on anything the caller passes that returns in some cases dispatches on the caller's
  // request (`switch (nctrl->cmd) { case SET_MULTI_LIST: return; }`): what follows depends on it.
  const parameters = allParameters(declared);
  for (const node of index.within(fn.body, ['switch_statement'])) {
    if (!node || !mentionsAny(index, node.childForFieldName('condition'), parameters)) continue;
    // `default: return -EINVAL;` is an error exit, not a dispatch: only explicit cases count.
    const cases = node.childForFieldName('body')?.namedChildren.filter((child) => child?.type === 'case_statement' && child.childForFieldName('value')) ?? [];
    if (!cases.some((child) => hasExit(index, child))) continue;
    earliestExitTest = Math.min(earliestExitTest, node.startIndex);
    exitTests.push({ node, from: node.startIndex });
  }
  if (scalars.size === 0 && earliestExitTest === Infinity) return { guarded, exitTests };
  for (const node of index.within(fn.body, ['conditional_expression', 'do_statement', 'for_statement', 'if_statement', 'switch_statement', 'while_statement'])) {
    if (!node) continue;
    const condition = node.childForFieldName('condition');
    if (!mentionsAny(index, condition, scalars)) continue;
    for (const call of index.within(node, CALLS)) if (!(condition && call.startIndex >= condition.startIndex && call.endIndex <= condition.endIndex)) guarded.add(call.id);
    if (node.type === 'if_statement' && index.anyWithin(node, EXITS)) {
      earliestExitTest = Math.min(earliestExitTest, node.endIndex);
      exitTests.push({ node, from: node.endIndex });
    }
  }
  if (earliestExitTest < Infinity) {
    for (const call of index.within(fn.body, CALLS)) if (call.startIndex >= earliestExitTest) guarded.add(call.id);
  }
  return { guarded, exitTests };
}

/**
 * Lock facts of one function. `entry` is what holds when it starts (`__must_hold` of a spinlock);
 * empty for an ordinary function.
 */
export function analyzeFunctionLocks(
  fn: FunctionFacts,
  index: SyntaxIndex,
  entry: ReadonlyMap<string, HeldSection> = new Map(),
  callees: CalleeLocks = NO_CALLEES,
  learnedFlags: ReadonlySet<string> = new Set(),
  paths: PathConditions = NO_PATH_CONDITIONS,
): FunctionLocks {
  const { guarded: parameterGuarded, exitTests } = parameterGuardedCalls(index, fn);
  const result: FunctionLocks = {
    fn,
    understood: bodyUnderstood(fn.body),
    heldAt: new Map(),
    parameterGuarded,
    exitTests,
    flagGuarded: flagGuardedCalls(index, fn, learnedFlags),
    acquiredAtExit: [],
    releasedCallerClasses: [],
  };
  if (!result.understood) return result;
  // A definition in a dead `#if` branch is not compiled: none of its calls is reached.
  if (!definitionCompiled(fn.node, paths)) return result;
  result.queriesContext = findContextQuery(index, fn.body);
  const walker = new Walker(index, callees, paths);
  // Backward gotos (retry loops) need the states of a previous pass; repeat until labels settle.
  for (let pass = 0; pass < 6; pass++) {
    walker.run(fn.body, entry);
    const settled = [...walker.gotoStates].every(([label, state]) => statesEqual(state, walker.previousGotoStates.get(label) ?? null));
    const merged = new Map<string, LockState>();
    for (const [label, state] of walker.gotoStates) merged.set(label, joinStates(state, walker.previousGotoStates.get(label) ?? null));
    walker.previousGotoStates = merged;
    if (walker.gotoStates.size === 0 || (settled && pass > 0)) break;
    if (pass === 5) {
      result.understood = false;
      return result;
    }
  }
  result.heldAt = walker.heldAt;
  result.releasesCallerLock = walker.releasesCallerLock;
  result.releasedCallerClasses = [...walker.releasedCallerClasses];
  const exit = joinAll(walker.exits);
  if (exit && !result.queriesContext) result.acquiredAtExit = [...exit.values()].filter((held) => !entry.has(held.key) && !held.key.startsWith('guard '));
  return result;
}

/**
 * Locks a `__must_hold(x)` annotation says the caller holds. tree-sitter reads the annotation as a
 * stray macro between the declarator and the body, so the text there is read directly.
 */
export function mustHoldLocks(fn: FunctionFacts): string[] {
  const declarator = fn.node.childForFieldName('declarator');
  const between = fn.node.text.slice(declarator ? declarator.startIndex - fn.node.startIndex : 0, fn.body.startIndex - fn.node.startIndex);
  return [...between.matchAll(/__must_hold\s*\(((?:[^()]|\([^()]*\))*)\)/g)].map((match) => match[1].trim());
}

/** The key a lock expression gets, for matching `__must_hold(&p->lock)` with `spin_unlock(&p->lock)`. */
export function lockKeyOfText(cls: SectionClass, text: string): string {
  let inner = text.replace(/\s+/g, '');
  while (inner.startsWith('(') && inner.endsWith(')')) inner = inner.slice(1, -1);
  return `${cls}:${inner}`;
}
