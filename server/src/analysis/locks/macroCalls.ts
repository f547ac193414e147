// Function-like macros used as calls: what their expansion does at the use site. A macro of the
// file or its local headers (the macro table of analysis/sizes/constants.ts) whose body calls a
// sleeping function, or a kernel macro seeded in model/sleepers.ts SLEEPING_MACROS, sleeps where it
// is used; a macro whose whole body is one lock call (`#define FOO_LOCK(p) spin_lock(&(p)->lock)`)
// takes or releases that lock there. Only the body text is read (a macro body is not parsed as C),
// so anything that does not fit these shapes gives no answer: silence rather than a guess.
import type { SectionCall } from '../../model/contexts';
import { CONTEXT_QUERIES, sectionCloser, sectionOpener } from '../../model/contexts';
import { BUSY_WAITS, sleeper, sleepingMacro } from '../../model/sleepers';
import type { MacroDefinition } from '../sizes/constants';

/** What the use site knows of an argument by position: nonzero (true), zero (false) or unknown. */
export type ArgumentTruth = (position: number) => boolean | undefined;

/** A test on a use-site argument (by position) the expansion needs to sleep: nonzero, or zero. */
export interface ArgumentTest {
  argument: number;
  nonZero: boolean;
}

/**
 * A sleep in a macro's expansion: the sleeping call and the macros expanded to reach it, outermost
 * first. `when`: the use site's arguments the use site does not know that decide it (the
 * expansion sleeps when each passes its test); absent, it sleeps whatever they are.
 */
export interface MacroSleep {
  sleeper: string;
  macros: string[];
  when?: ArgumentTest[];
}

/** The other macros a body may name: the kernel tree's headers (index/headerMacros.ts), after the file's own. */
export interface MacroSleepOptions {
  header?(name: string): MacroSleep | undefined;
  /** Whether the seeded kernel macros (model/sleepers.ts) answer for their names; the header pass derives from the bodies instead. */
  seeds?: boolean;
}

interface BodyCall {
  name: string;
  offset: number;
  args: string[];
}

const NOT_CALLS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', 'typeof_unqual', '_Generic', 'defined', '__builtin_expect', 'likely', 'unlikely']);
/** A macro nests at most this deep before the answer is "unknown". */
const MAX_DEPTH = 4;

/** The body with comments and string or character literals blanked (same length, so offsets hold). */
function codeOf(body: string): string {
  return body.replace(/\\\r?\n/g, (text) => ' '.repeat(text.length)).replace(/\/\*[\s\S]*?\*\/|\/\/.*$|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/gm, (text) => ' '.repeat(text.length));
}

/** The offset just past the `)` closing the `(` at `open`, or -1. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === '(') depth++;
    else if (text[index] === ')' && --depth === 0) return index + 1;
  }
  return -1;
}

/** Top-level comma-separated arguments of an argument list's inner text. */
function splitArguments(inner: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < inner.length; index++) {
    const char = inner[index];
    if (char === '(' || char === '[' || char === '{') depth++;
    else if (char === ')' || char === ']' || char === '}') depth--;
    else if (char === ',' && depth === 0) {
      args.push(inner.slice(start, index).trim());
      start = index + 1;
    }
  }
  const last = inner.slice(start).trim();
  if (last || args.length > 0) args.push(last);
  return args;
}

function bodyCalls(code: string): BodyCall[] {
  const calls: BodyCall[] = [];
  for (const match of code.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
    if (NOT_CALLS.has(match[1])) continue;
    const open = match.index + match[0].length - 1;
    const close = closingParen(code, open);
    if (close < 0) continue;
    calls.push({ name: match[1], offset: match.index, args: splitArguments(code.slice(open + 1, close - 1)) });
  }
  return calls;
}

/** `(x)`, `((x))` → `x`. */
function withoutParens(text: string): string {
  let inner = text.trim();
  while (inner.startsWith('(') && closingParen(inner, 0) === inner.length) inner = inner.slice(1, -1).trim();
  return inner;
}

/** The body's names for its parameters: the parameters, and locals declared as a copy of one (`unsigned long __sleep_us = (sleep_us);`). */
function parameterNames(code: string, params: readonly string[]): Map<string, number> {
  const names = new Map<string, number>();
  params.forEach((param, index) => names.set(param.replace(/\.\.\.$/, ''), index));
  const copies = new Map<string, number | undefined>();
  for (const match of code.matchAll(/(?<=\b[A-Za-z_]\w*\s+\**)([A-Za-z_]\w*)\s*=(?!=)\s*([^;,]+);/g)) {
    const source = names.get(withoutParens(match[2]));
    // A name assigned twice is no copy.
    copies.set(match[1], copies.has(match[1]) ? undefined : source);
  }
  for (const [name, source] of copies) {
    // Changed after its declaration (`--__left`, `__us += 10`): no longer the argument's value.
    const writes = code.match(new RegExp(`(?:\\+\\+|--)\\s*${name}\\b|\\b${name}\\s*(?:\\+\\+|--|[-+*/%&|^]?=(?!=)|<<=|>>=)`, 'g'))?.length ?? 0;
    if (source !== undefined && writes === 1 && !names.has(name)) names.set(name, source);
  }
  return names;
}

/** The offset of the `}` closing the `{` at `open`, or -1. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === '{') depth++;
    else if (text[index] === '}' && --depth === 0) return index;
  }
  return -1;
}

/** Where the statement starting at or after `from` ends (past its `;` or `}`), or the end of the enclosing block. */
function statementEnd(code: string, from: number): number {
  let index = from;
  while (index < code.length && /\s/.test(code[index])) index++;
  if (code[index] === '{') {
    const close = closingBrace(code, index);
    return close < 0 ? code.length : close + 1;
  }
  let depth = 0;
  for (; index < code.length; index++) {
    const char = code[index];
    if (char === '(' || char === '[' || char === '{') depth++;
    else if (char === ')' || char === ']' || char === '}') {
      if (depth === 0) return index;
      if (--depth === 0 && char === '}') return index + 1;
    } else if (char === ';' && depth === 0) return index + 1;
  }
  return code.length;
}

/** Top-level parts of a condition split at `operator` (`&&`, `||`). */
function splitAt(text: string, operator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '(' || char === '[') depth++;
    else if (char === ')' || char === ']') depth--;
    else if (depth === 0 && text.startsWith(operator, index)) {
      parts.push(text.slice(start, index));
      start = index + operator.length;
      index++;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** A test a body's statement makes on a parameter of the macro (by index). */
interface ParamTest {
  param: number;
  nonZero: boolean;
}

/**
 * What an `if` condition says about the macro's parameters where it holds: `p`, `!p`, `p != 0`,
 * `p == 0`, and those joined by `&&` (each must hold). A term on anything else (the polled value, a
 * countdown) is decided at run time and says nothing; a parameter used otherwise (`p > 2`, under
 * `||`) makes the condition one this reading does not model (undefined).
 */
function conditionTests(condition: string, names: ReadonlyMap<string, number>): ParamTest[] | undefined {
  const mentions = (text: string) => [...text.matchAll(/[A-Za-z_]\w*/g)].some((word) => names.has(word[0]));
  const inner = withoutParens(condition);
  if (splitAt(inner, '||').length > 1) return mentions(inner) ? undefined : [];
  const tests: ParamTest[] = [];
  for (const part of splitAt(inner, '&&')) {
    let term = withoutParens(part);
    let nonZero = true;
    while (term.startsWith('!') && !term.startsWith('!=')) {
      nonZero = !nonZero;
      term = withoutParens(term.slice(1));
    }
    const compared = /^([A-Za-z_]\w*|\([^()]*\))\s*(!=|==)\s*0[uUlL]*$/.exec(term);
    if (compared) {
      term = withoutParens(compared[1]);
      if (compared[2] === '==') nonZero = !nonZero;
    }
    const param = names.get(term);
    if (param !== undefined) tests.push({ param, nonZero });
    else if (mentions(term)) return undefined;
  }
  return tests;
}

/** A statement run under an `if` (or its `else`) and what the condition says there. */
interface BodyGuard {
  from: number;
  to: number;
  /** Undefined: the condition tests a parameter in a way not modelled. */
  tests?: ParamTest[];
}

/** The `if` statements of a body and their `else` branches, with their extents. */
function bodyGuards(code: string, names: ReadonlyMap<string, number>): BodyGuard[] {
  const guards: BodyGuard[] = [];
  for (const match of code.matchAll(/\bif\s*\(/g)) {
    const open = match.index + match[0].length - 1;
    const close = closingParen(code, open);
    if (close < 0) continue;
    const tests = conditionTests(code.slice(open, close), names);
    const end = statementEnd(code, close);
    guards.push({ from: close, to: end, tests });
    const rest = /^\s*else\b/.exec(code.slice(end));
    if (!rest) continue;
    // The else branch runs where the condition fails: exact for one test, not modelled for several.
    const negated = tests === undefined || tests.length > 1 ? undefined : tests.map((test) => ({ param: test.param, nonZero: !test.nonZero }));
    if (tests?.length === 0) continue;
    const from = end + rest[0].length;
    guards.push({ from, to: statementEnd(code, from), tests: negated });
  }
  return guards;
}

/** An argument of a call in a body, at the outer use site: a parameter passes the outer answer on. */
function innerTruth(text: string | undefined, names: ReadonlyMap<string, number>, outer: ArgumentTruth, constant: (text: string) => number | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const bare = withoutParens(text);
  const param = names.get(bare);
  if (param !== undefined) return outer(param);
  const value = constant(bare);
  return value === undefined ? undefined : value !== 0;
}

/** The use-site argument a body's argument text stands for, when it is one of the macro's parameters passed on unchanged. */
function innerOrigin(text: string | undefined, names: ReadonlyMap<string, number>, outer: (position: number) => number | undefined): number | undefined {
  const param = text === undefined ? undefined : names.get(withoutParens(text));
  return param === undefined ? undefined : outer(param);
}

/**
 * Tests on positions of a call against what is known there: 'dead' when a known argument fails
 * one, 'unknown' when an unknown one is not an argument of the use site, else the use site's
 * arguments still to decide.
 */
function decide(tests: readonly ParamTest[], truth: ArgumentTruth, origin: (position: number) => number | undefined): ArgumentTest[] | 'dead' | 'unknown' {
  const open: ArgumentTest[] = [];
  for (const test of tests) {
    const known = truth(test.param);
    if (known === test.nonZero) continue;
    if (known !== undefined) return 'dead';
    const argument = origin(test.param);
    if (argument === undefined) return 'unknown';
    if (!open.some((other) => other.argument === argument && other.nonZero === test.nonZero)) open.push({ argument, nonZero: test.nonZero });
  }
  return open;
}

function withTests(sleep: MacroSleep, name: string, open: readonly ArgumentTest[]): MacroSleep {
  const when = [...open];
  for (const test of sleep.when ?? []) if (!when.some((other) => other.argument === test.argument && other.nonZero === test.nonZero)) when.push(test);
  return { sleeper: sleep.sleeper, macros: [name, ...sleep.macros], ...(when.length > 0 ? { when } : {}) };
}

/**
 * Whether a call of `name` sleeps because of what its expansion calls. `truth` answers for the use
 * site's arguments, `constant` evaluates a constant expression of a body (a #define, a literal).
 * A sleep that depends on a use-site argument `truth` does not know comes with `when`.
 */
export function macroSleep(
  name: string,
  macros: ReadonlyMap<string, MacroDefinition>,
  truth: ArgumentTruth,
  constant: (text: string) => number | undefined,
  options: MacroSleepOptions = {},
): MacroSleep | undefined {
  return expand(name, macros, truth, (position) => position, constant, options, 0);
}

function expand(
  name: string,
  macros: ReadonlyMap<string, MacroDefinition>,
  truth: ArgumentTruth,
  origin: (position: number) => number | undefined,
  constant: (text: string) => number | undefined,
  options: MacroSleepOptions,
  depth: number,
): MacroSleep | undefined {
  if (depth > MAX_DEPTH) return undefined;
  // The kernel's own macros first: their rows say which argument decides.
  const seed = options.seeds === false ? undefined : sleepingMacro(name);
  if (seed) {
    const open = seed.sleepArg === undefined ? [] : decide([{ param: seed.sleepArg, nonZero: true }], truth, origin);
    return typeof open === 'string' ? undefined : { sleeper: seed.sleeper, macros: [name], ...(open.length > 0 ? { when: open } : {}) };
  }
  const macro = macros.get(name);
  if (!macro) {
    // A macro of the kernel tree's headers, derived in the index's header pass: its tests are on its own arguments.
    const derived = options.header?.(name);
    if (!derived) return undefined;
    const open = decide(
      (derived.when ?? []).map((test) => ({ param: test.argument, nonZero: test.nonZero })),
      truth,
      origin,
    );
    return typeof open === 'string' ? undefined : { sleeper: derived.sleeper, macros: derived.macros, ...(open.length > 0 ? { when: open } : {}) };
  }
  if (!macro.params || macro.conflicting) return undefined;
  const code = codeOf(macro.body);
  const calls = bodyCalls(code);
  // Written for both contexts: it asks where it runs, or busy-waits beside the sleep.
  if (calls.some((call) => CONTEXT_QUERIES.has(call.name) || (call.name !== 'cpu_relax' && BUSY_WAITS.test(call.name)))) return undefined;
  const names = parameterNames(code, macro.params);
  const guards = bodyGuards(code, names);
  // Every sleeping call is a way to sleep: one that needs no argument decides; else the one that
  // needs the fewest (`if (before && us) sleep; … if (us) sleep;` sleeps when `us` is nonzero).
  let best: MacroSleep | undefined;
  const consider = (found: MacroSleep): boolean => {
    if (!best || (found.when?.length ?? 0) < (best.when?.length ?? 0)) best = found;
    return !found.when;
  };
  for (const call of calls) {
    if (names.has(call.name)) continue;
    const around = guards.filter((guard) => guard.from <= call.offset && call.offset < guard.to);
    if (around.some((guard) => guard.tests === undefined)) continue;
    const open = decide(
      around.flatMap((guard) => guard.tests!),
      truth,
      origin,
    );
    if (typeof open === 'string') continue;
    if (sleeper(call.name)) {
      if (consider({ sleeper: call.name, macros: [name], ...(open.length > 0 ? { when: open } : {}) })) break;
      continue;
    }
    if (call.name === name) continue;
    const inner = expand(
      call.name,
      macros,
      (position) => innerTruth(call.args[position], names, truth, constant),
      (position) => innerOrigin(call.args[position], names, origin),
      constant,
      options,
      depth + 1,
    );
    if (inner && consider(withTests(inner, name, open))) break;
  }
  return best;
}

/** A macro whose body is exactly one section call: the call, its section and the body text. */
export interface MacroSection {
  call: string;
  section: SectionCall;
  opens: boolean;
  /** The body's call as written (`spin_lock(&(p)->lock)`), for messages. */
  text: string;
}

/** `#define FOO_LOCK(p) spin_lock(&(p)->lock)` (or the same in `do { … } while (0)`): the lock call it stands for. */
export function macroSection(name: string, macros: ReadonlyMap<string, MacroDefinition>): MacroSection | undefined {
  const macro = macros.get(name);
  if (!macro?.params || macro.conflicting) return undefined;
  let code = codeOf(macro.body).trim();
  const wrapped = /^do\s*\{([\s\S]*)\}\s*while\s*\(\s*0\s*\)$/.exec(code);
  if (wrapped) code = wrapped[1].trim();
  code = code.replace(/;\s*$/, '').trim();
  const match = /^([A-Za-z_]\w*)\s*\(/.exec(code);
  if (!match || closingParen(code, match[0].length - 1) !== code.length) return undefined;
  const opener = sectionOpener(match[1]);
  if (opener && !('conditional' in opener && opener.conditional)) return { call: match[1], section: opener, opens: true, text: code.replace(/\s+/g, ' ') };
  const closer = sectionCloser(match[1]);
  return closer ? { call: match[1], section: closer, opens: false, text: code.replace(/\s+/g, ' ') } : undefined;
}

/** A call through a struct field that a macro's expansion makes on one of its arguments: `(priv)->hw->ptp->init_systime(…)`. */
export interface MacroFieldCall {
  /** The use site's argument the path starts from (a variable of the calling function). */
  variable: string;
  /** The fields, the called member last. */
  fields: string[];
  /** The macros expanded to reach it, outermost first. */
  macros: string[];
}

/** The body with each parameter replaced by the use site's argument text (`args...` / `__VA_ARGS__` by the rest, `##` joined). */
function substituted(code: string, params: readonly string[], args: readonly string[]): string {
  const values = new Map<string, string>();
  params.forEach((param, index) => {
    const variadic = param.endsWith('...');
    const name = param === '...' ? '__VA_ARGS__' : param.replace(/\.\.\.$/, '');
    values.set(name, variadic ? args.slice(index).join(', ') : (args[index] ?? ''));
  });
  return code.replace(/\s*##\s*/g, '').replace(/[A-Za-z_]\w*/g, (word) => values.get(word) ?? word);
}

/**
 * The one call through a struct field on a use-site argument that a macro of the file or its
 * folder expands to, through other such macros: stmmac's `stmmac_init_systime(priv, …)` is
 * `stmmac_do_callback(priv, ptp, init_systime, …)` is `(priv)->hw->ptp->init_systime(…)`
 * (drivers/net/ethernet/stmicro/stmmac/hwif.h, 6.1). None when the expansion makes no such call,
 * or more than one.
 */
export function macroFieldCall(name: string, macros: ReadonlyMap<string, MacroDefinition>, args: readonly string[], depth = 0): MacroFieldCall | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const macro = macros.get(name);
  // Neither a member access nor one call of another macro: nothing to find (most register macros).
  if (!macro?.params || macro.conflicting || !/->|\.\s*[A-Za-z_]|^\s*\(*\s*[A-Za-z_]\w*\s*\(/.test(macro.body)) return undefined;
  const code = substituted(codeOf(macro.body), macro.params, args);
  const variables = new Set(args.map((arg) => withoutParens(arg)).filter((arg) => /^[A-Za-z_]\w*$/.test(arg)));
  const found = new Map<string, MacroFieldCall>();
  for (const match of code.matchAll(/(?:\(\s*([A-Za-z_]\w*)\s*\)|\b([A-Za-z_]\w*))((?:\s*(?:->|\.)\s*[A-Za-z_]\w*)+)\s*\(/g)) {
    const variable = match[1] ?? match[2];
    if (!variables.has(variable)) continue;
    const fields = match[3]
      .split(/->|\./)
      .map((field) => field.trim())
      .filter(Boolean);
    found.set(`${variable}.${fields.join('.')}`, { variable, fields, macros: [name] });
  }
  if (found.size > 0) return found.size === 1 ? [...found.values()][0] : undefined;
  // Or the body is one call of another macro of the table, which makes it.
  const body = withoutParens(code);
  const whole = /^([A-Za-z_]\w*)\s*\(/.exec(body);
  if (!whole || whole[1] === name || !macros.get(whole[1])?.params || closingParen(body, whole[0].length - 1) !== body.length) return undefined;
  const inner = macroFieldCall(whole[1], macros, splitArguments(body.slice(whole[0].length, -1)), depth + 1);
  return inner && { ...inner, macros: [name, ...inner.macros] };
}
