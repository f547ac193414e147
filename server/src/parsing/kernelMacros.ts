// A length-preserving rewrite of kernel C before tree-sitter parses it, for the macro idioms that
// tree-sitter-c (which expands no macro) turns into ERROR nodes that hide a whole function body.
// Every change replaces ASCII characters with ASCII characters and keeps every line break, so
// the rewritten text has the same length in UTF-16 units and in UTF-8 bytes, and every token
// keeps its line and column: a span of the tree is a span of the user's text, with no table.
// Nothing inside comments, string or character literals or preprocessor lines is touched.
//
// What it rewrites (each measured on linux-source-6.1 drivers/ and sound/, BENCHMARKS.md):
// - annotations the compiler or sparse reads and C does not (`__iomem`, `__user`, `__force`,
//   `__init`, `__must_check`, `__acquires(x)`, `__attribute__((…))`, …): blanked. The ones that
//   carry meaning (`__must_hold(x)`, `__acquires(x)`, `__releases(x)`) stay in the user's text,
//   which is what the tree's node.text reads (parsing/parseSource.ts).
// - macro names juxtaposed with string literals (`KERN_ERR PFX "x"`, `DRV_NAME ": "`): blanked,
//   leaving the literals, which tree-sitter concatenates.
// - an iterator macro whose body is a single statement, or which is itself the body of an
//   `if`/`else`/loop without braces (`list_for_each_entry(pos, head, node) count++;`): its name
//   becomes `while` padded with spaces (`while (a, b, c) stmt;` is C). An iterator heading a
//   block at statement level is left alone: the lock walk reads it as a loop already.
// - GNU case ranges (`case 1 ... 14:`): `...` becomes `|| `, so the label parses; its value is
//   never a constant the analyses can read (the operator's text in the user's text is `..`).
// - `offsetof(type, a.b)` / `offsetof(type, a[0])`, which tree-sitter-c's offsetof rule rejects:
//   the name's first letter is upper-cased so it parses as an ordinary call, still named
//   `offsetof` in the user's text.

/** Annotations blanked as one word. */
const ANNOTATION_WORDS = new Set([
  '__iomem',
  '__user',
  '__rcu',
  '__percpu',
  '__force',
  '__bitwise',
  '__kernel',
  '__safe',
  '__nocast',
  '__private',
  '__must_check',
  '__maybe_unused',
  '__always_unused',
  '__used',
  '__unused',
  '__cold',
  '__hot',
  '__init',
  '__exit',
  '__initdata',
  '__initconst',
  '__exitdata',
  '__meminit',
  '__ref',
  '__refdata',
  '__read_mostly',
  '__ro_after_init',
  '__always_inline',
  '__noinline',
  'noinline',
  'noinline_for_stack',
  'notrace',
  'noinstr',
  '__noreturn',
  '__weak',
  '__packed',
  '__visible',
  '__pure',
  '__sched',
  '__latent_entropy',
  '__flatten',
  '__nocfi',
  '__cacheline_aligned',
  '__cacheline_aligned_in_smp',
  '____cacheline_aligned',
  '____cacheline_aligned_in_smp',
]);

/** Annotations blanked with their parenthesised argument list. */
const ANNOTATION_CALLS = new Set([
  '__attribute__',
  '__attribute',
  '__acquires',
  '__releases',
  '__must_hold',
  '__printf',
  '__scanf',
  '__aligned',
  '__section',
  '__alloc_size',
  '__counted_by',
  '__free',
]);

const KEYWORDS = new Set([
  'auto',
  'break',
  'case',
  'char',
  'const',
  'continue',
  'default',
  'do',
  'double',
  'else',
  'enum',
  'extern',
  'float',
  'for',
  'goto',
  'if',
  'inline',
  'int',
  'long',
  'register',
  'restrict',
  'return',
  'short',
  'signed',
  'sizeof',
  'static',
  'struct',
  'switch',
  'typedef',
  'union',
  'unsigned',
  'void',
  'volatile',
  'while',
  '_Bool',
  '_Static_assert',
  'asm',
  '__asm__',
  '__asm',
  '__volatile__',
  'typeof',
  '__typeof__',
]);

/** String-literal prefixes written without a space (`L"x"`, `u8"x"`): part of the literal. */
const STRING_PREFIXES = new Set(['L', 'u', 'U', 'u8']);

type TokenKind = 'word' | 'string' | 'number' | 'punct';

interface Token {
  kind: TokenKind;
  start: number;
  end: number;
}

function isWordStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95;
}

function isWordPart(code: number): boolean {
  return isWordStart(code) || (code >= 48 && code <= 57);
}

/**
 * The tokens of the text outside comments and preprocessor lines. Strings and character
 * literals are single tokens; a preprocessor line (with its continuations) yields none.
 */
function tokenize(text: string, lineBreaks?: { offset: number; tokens: number }[]): Token[] {
  const tokens: Token[] = [];
  const length = text.length;
  let index = 0;
  let lineStart = true;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code === 10) {
      lineStart = true;
      index++;
      // A line start no comment, literal or directive spans, with the tokens before it.
      lineBreaks?.push({ offset: index, tokens: tokens.length });
      continue;
    }
    if (code === 32 || code === 9 || code === 13 || code === 12 || code === 11) {
      index++;
      continue;
    }
    if (code === 47 && text.charCodeAt(index + 1) === 47) {
      index = skipLineComment(text, index);
      continue;
    }
    if (code === 47 && text.charCodeAt(index + 1) === 42) {
      const close = text.indexOf('*/', index + 2);
      index = close === -1 ? length : close + 2;
      continue;
    }
    if (code === 35 && lineStart) {
      index = skipDirective(text, index);
      continue;
    }
    lineStart = false;
    if (code === 34 || code === 39) {
      const end = skipQuoted(text, index, code);
      tokens.push({ kind: code === 34 ? 'string' : 'number', start: index, end });
      index = end;
      continue;
    }
    if (isWordStart(code)) {
      let end = index + 1;
      while (end < length && isWordPart(text.charCodeAt(end))) end++;
      const next = text.charCodeAt(end);
      if ((next === 34 || next === 39) && STRING_PREFIXES.has(text.slice(index, end))) {
        const literalEnd = skipQuoted(text, end, next);
        tokens.push({ kind: next === 34 ? 'string' : 'number', start: index, end: literalEnd });
        index = literalEnd;
        continue;
      }
      tokens.push({ kind: 'word', start: index, end });
      index = end;
      continue;
    }
    if (code >= 48 && code <= 57) {
      let end = index + 1;
      while (end < length && (isWordPart(text.charCodeAt(end)) || text.charCodeAt(end) === 46)) end++;
      tokens.push({ kind: 'number', start: index, end });
      index = end;
      continue;
    }
    if (code === 46 && text.startsWith('...', index)) {
      tokens.push({ kind: 'punct', start: index, end: index + 3 });
      index += 3;
      continue;
    }
    tokens.push({ kind: 'punct', start: index, end: index + 1 });
    index++;
  }
  return tokens;
}

function skipLineComment(text: string, index: number): number {
  // A backslash at the end of a // comment continues it (translation phase 2).
  for (;;) {
    const newline = text.indexOf('\n', index);
    if (newline === -1) return text.length;
    let before = newline - 1;
    if (text.charCodeAt(before) === 13) before--;
    if (text.charCodeAt(before) !== 92) return newline;
    index = newline + 1;
  }
}

/** The end of a preprocessor directive: its last unescaped newline, comments spanning lines included. */
function skipDirective(text: string, index: number): number {
  const length = text.length;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code === 10) return index;
    if (code === 92 && (text.charCodeAt(index + 1) === 10 || (text.charCodeAt(index + 1) === 13 && text.charCodeAt(index + 2) === 10))) {
      index += text.charCodeAt(index + 1) === 13 ? 3 : 2;
      continue;
    }
    if (code === 47 && text.charCodeAt(index + 1) === 42) {
      const close = text.indexOf('*/', index + 2);
      index = close === -1 ? length : close + 2;
      continue;
    }
    if (code === 47 && text.charCodeAt(index + 1) === 47) return skipLineComment(text, index);
    if (code === 34 || code === 39) {
      index = skipQuoted(text, index, code);
      continue;
    }
    index++;
  }
  return length;
}

/** The end of a string or character literal opened at `index`; an unterminated one ends at its line's end. */
function skipQuoted(text: string, index: number, quote: number): number {
  const length = text.length;
  let cursor = index + 1;
  while (cursor < length) {
    const code = text.charCodeAt(cursor);
    if (code === quote) return cursor + 1;
    if (code === 10) return cursor;
    cursor += code === 92 ? 2 : 1;
  }
  return length;
}

/** The index of the token closing the bracket opened by tokens[open], or -1. */
function matchingClose(text: string, tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let index = open; index < tokens.length; index++) {
    const token = tokens[index];
    if (token.kind !== 'punct') continue;
    const code = text.charCodeAt(token.start);
    if (code === 40 || code === 91 || code === 123) depth++;
    else if (code === 41 || code === 93 || code === 125) {
      depth--;
      if (depth === 0) return code === 41 ? index : -1;
    }
  }
  return -1;
}

function isPunct(text: string, token: Token | undefined, char: string): boolean {
  return token !== undefined && token.kind === 'punct' && token.end - token.start === char.length && text.startsWith(char, token.start);
}

function wordOf(text: string, token: Token | undefined): string | undefined {
  return token?.kind === 'word' ? text.slice(token.start, token.end) : undefined;
}

/** An iterator macro by the kernel's naming (`list_for_each_entry`, `for_each_sg`, `rdev_for_each`). */
function isIteratorName(name: string): boolean {
  return /(?:^|_)for_each(?:_|$)/.test(name);
}

/** The rewritten text: same length, same line breaks, same position of every token it keeps. */
export function rewriteKernelMacros(text: string): string {
  return rewriteTokens(text, tokenize(text));
}

function rewriteTokens(text: string, tokens: readonly Token[]): string {
  const out: string[] = [];
  let copied = 0;
  const replace = (start: number, end: number, replacement: string) => {
    if (start < copied) return;
    out.push(text.slice(copied, start), replacement);
    copied = end;
  };
  const blank = (start: number, end: number) => {
    const slice = text.slice(start, end);
    // Only ASCII is replaced, so UTF-8 byte offsets are kept too; line breaks stay.
    for (let index = 0; index < slice.length; index++) if (slice.charCodeAt(index) > 127) return;
    replace(start, end, slice.replace(/[^\r\n]/g, ' '));
  };

  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    const word = wordOf(text, token);
    if (word !== undefined) {
      // A member named like an annotation (`p->noinline`) is a name, not an annotation.
      const member = isPunct(text, tokens[index - 1], '.') || (isPunct(text, tokens[index - 1], '>') && isPunct(text, tokens[index - 2], '-'));
      if (ANNOTATION_WORDS.has(word) && !member) {
        blank(token.start, token.end);
        continue;
      }
      if (ANNOTATION_CALLS.has(word) && isPunct(text, tokens[index + 1], '(')) {
        const close = matchingClose(text, tokens, index + 1);
        if (close !== -1) {
          blank(token.start, tokens[close].end);
          index = close;
        }
        continue;
      }
      if (/^(?:DECLARE|DEFINE)_[A-Z0-9_]+$/.test(word) && isPunct(text, tokens[index + 1], '(')) {
        const close = matchingClose(text, tokens, index + 1);
        if (close !== -1 && isPunct(text, tokens[close + 1], ';')) blankConstQualifiers(text, tokens, index, blank);
        continue;
      }
      if (word === 'offsetof' && isPunct(text, tokens[index + 1], '(')) {
        const close = matchingClose(text, tokens, index + 1);
        if (close !== -1 && offsetofNeedsCall(text, tokens, index + 1, close)) replace(token.start, token.start + 1, 'O');
        continue;
      }
      if (isIteratorName(word) && word.length >= 5 && isPunct(text, tokens[index + 1], '(')) {
        const close = matchingClose(text, tokens, index + 1);
        if (close !== -1 && iteratorNeedsLoop(text, tokens, index, close)) replace(token.start, token.end, 'while'.padEnd(word.length, ' '));
        continue;
      }
      if (!KEYWORDS.has(word)) {
        const run = stringRun(text, tokens, index);
        if (run > index) {
          for (let inRun = index; inRun <= run; inRun++) if (tokens[inRun].kind === 'word') blank(tokens[inRun].start, tokens[inRun].end);
          index = run;
        }
      }
      continue;
    }
    if (token.kind === 'string') {
      const run = stringRun(text, tokens, index);
      for (let inRun = index + 1; inRun <= run; inRun++) if (tokens[inRun].kind === 'word') blank(tokens[inRun].start, tokens[inRun].end);
      index = Math.max(index, run);
      continue;
    }
    if (isPunct(text, token, '...') && inCaseLabel(text, tokens, index)) replace(token.start, token.end, '|| ');
  }
  out.push(text.slice(copied));
  return out.join('');
}

/**
 * From tokens[start], the last index of a run of words and string literals with at least one of
 * each, words not keywords, the last word not followed by `(` (a call is no string macro).
 * Returns `start` when there is no such run.
 */
function stringRun(text: string, tokens: readonly Token[], start: number): number {
  let last = start - 1;
  let strings = 0;
  let words = 0;
  for (let index = start; index < tokens.length; index++) {
    const token = tokens[index];
    if (token.kind === 'string') strings++;
    else if (token.kind === 'word' && !KEYWORDS.has(text.slice(token.start, token.end)) && !isPunct(text, tokens[index + 1], '(')) words++;
    else break;
    last = index;
  }
  // A word just before the run's first token that belongs to an expression (`x.name "y"`) never
  // occurs in valid C; a run that ends on a word followed by `(` stopped before it above.
  if (strings === 0 || words === 0) return start;
  // A member access before the run (`p->name "x"`) is not a string macro.
  const before = tokens[start - 1];
  if (isPunct(text, before, '.') || (isPunct(text, before, '>') && isPunct(text, tokens[start - 2], '-'))) return start;
  return last;
}

/**
 * `static const DECLARE_TLV_DB_RANGE(name, 0, 0, TLV_DB_SCALE_ITEM(…), …);`: a declaration macro
 * after `const` parses as a type with an ERROR inside, and a long one sends tree-sitter's error
 * recovery into a block that swallows every later function of the file (sound/soc/codecs). Its
 * `static`/`const` qualifiers are blanked, so it parses as the call it is. Only with `const`:
 * the registration macros the analyses read (`static DEFINE_TIMER(t, fn);`, `DECLARE_WORK`)
 * declare objects the kernel writes, never const, and keep the shape they had.
 */
function blankConstQualifiers(text: string, tokens: readonly Token[], macro: number, blank: (start: number, end: number) => void): void {
  let first = macro;
  while (first > 0 && ['static', 'const'].includes(wordOf(text, tokens[first - 1]) ?? '')) first--;
  if (first === macro || !tokens.slice(first, macro).some((token) => wordOf(text, token) === 'const')) return;
  const before = tokens[first - 1];
  if (before !== undefined && !isPunct(text, before, ';') && !isPunct(text, before, '}') && !isPunct(text, before, '{')) return;
  for (let index = first; index < macro; index++) blank(tokens[index].start, tokens[index].end);
}

/** `offsetof(type, member)` with a member designator tree-sitter-c does not accept (`a.b`, `a[0]`). */
function offsetofNeedsCall(text: string, tokens: readonly Token[], open: number, close: number): boolean {
  let depth = 0;
  let afterComma = false;
  for (let index = open + 1; index < close; index++) {
    const token = tokens[index];
    if (isPunct(text, token, '(') || isPunct(text, token, '[')) depth++;
    if (isPunct(text, token, ')') || isPunct(text, token, ']')) depth--;
    if (depth === 0 && isPunct(text, token, ',')) afterComma = true;
    else if (afterComma && (isPunct(text, token, '.') || isPunct(text, token, '['))) return true;
  }
  return false;
}

/**
 * An iterator call at the start of a statement that is not a call statement (no `;` after it):
 * its body is a single statement, or it is itself the unbraced body of if/else/for/while.
 */
function iteratorNeedsLoop(text: string, tokens: readonly Token[], name: number, close: number): boolean {
  const before = tokens[name - 1];
  const beforeWord = wordOf(text, before);
  const atStatementStart =
    before === undefined ||
    isPunct(text, before, ';') ||
    isPunct(text, before, '{') ||
    isPunct(text, before, '}') ||
    isPunct(text, before, ':') ||
    isPunct(text, before, ')') ||
    beforeWord === 'else' ||
    beforeWord === 'do';
  if (!atStatementStart) return false;
  const after = tokens[close + 1];
  if (after === undefined) return false;
  if (after.kind === 'punct' && !isPunct(text, after, '{') && !isPunct(text, after, '(') && !isPunct(text, after, '*')) return false;
  // An unbraced body of a statement (`if (x) list_for_each_entry(…) {…}`): tree-sitter would
  // close the if at the macro call and leave the block outside it.
  const nested = isPunct(text, before, ')') || beforeWord === 'else' || beforeWord === 'do';
  return nested || !isPunct(text, after, '{');
}

/** A `...` between `case` and its `:` on the same statement. */
function inCaseLabel(text: string, tokens: readonly Token[], dots: number): boolean {
  for (let index = dots - 1; index >= 0 && dots - index < 64; index--) {
    const token = tokens[index];
    if (isPunct(text, token, ';') || isPunct(text, token, '{') || isPunct(text, token, '}') || isPunct(text, token, ':')) return false;
    if (wordOf(text, token) === 'case') return true;
  }
  return false;
}

/**
 * A text with its rewrite and its cut points: the line starts where the rewrite of what follows
 * does not depend on what precedes. A cut point is a line start that no comment, literal or
 * directive spans, where the bracket depth (every `(`, `[`, `{` against every `)`, `]`, `}`) is 0
 * and has never been negative, and whose previous token is `;` or `}` (or none). Every decision of
 * the rewrite looks back at most to such a token (a member access, a statement start, `static
 * const`, a case label) and forward at most to the bracket that closes its own (annotation
 * arguments, iterator and offsetof calls) or the `;` ending its statement (string runs), so the
 * rewrite between two cut points reads only the text between them.
 */
export interface RewrittenText {
  readonly text: string;
  readonly rewritten: string;
  /** Sorted offsets; 0 is always one. */
  readonly cuts: readonly number[];
}

/** rewriteKernelMacros() with the cut points of the text. */
export function rewriteWithCuts(text: string): RewrittenText {
  const window = rewriteWindow(text);
  return { text, rewritten: window.rewritten, cuts: [0, ...window.cuts] };
}

/** The rewrite of `text` alone, its cut points after offset 0 and whether its end is one. */
function rewriteWindow(text: string): { rewritten: string; cuts: number[]; endIsCut: boolean } {
  const lineBreaks: { offset: number; tokens: number }[] = [];
  const tokens = tokenize(text, lineBreaks);
  // The bracket depth at each line start, counted over the tokens before it; never negative so far.
  const cuts: number[] = [];
  let depth = 0;
  let everNegative = false;
  let token = 0;
  let endIsCut = false;
  for (const { offset, tokens: before } of lineBreaks) {
    for (; token < before; token++) {
      const { kind, start, end } = tokens[token];
      if (kind !== 'punct' || end - start !== 1) continue;
      const code = text.charCodeAt(start);
      if (code === 40 || code === 91 || code === 123) depth++;
      else if (code === 41 || code === 93 || code === 125) {
        depth--;
        if (depth < 0) everNegative = true;
      }
    }
    if (everNegative) break;
    if (depth !== 0) continue;
    const last = before > 0 ? tokens[before - 1] : undefined;
    if (last && !isPunct(text, last, ';') && !isPunct(text, last, '}')) continue;
    if (offset === text.length) endIsCut = true;
    else cuts.push(offset);
  }
  return { rewritten: rewriteTokens(text, tokens), cuts, endIsCut };
}

/**
 * The rewrite of `previous.text` with [start, oldEnd) replaced by `inserted`, recomputing only
 * between the cut points around the change (further ones while the new text between them does not
 * end on a cut point: an unclosed comment or bracket reaches on, up to the end of the text). Equal
 * to rewriteWithCuts() of the new text (test/unit/kernelMacros.test.ts checks it on random edits).
 * `window` is where the rewritten texts differ at most: [from, oldTo) of the old, [from, newTo) of the new.
 */
export function rewriteChange(previous: RewrittenText, start: number, oldEnd: number, inserted: string): RewrittenText & { window: { from: number; oldTo: number; newTo: number } } {
  const text = previous.text.slice(0, start) + inserted + previous.text.slice(oldEnd);
  const delta = inserted.length - (oldEnd - start);
  const { cuts } = previous;
  // The last cut at or before the change: the text before it is unchanged, so it still is one.
  let first = 0;
  for (let low = 0, high = cuts.length - 1; low <= high;) {
    const middle = (low + high) >> 1;
    if (cuts[middle] <= start) {
      first = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  const from = cuts[first];
  // The first cut after the change, then further ones (twice as far each time) until the new
  // text between them ends on a cut point too: then the text after it rewrites as before.
  let next = first + 1;
  while (next < cuts.length && cuts[next] <= oldEnd) next++;
  for (let step = 1; ; step *= 2) {
    const oldTo = next < cuts.length ? cuts[next] : previous.text.length;
    const newTo = oldTo + delta;
    const window = rewriteWindow(text.slice(from, newTo));
    if (next < cuts.length && !window.endIsCut) {
      next += step;
      continue;
    }
    const newCuts = [...cuts.slice(0, first + 1), ...window.cuts.map((cut) => cut + from)];
    if (next < cuts.length) {
      newCuts.push(newTo);
      for (let index = next + 1; index < cuts.length; index++) newCuts.push(cuts[index] + delta);
    }
    const rewritten = previous.rewritten.slice(0, from) + window.rewritten + previous.rewritten.slice(oldTo);
    return { text, rewritten, cuts: newCuts, window: { from, oldTo, newTo } };
  }
}
