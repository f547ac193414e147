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

/** A sleep in a macro's expansion: the sleeping call and the macros expanded to reach it, outermost first. */
export interface MacroSleep {
  sleeper: string;
  macros: string[];
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

/**
 * `if (p)` / `if (!p)` on a bare parameter: what follows runs only when the caller's argument is
 * nonzero (zero). Conditions on anything else (the polled register, a countdown) are not guards.
 */
function parameterGuards(code: string, params: readonly string[]): { from: number; param: number; negated: boolean }[] {
  const guards: { from: number; param: number; negated: boolean }[] = [];
  for (const match of code.matchAll(/\bif\s*\(/g)) {
    const open = match.index + match[0].length - 1;
    const close = closingParen(code, open);
    if (close < 0) continue;
    const condition = withoutParens(code.slice(open, close));
    const negated = condition.startsWith('!');
    const param = params.indexOf(withoutParens(negated ? condition.slice(1) : condition));
    if (param >= 0) guards.push({ from: close, param, negated });
  }
  return guards;
}

/** An argument of a call in a body, at the outer use site: a parameter passes the outer answer on. */
function innerTruth(text: string | undefined, params: readonly string[], outer: ArgumentTruth, constant: (text: string) => number | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const bare = withoutParens(text);
  const param = params.indexOf(bare);
  if (param >= 0) return outer(param);
  const value = constant(bare);
  return value === undefined ? undefined : value !== 0;
}

/**
 * Whether a call of `name` sleeps because of what its expansion calls. `truth` answers for the use
 * site's arguments, `constant` evaluates a constant expression of a body (a #define, a literal).
 */
export function macroSleep(name: string, macros: ReadonlyMap<string, MacroDefinition>, truth: ArgumentTruth, constant: (text: string) => number | undefined, depth = 0): MacroSleep | undefined {
  if (depth > MAX_DEPTH) return undefined;
  // The kernel's own macros first: their rows say which argument decides.
  const seed = sleepingMacro(name);
  if (seed) return seed.sleepArg === undefined || truth(seed.sleepArg) === true ? { sleeper: seed.sleeper, macros: [name] } : undefined;
  const macro = macros.get(name);
  if (!macro?.params || macro.conflicting) return undefined;
  const code = codeOf(macro.body);
  const calls = bodyCalls(code);
  // Written for both contexts: it asks where it runs, or busy-waits beside the sleep.
  if (calls.some((call) => CONTEXT_QUERIES.has(call.name) || (call.name !== 'cpu_relax' && BUSY_WAITS.test(call.name)))) return undefined;
  const guards = parameterGuards(code, macro.params);
  for (const call of calls) {
    const guard = guards.filter((candidate) => candidate.from <= call.offset).at(-1);
    if (guard && truth(guard.param) !== !guard.negated) continue;
    if (sleeper(call.name)) return { sleeper: call.name, macros: [name] };
    if (call.name === name) continue;
    const inner = macroSleep(call.name, macros, (position) => innerTruth(call.args[position], macro.params!, truth, constant), constant, depth + 1);
    if (inner) return { sleeper: inner.sleeper, macros: [name, ...inner.macros] };
  }
  return undefined;
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
