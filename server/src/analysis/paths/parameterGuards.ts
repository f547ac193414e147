// Which tests on a function's own parameters every path to a call passes, as data a caller's
// constant arguments can be checked against (paths/guardVerdict.ts): `if (wait) msleep(1);` runs
// msleep() only when `wait` is non-zero, `if (!buf) buf = kmalloc(...)` allocates only when `buf`
// is NULL. Read from the syntax around the call: enclosing `if`/`?:`/`while`/`for` branches, and
// earlier statements of an enclosing block that leave it when a test holds (`if (!wait) return;`).
// Where a condition uses a scalar parameter in a way this reading does not model (`flags & X`, a
// switch, a loop's exit test, an exit nested deeper), the guard is marked incomplete: a caller's
// constants may then show the call dead, never live.
import type { Node } from 'web-tree-sitter';
import { callArguments, calleeName, namedChildren, unwrapExpression } from '../../parsing/syntax';
import type { SyntaxIndex } from '../../parsing/syntaxIndex';

/** A test a parameter must pass for the call to run: non-zero (true, non-NULL) or zero (false, NULL). */
export interface ParameterTest {
  parameter: number;
  nonZero: boolean;
}

export interface ParameterGuard {
  /** Every path to the call passes all of these. */
  requires: readonly ParameterTest[];
  /** The tests are all the call depends on among the scalar parameters: satisfied, the call runs. */
  complete: boolean;
}

/** What a condition says about parameters where it is true and where it is false. */
interface ConditionTests {
  whenTrue: ParameterTest[];
  whenFalse: ParameterTest[];
  /** Each side's tests are exact for the scalar parameters it mentions. */
  trueComplete: boolean;
  falseComplete: boolean;
}

const NEUTRAL: ConditionTests = { whenTrue: [], whenFalse: [], trueComplete: true, falseComplete: true };
const OPAQUE: ConditionTests = { whenTrue: [], whenFalse: [], trueComplete: false, falseComplete: false };

const ZERO_LITERALS = new Set(['0', 'NULL', 'false']);

/** `likely(x)`, `unlikely(x)`, `!!x`, parentheses and casts → x. */
function stripped(node: Node): Node {
  let current = unwrapExpression(node);
  for (;;) {
    const name = current.type === 'call_expression' ? calleeName(current) : undefined;
    if ((name === 'likely' || name === 'unlikely') && callArguments(current).length === 1) {
      current = unwrapExpression(callArguments(current)[0]);
      continue;
    }
    return current;
  }
}

function isZeroLiteral(node: Node): boolean {
  const inner = unwrapExpression(node);
  return inner.type === 'null' || inner.type === 'false' || ZERO_LITERALS.has(inner.text) || (inner.type === 'number_literal' && /^0+[uUlL]*$|^0[xX]0+[uUlL]*$/.test(inner.text));
}

/** Reads conditions of one function in terms of its parameters. */
export class ParameterConditions {
  private readonly position = new Map<string, number>();
  private readonly scalars: ReadonlySet<string>;
  /** Where the body assigns a parameter or takes its address. */
  private readonly changes = new Map<string, Node[]>();
  private readonly labels: readonly Node[];
  /** Conditions already read, by node id: each is asked about once per call it guards. */
  private readonly read = new Map<number, ConditionTests>();

  constructor(
    private readonly index: SyntaxIndex,
    body: Node,
    parameters: readonly { name: string; scalar: boolean }[],
  ) {
    parameters.forEach((parameter, position) => {
      if (parameter.name && !this.position.has(parameter.name)) this.position.set(parameter.name, position);
    });
    this.scalars = new Set(parameters.filter((parameter) => parameter.scalar && parameter.name).map((parameter) => parameter.name));
    for (const node of index.within(body, ['assignment_expression', 'update_expression', 'pointer_expression'])) {
      if (node.type === 'pointer_expression' && node.childForFieldName('operator')?.text !== '&') continue;
      const target = node.childForFieldName(node.type === 'assignment_expression' ? 'left' : 'argument');
      if (!target || target.type !== 'identifier' || !this.position.has(target.text)) continue;
      const list = this.changes.get(target.text);
      if (list) list.push(node);
      else this.changes.set(target.text, [node]);
    }
    this.labels = index.within(body, ['labeled_statement']);
  }

  /**
   * Whether a test at `at` reads the caller's value of a parameter: nothing assigns it earlier
   * in the text, nor later inside a loop around the test, nor anywhere when a label before the
   * test lets a backward goto come round again.
   */
  private callersValue(name: string, at: Node): boolean {
    const changes = this.changes.get(name);
    if (!changes) return true;
    if (changes.some((change) => change.startIndex < at.startIndex)) return false;
    if (this.labels.some((label) => label.startIndex < at.startIndex)) return false;
    for (let node = this.index.parent(at); node; node = this.index.parent(node)) {
      if (node.type === 'while_statement' || node.type === 'for_statement' || node.type === 'do_statement') {
        const loop = node;
        if (changes.some((change) => this.index.contains(loop, change))) return false;
      }
    }
    return true;
  }

  mentionsScalar(node: Node | null): boolean {
    if (!node) return false;
    const names = node.type === 'identifier' ? [node] : this.index.within(node, ['identifier']);
    return names.some((name) => this.scalars.has(name.text));
  }

  /** The parameter a plain test names (`p`, `p == NULL`, `0 != p`), with the sense that makes it true. */
  private plainTest(node: Node): ParameterTest | undefined {
    if (node.type === 'identifier') {
      const parameter = this.position.get(node.text);
      return parameter !== undefined && this.callersValue(node.text, node) ? { parameter, nonZero: true } : undefined;
    }
    if (node.type === 'binary_expression') {
      const operator = node.childForFieldName('operator')?.text;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if ((operator !== '==' && operator !== '!=') || !left || !right) return undefined;
      const [named, zero] = isZeroLiteral(right) ? [left, right] : isZeroLiteral(left) ? [right, left] : [undefined, undefined];
      if (!named || !zero) return undefined;
      const test = this.plainTest(stripped(named));
      return test ? { parameter: test.parameter, nonZero: operator === '!=' ? test.nonZero : !test.nonZero } : undefined;
    }
    return undefined;
  }

  tests(condition: Node): ConditionTests {
    let known = this.read.get(condition.id);
    if (!known) {
      known = this.testsOf(condition);
      this.read.set(condition.id, known);
    }
    return known;
  }

  private testsOf(condition: Node): ConditionTests {
    const node = stripped(condition);
    const plain = this.plainTest(node);
    if (plain) return { whenTrue: [plain], whenFalse: [{ parameter: plain.parameter, nonZero: !plain.nonZero }], trueComplete: true, falseComplete: true };
    if (node.type === 'unary_expression' && node.childForFieldName('operator')?.text === '!') {
      const inner = this.tests(node.childForFieldName('argument')!);
      return { whenTrue: inner.whenFalse, whenFalse: inner.whenTrue, trueComplete: inner.falseComplete, falseComplete: inner.trueComplete };
    }
    if (node.type === 'binary_expression') {
      const operator = node.childForFieldName('operator')?.text;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if ((operator === '&&' || operator === '||') && left && right) {
        const a = this.tests(left);
        const b = this.tests(right);
        // `a && b` is true only where both are; where it is false, either may be: no test is
        // certain, and that side is exact only when neither operand tests a parameter.
        const untested = (x: ParameterTest[], y: ParameterTest[], exact: boolean) => x.length === 0 && y.length === 0 && exact;
        if (operator === '&&') {
          return {
            whenTrue: [...a.whenTrue, ...b.whenTrue],
            trueComplete: a.trueComplete && b.trueComplete,
            whenFalse: [],
            falseComplete: untested(a.whenFalse, b.whenFalse, a.falseComplete && b.falseComplete),
          };
        }
        return {
          whenFalse: [...a.whenFalse, ...b.whenFalse],
          falseComplete: a.falseComplete && b.falseComplete,
          whenTrue: [],
          trueComplete: untested(a.whenTrue, b.whenTrue, a.trueComplete && b.trueComplete),
        };
      }
      // `flags & FOO` is non-zero only if `flags` is: necessary, not sufficient.
      if (operator === '&' && left && right) {
        const test = this.plainTest(stripped(left)) ?? this.plainTest(stripped(right));
        if (test?.nonZero) return { whenTrue: [test], whenFalse: [], trueComplete: false, falseComplete: false };
      }
    }
    // A condition on something else (a pointer parameter's field, a global) is an ordinary branch.
    return this.mentionsScalar(node) ? OPAQUE : NEUTRAL;
  }
}

const LOOP_EXITS = ['return_statement', 'goto_statement', 'break_statement', 'continue_statement'] as const;

/** Whether a statement leaves the enclosing block on every path (return, goto, break, continue, a call that never returns). */
function alwaysLeaves(node: Node | null, noReturn: (name: string) => boolean): boolean {
  if (!node) return false;
  switch (node.type) {
    case 'return_statement':
    case 'goto_statement':
    case 'break_statement':
    case 'continue_statement':
      return true;
    case 'compound_statement':
      return namedChildren(node).some((child) => alwaysLeaves(child, noReturn));
    case 'expression_statement': {
      const expression = node.namedChild(0);
      return !!expression && expression.type === 'call_expression' && noReturn(calleeName(expression) ?? '');
    }
    case 'if_statement': {
      const alternative = node.childForFieldName('alternative');
      const elseBody = alternative ? namedChildren(alternative).find((child) => child.type !== 'else') : undefined;
      return alwaysLeaves(node.childForFieldName('consequence'), noReturn) && alwaysLeaves(elseBody ?? null, noReturn);
    }
    default:
      return false;
  }
}

function elseBodyOf(node: Node): Node | null {
  const alternative = node.childForFieldName('alternative');
  return (alternative ? namedChildren(alternative).find((child) => child.type !== 'else') : undefined) ?? null;
}

/**
 * The guard of every call of a body that depends on a parameter test (by call node id). `exitTests`
 * are the statements from whose offset `from` on lockRegions' parameterGuardedCalls() counts every
 * call as parameter-dependent: a guard that does not account for one of them is incomplete.
 */
export function parameterGuards(
  index: SyntaxIndex,
  body: Node,
  conditions: ParameterConditions,
  calls: readonly Node[],
  exitTests: readonly { node: Node; from: number }[],
  noReturn: (name: string) => boolean,
): Map<number, ParameterGuard> {
  const labels = index.within(body, ['labeled_statement']);
  const guards = new Map<number, ParameterGuard>();
  // Per block: its `if` statements that contain an exit, found once.
  const exitIfs = new Map<number, Node[]>();
  // Whether each branch of an exit `if` always leaves, read once per statement.
  const leaves = new Map<number, { then: boolean; else: boolean }>();
  const leavesOf = (statement: Node) => {
    let known = leaves.get(statement.id);
    if (!known) {
      known = { then: alwaysLeaves(statement.childForFieldName('consequence'), noReturn), else: alwaysLeaves(elseBodyOf(statement), noReturn) };
      leaves.set(statement.id, known);
    }
    return known;
  };
  const exitIfsOf = (block: Node): Node[] => {
    let found = exitIfs.get(block.id);
    if (!found) {
      found = index.children(block).filter((statement) => index.type(statement) === 'if_statement' && !!index.field(statement, 'condition') && index.anyWithin(statement, LOOP_EXITS));
      exitIfs.set(block.id, found);
    }
    return found;
  };
  for (const call of calls) {
    const requires: ParameterTest[] = [];
    let complete = true;
    const accounted = new Set<number>();
    let child: Node = call;
    // Nodes, fields and end offsets through the index: the calls of one statement share their way up.
    const contains = (outer: Node, inner: Node) => index.contains(outer, inner);
    for (let node = index.parent(call); node && child.id !== body.id; child = node, node = index.parent(node)) {
      switch (index.type(node)) {
        case 'if_statement':
        case 'conditional_expression': {
          const condition = index.field(node, 'condition');
          if (!condition || contains(condition, call)) break;
          const tests = conditions.tests(condition);
          const consequence = index.field(node, 'consequence');
          const inThen = consequence ? contains(consequence, call) : false;
          requires.push(...(inThen ? tests.whenTrue : tests.whenFalse));
          complete &&= inThen ? tests.trueComplete : tests.falseComplete;
          break;
        }
        case 'while_statement':
        case 'for_statement': {
          const condition = index.field(node, 'condition');
          if (!condition || contains(condition, call)) break;
          const initializer = index.field(node, 'initializer');
          if (initializer && contains(initializer, call)) break;
          const tests = conditions.tests(condition);
          requires.push(...tests.whenTrue);
          complete &&= tests.trueComplete;
          break;
        }
        case 'do_statement':
        case 'switch_statement': {
          const condition = index.field(node, 'condition');
          if (condition && !contains(condition, call) && conditions.mentionsScalar(condition)) complete = false;
          break;
        }
        case 'compound_statement':
        case 'case_statement': {
          // Earlier statements of this block that leave it when a test holds.
          for (const sibling of exitIfsOf(node)) {
            if (sibling.startIndex >= child.startIndex) break;
            const condition = index.field(sibling, 'condition')!;
            // A label between the test and the call: a goto may reach the call without the test.
            const siblingEnd = index.endOf(sibling);
            if (labels.some((label) => label.startIndex >= siblingEnd && label.startIndex < call.startIndex)) continue;
            const { then: leavesThen, else: leavesElse } = leavesOf(sibling);
            if (leavesThen === leavesElse) continue;
            const tests = conditions.tests(condition);
            requires.push(...(leavesThen ? tests.whenFalse : tests.whenTrue));
            if (!(leavesThen ? tests.falseComplete : tests.trueComplete)) complete = false;
            accounted.add(sibling.id);
          }
          break;
        }
        default:
          break;
      }
    }
    // An exit test parameterGuardedCalls() counts that this reading did not account for.
    if (exitTests.some((test) => call.startIndex >= test.from && !accounted.has(test.node.id))) complete = false;
    if (requires.length > 0 || !complete) guards.set(call.id, { requires, complete });
  }
  return guards;
}
