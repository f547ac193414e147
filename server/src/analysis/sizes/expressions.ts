// A small parser for C constant expressions given as text. Macro bodies reach us as raw text
// (tree-sitter's preproc_arg), so sizes and GFP masks are evaluated from text in both cases.

export type Expr =
  | { kind: 'number'; value: number; text: string }
  | { kind: 'name'; name: string }
  | { kind: 'unary'; op: string; operand: Expr }
  | { kind: 'binary'; op: string; left: Expr; right: Expr }
  | { kind: 'ternary'; condition: Expr; then: Expr; otherwise: Expr }
  | { kind: 'call'; callee: string; args: Expr[] }
  | { kind: 'cast'; type: string; operand: Expr }
  | { kind: 'sizeof'; type?: string; operand?: Expr }
  | { kind: 'member'; object: Expr; member: string; arrow: boolean }
  | { kind: 'index'; object: Expr; index: Expr };

type Token = { kind: 'number' | 'name' | 'punct' | 'char'; text: string };

const PUNCTUATORS = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '->', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '(', ')', '?', ':', ',', '.', '[', ']'];

export function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const rest = text.slice(index);
    const space = /^(\s+|\/\*[\s\S]*?\*\/|\/\/[^\n]*|\\\n)/.exec(rest);
    if (space) {
      index += space[0].length;
      continue;
    }
    const number = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)([uUlL]*)/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0] });
      index += number[0].length;
      continue;
    }
    const char = /^'(\\.|[^'\\])'/.exec(rest);
    if (char) {
      tokens.push({ kind: 'char', text: char[0] });
      index += char[0].length;
      continue;
    }
    const name = /^[A-Za-z_]\w*/.exec(rest);
    if (name) {
      tokens.push({ kind: 'name', text: name[0] });
      index += name[0].length;
      continue;
    }
    const punct = PUNCTUATORS.find((candidate) => rest.startsWith(candidate));
    if (!punct) return undefined;
    tokens.push({ kind: 'punct', text: punct });
    index += punct.length;
  }
  return tokens;
}

const BINARY_PRECEDENCE: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

const TYPE_WORDS = new Set(['unsigned', 'signed', 'int', 'long', 'short', 'char', 'void', 'struct', 'union', 'enum', 'const', 'volatile', 'float', 'double', '_Bool', 'bool']);

function parseNumber(text: string): number | undefined {
  const digits = text.replace(/[uUlL]+$/, '');
  let value: number;
  if (/^0[xX]/.test(digits)) value = parseInt(digits.slice(2), 16);
  else if (/^0[bB]/.test(digits)) value = parseInt(digits.slice(2), 2);
  else if (/^0\d/.test(digits)) value = parseInt(digits.slice(1), 8);
  else value = parseInt(digits, 10);
  return Number.isSafeInteger(value) ? value : undefined;
}

function charValue(text: string): number {
  const body = text.slice(1, -1);
  if (!body.startsWith('\\')) return body.charCodeAt(0);
  const escapes: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11 };
  return escapes[body[1]] ?? body.charCodeAt(1);
}

/**
 * Parses a whole expression; undefined when the text is not one (statements, string literals,
 * GNU statement expressions: we stay silent on those).
 */
export function parseExpression(text: string, isTypeName: (name: string) => boolean = () => false): Expr | undefined {
  const tokenized = tokenize(text);
  if (!tokenized || tokenized.length === 0) return undefined;
  const tokens: Token[] = tokenized;
  let position = 0;
  const peek = (offset = 0): Token | undefined => tokens[position + offset];
  const take = (): Token => tokens[position++];
  const accept = (text: string): boolean => {
    if (peek()?.text === text) {
      position++;
      return true;
    }
    return false;
  };
  const looksLikeType = (offset: number): boolean => {
    const token = peek(offset);
    return token?.kind === 'name' && (TYPE_WORDS.has(token.text) || isTypeName(token.text));
  };
  // A type name inside parentheses: words, then '*'s, up to ')'.
  const readTypeName = (): string | undefined => {
    const words: string[] = [];
    while (peek() && peek()!.text !== ')') {
      const token = take();
      if (token.kind !== 'name' && token.text !== '*' && token.text !== '[' && token.text !== ']' && token.kind !== 'number') return undefined;
      words.push(token.text);
    }
    return words.join(' ').replace(/ \*/g, '*').replace(/\* /g, '*');
  };

  function primary(): Expr | undefined {
    const token = peek();
    if (!token) return undefined;
    if (token.kind === 'number') {
      take();
      const value = parseNumber(token.text);
      return value === undefined ? undefined : { kind: 'number', value, text: token.text };
    }
    if (token.kind === 'char') {
      take();
      return { kind: 'number', value: charValue(token.text), text: token.text };
    }
    if (token.text === '(') {
      take();
      const inner = expression();
      return inner && accept(')') ? inner : undefined;
    }
    if (token.kind === 'name') {
      take();
      if (peek()?.text === '(') {
        take();
        const args: Expr[] = [];
        if (!accept(')')) {
          do {
            const arg = looksLikeType(0) ? typeArgument() : assignmentLevel();
            if (!arg) return undefined;
            args.push(arg);
          } while (accept(','));
          if (!accept(')')) return undefined;
        }
        return { kind: 'call', callee: token.text, args };
      }
      return { kind: 'name', name: token.text };
    }
    return undefined;
  }

  // Macro arguments may be type names (`BIT_ULL(n)`, `struct_size(p, m, n)`): keep them as names.
  function typeArgument(): Expr | undefined {
    const start = position;
    const words: string[] = [];
    while (peek() && peek()!.text !== ',' && peek()!.text !== ')') words.push(take().text);
    if (words.length === 0) return undefined;
    if (words.length === 1) {
      position = start;
      return assignmentLevel();
    }
    return { kind: 'name', name: words.join(' ').replace(/ \*/g, '*') };
  }

  function postfix(): Expr | undefined {
    let node = primary();
    while (node) {
      if (accept('.') || (peek()?.text === '->' && take())) {
        const arrow = tokens[position - 1].text === '->';
        const member = take();
        if (member?.kind !== 'name') return undefined;
        node = { kind: 'member', object: node, member: member.text, arrow };
      } else if (accept('[')) {
        const index = expression();
        if (!index || !accept(']')) return undefined;
        node = { kind: 'index', object: node, index };
      } else {
        break;
      }
    }
    return node;
  }

  function unary(): Expr | undefined {
    const token = peek();
    if (!token) return undefined;
    if (token.kind === 'name' && token.text === 'sizeof') {
      take();
      if (peek()?.text === '(' && looksLikeType(1)) {
        take();
        const type = readTypeName();
        return type !== undefined && accept(')') ? { kind: 'sizeof', type } : undefined;
      }
      const operand = unary();
      return operand ? { kind: 'sizeof', operand } : undefined;
    }
    if (token.text === '(' && looksLikeType(1)) {
      take();
      const type = readTypeName();
      if (type === undefined || !accept(')')) return undefined;
      const operand = unary();
      return operand ? { kind: 'cast', type, operand } : undefined;
    }
    if (['-', '+', '~', '!', '*', '&'].includes(token.text)) {
      take();
      const operand = unary();
      return operand ? { kind: 'unary', op: token.text, operand } : undefined;
    }
    return postfix();
  }

  function binary(minPrecedence: number): Expr | undefined {
    let left = unary();
    while (left) {
      const op = peek();
      const precedence = op?.kind === 'punct' ? BINARY_PRECEDENCE[op.text] : undefined;
      if (precedence === undefined || precedence < minPrecedence) break;
      take();
      const right = binary(precedence + 1);
      if (!right) return undefined;
      left = { kind: 'binary', op: op!.text, left, right };
    }
    return left;
  }

  function assignmentLevel(): Expr | undefined {
    const condition = binary(1);
    if (!condition || !accept('?')) return condition;
    const then = expression();
    if (!then || !accept(':')) return undefined;
    const otherwise = assignmentLevel();
    return otherwise ? { kind: 'ternary', condition, then, otherwise } : undefined;
  }

  function expression(): Expr | undefined {
    return assignmentLevel();
  }

  const result = expression();
  return result && position === tokens.length ? result : undefined;
}

/** Prints an expression back as C, for explanations. */
export function printExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'number':
      return expr.text;
    case 'name':
      return expr.name;
    case 'unary':
      return `${expr.op}${printExpr(expr.operand)}`;
    case 'binary':
      return `${printExpr(expr.left)} ${expr.op} ${printExpr(expr.right)}`;
    case 'ternary':
      return `${printExpr(expr.condition)} ? ${printExpr(expr.then)} : ${printExpr(expr.otherwise)}`;
    case 'call':
      return `${expr.callee}(${expr.args.map(printExpr).join(', ')})`;
    case 'cast':
      return `(${expr.type})${printExpr(expr.operand)}`;
    case 'sizeof':
      return expr.type !== undefined ? `sizeof(${expr.type})` : `sizeof(${printExpr(expr.operand!)})`;
    case 'member':
      return `${printExpr(expr.object)}${expr.arrow ? '->' : '.'}${expr.member}`;
    case 'index':
      return `${printExpr(expr.object)}[${printExpr(expr.index)}]`;
  }
}
