/**
 * VibeGuard's assert language: a tokenizer, a recursive-descent parser and an evaluator (no `eval`, no `Function`).
 *
 * Grammar, loosest binding first (all binary operators associate left; comparisons do not chain):
 * ```
 * or      := and ('||' and)*
 * and     := compare ('&&' compare)*
 * compare := sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum)?
 * sum     := product (('+' | '-') product)*
 * product := unary (('*' | '/') unary)*
 * unary   := ('!' | '-') unary | primary
 * primary := number | "string" | 'string' | true | false | identifier | '(' or ')'
 * ```
 * Identifiers name values grok extracted (always text). A comparison is numeric when both sides read as numbers and
 * textual otherwise; `+ - * /` need numbers, and a division by zero is 0 (as VibeGuard's). `&& || !` and the final
 * result read any value as a condition, as VibeGuard does: `false`, `"false"`, `""` and zero are false, anything else
 * is true (`!issues`, a bare `count`).
 *
 * VibeGuard's own parser stops at the first token it does not know and ignores the rest (`a == 1 # note` is
 * `a == 1`, `a = 1` is `a`) and reads an unterminated string to the end; {@link parseVibeguardAssert} reads
 * VibeGuard files that way, so they behave as they did, and says what it tolerated.
 */

import { evaluateAst } from './match-core.js';

/** A node of a parsed assert expression. `col` is the 1-based column in the expression text. */
export type AssertNode =
  | { type: 'number'; value: number; col: number }
  | { type: 'string'; value: string; col: number }
  | { type: 'boolean'; value: boolean; col: number }
  | { type: 'identifier'; name: string; col: number }
  | { type: 'unary'; op: '!' | '-'; operand: AssertNode; col: number }
  | { type: 'binary'; op: BinaryOperator; left: AssertNode; right: AssertNode; col: number };

/** Binary operators of the language. */
export type BinaryOperator = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/';

/** The result of {@link parseAssert}. */
export type ParseAssertResult = { ok: true; ast: AssertNode } | { ok: false; error: string; col: number };

/**
 * The result of {@link evaluateAssert}; `missing` names the identifier grok did not extract, when that is why;
 * `vibeguard` is VibeGuard's words for an evaluation error it also reports (`arithmetic requires numeric operands,
 * got left="abc" right="1"`).
 */
export type EvaluateAssertResult = { ok: true; value: boolean } | { ok: false; error: string; missing?: string; vibeguard?: string };

type Token =
  | { kind: 'number'; value: number; text: string; col: number }
  | { kind: 'string'; value: string; col: number }
  | { kind: 'identifier'; name: string; col: number }
  | { kind: 'operator'; op: string; col: number }
  | { kind: 'end'; col: number };

class AssertSyntaxError extends Error {
  constructor(
    message: string,
    readonly col: number,
    /** The same error in VibeGuard's words, when its parser reports it (a VibeGuard file's assert). */
    readonly vibeguard?: string,
  ) {
    super(message);
  }
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '(', ')'] as const;
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const MAX_DEPTH = 64;
const MAX_TOKENS = 1000;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] ?? '';
    const col = i + 1;
    if (/\s/.test(char)) {
      i += 1;
      continue;
    }
    const number = /^(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (number !== null) {
      const after = text[i + number[0].length];
      if (after !== undefined && /[A-Za-z_]/.test(after)) {
        throw new AssertSyntaxError(`invalid number "${number[0]}${after}"`, col);
      }
      tokens.push({ kind: 'number', value: Number(number[0]), text: number[0], col });
      i += number[0].length;
      continue;
    }
    const identifier = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (identifier !== null) {
      tokens.push({ kind: 'identifier', name: identifier[0], col });
      i += identifier[0].length;
      continue;
    }
    if (char === '"' || char === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        const c = text[j];
        if (c === undefined) throw new AssertSyntaxError(`unterminated string starting with ${char}`, col);
        if (c === char) break;
        if (c === '\\') {
          const escaped = text[j + 1];
          if (escaped === undefined) throw new AssertSyntaxError(`unterminated string starting with ${char}`, col);
          value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
          j += 2;
          continue;
        }
        value += c;
        j += 1;
      }
      tokens.push({ kind: 'string', value, col });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
    if (op !== undefined) {
      tokens.push({ kind: 'operator', op, col });
      i += op.length;
      continue;
    }
    const hint =
      char === '=' ? ' (use == to compare)' : char === '&' ? ' (use &&)' : char === '|' ? ' (use ||)' : '';
    throw new AssertSyntaxError(`unexpected character "${char}"${hint}`, col);
  }
  tokens.push({ kind: 'end', col: text.length + 1 });
  return tokens;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): AssertNode {
    const node = this.or();
    const next = this.peek();
    if (next.kind !== 'end') throw new AssertSyntaxError(`unexpected ${describe(next)}`, next.col);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? { kind: 'end', col: 1 };
  }

  private isOperator(...ops: string[]): string | undefined {
    const token = this.peek();
    return token.kind === 'operator' && ops.includes(token.op) ? token.op : undefined;
  }

  private or(): AssertNode {
    let left = this.and();
    while (this.isOperator('||') !== undefined) {
      const col = this.peek().col;
      this.index += 1;
      left = { type: 'binary', op: '||', left, right: this.and(), col };
    }
    return left;
  }

  private and(): AssertNode {
    let left = this.compare();
    while (this.isOperator('&&') !== undefined) {
      const col = this.peek().col;
      this.index += 1;
      left = { type: 'binary', op: '&&', left, right: this.compare(), col };
    }
    return left;
  }

  private compare(): AssertNode {
    const left = this.sum();
    const op = this.isOperator(...COMPARISONS);
    if (op === undefined) return left;
    const col = this.peek().col;
    this.index += 1;
    const node: AssertNode = { type: 'binary', op: op as BinaryOperator, left, right: this.sum(), col };
    const again = this.isOperator(...COMPARISONS);
    if (again !== undefined) {
      throw new AssertSyntaxError(`comparisons cannot be chained: combine them with && or ||`, this.peek().col);
    }
    return node;
  }

  private sum(): AssertNode {
    let left = this.product();
    for (let op = this.isOperator('+', '-'); op !== undefined; op = this.isOperator('+', '-')) {
      const col = this.peek().col;
      this.index += 1;
      left = { type: 'binary', op: op as BinaryOperator, left, right: this.product(), col };
    }
    return left;
  }

  private product(): AssertNode {
    let left = this.unary();
    for (let op = this.isOperator('*', '/'); op !== undefined; op = this.isOperator('*', '/')) {
      const col = this.peek().col;
      this.index += 1;
      left = { type: 'binary', op: op as BinaryOperator, left, right: this.unary(), col };
    }
    return left;
  }

  private unary(): AssertNode {
    const op = this.isOperator('!', '-');
    if (op === undefined) return this.primary();
    const col = this.peek().col;
    this.index += 1;
    return this.nested(col, () => ({ type: 'unary', op: op as '!' | '-', operand: this.unary(), col }));
  }

  private primary(): AssertNode {
    const token = this.peek();
    switch (token.kind) {
      case 'number':
        this.index += 1;
        return { type: 'number', value: token.value, col: token.col };
      case 'string':
        this.index += 1;
        return { type: 'string', value: token.value, col: token.col };
      case 'identifier':
        this.index += 1;
        if (token.name === 'true' || token.name === 'false') {
          return { type: 'boolean', value: token.name === 'true', col: token.col };
        }
        return { type: 'identifier', name: token.name, col: token.col };
      case 'operator':
        if (token.op === '(') {
          this.index += 1;
          const inner = this.nested(token.col, () => this.or());
          const close = this.peek();
          if (close.kind !== 'operator' || close.op !== ')') {
            throw new AssertSyntaxError(`expected ")" to close "(" at column ${token.col}, found ${describe(close)}`, close.col);
          }
          this.index += 1;
          return inner;
        }
        throw new AssertSyntaxError(`expected a value, found ${describe(token)}`, token.col);
      case 'end':
        throw new AssertSyntaxError('unexpected end of expression', token.col);
    }
  }

  private nested<T>(col: number, parse: () => T): T {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) throw new AssertSyntaxError(`expression nested deeper than ${MAX_DEPTH} levels`, col);
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'number':
      return `number ${token.text}`;
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'identifier':
      return `"${token.name}"`;
    case 'operator':
      return `"${token.op}"`;
    case 'end':
      return 'end of expression';
  }
}

/**
 * Parses an assert expression. Errors carry the 1-based column in `expression` where parsing stopped.
 *
 * @example
 * ```ts
 * import { parseAssert } from 'fanout/config';
 * parseAssert('coverage >= 80 && verdict == "PASS"').ok; // true
 * parseAssert('coverage >= '); // { ok: false, error: 'unexpected end of expression', col: 13 }
 * ```
 */
export function parseAssert(expression: string): ParseAssertResult {
  if (typeof expression !== 'string') return { ok: false, error: 'expression must be a string', col: 1 };
  try {
    const tokens = tokenize(expression);
    if (tokens.length === 1) return { ok: false, error: 'empty expression', col: 1 };
    // Bounds the AST's depth, so evaluation cannot exhaust the stack whatever the input.
    const tooMany = tokens[MAX_TOKENS];
    if (tooMany !== undefined) return { ok: false, error: `expression longer than ${MAX_TOKENS} tokens`, col: tooMany.col };
    return { ok: true, ast: new Parser(tokens).parse() };
  } catch (error: unknown) {
    if (error instanceof AssertSyntaxError) return { ok: false, error: error.message, col: error.col };
    throw error;
  }
}

/**
 * The identifiers an expression reads, in order, without repeats (`true` and `false` are literals, not identifiers).
 *
 * @example
 * ```ts
 * import { assertIdentifiers, parseAssert } from 'fanout/config';
 * const parsed = parseAssert('score <= 15 || func == "main"');
 * parsed.ok && assertIdentifiers(parsed.ast); // ['score', 'func']
 * ```
 */
export function assertIdentifiers(ast: AssertNode): string[] {
  const names: string[] = [];
  const visit = (node: AssertNode): void => {
    if (node.type === 'identifier') {
      if (!names.includes(node.name)) names.push(node.name);
    } else if (node.type === 'unary') visit(node.operand);
    else if (node.type === 'binary') {
      visit(node.left);
      visit(node.right);
    }
  };
  visit(ast);
  return names;
}

/**
 * Evaluates an expression (text or a parsed AST) against the values grok extracted. An identifier without a value
 * fails the evaluation and is named in `missing` (VibeGuard silently read it as "").
 *
 * @example
 * ```ts
 * import { evaluateAssert } from 'fanout/config';
 * evaluateAssert('coverage >= 70', { coverage: '71.5' }); // { ok: true, value: true }
 * evaluateAssert('coverage >= 70', {}); // { ok: false, error: '"coverage" has no value: grok did not extract it', missing: 'coverage' }
 * ```
 */
export function evaluateAssert(expression: string | AssertNode, values: Readonly<Record<string, string>>): EvaluateAssertResult {
  let ast: AssertNode;
  if (typeof expression === 'string') {
    const parsed = parseAssert(expression);
    if (!parsed.ok) return { ok: false, error: `syntax error at column ${parsed.col}: ${parsed.error}` };
    ast = parsed.ast;
  } else ast = expression;
  return evaluateAst(ast, values);
}

/** The result of {@link parseVibeguardAssert}. */
export type VibeguardAssertResult =
  | {
      ok: true;
      ast: AssertNode;
      /** The expression in this module's syntax (what fanout's parser reads back as `ast`). */
      canonical: string;
      /** What VibeGuard's parser tolerated (ignored text, an unterminated string), for warnings; empty when nothing. */
      tolerated: string[];
    }
  | {
      ok: false;
      error: string;
      col: number;
      /**
       * VibeGuard's own report of the error, as its binary prints it when the check runs: `parse error in assertion
       * "a >": unexpected token "" at position 3`, then the expression and a caret under the position.
       */
      vibeguard: string;
    };

type VgToken = { kind: 'number' | 'string' | 'identifier' | 'boolean' | 'operator' | 'illegal' | 'end'; text: string; col: number; unterminated?: boolean };

/** VibeGuard's lexer: byte by byte, no escapes in strings, an unknown character is an "illegal" token. */
function vibeguardTokens(text: string): VgToken[] {
  const tokens: VgToken[] = [];
  let i = 0;
  const isLetter = (c: string | undefined): boolean => c !== undefined && /^\p{L}$/u.test(c) && c.length === 1;
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  while (tokens.length <= MAX_TOKENS) {
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i += 1;
    const col = i + 1;
    const c = text[i];
    if (c === undefined) {
      tokens.push({ kind: 'end', text: '', col });
      return tokens;
    }
    const two = text.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      tokens.push({ kind: 'operator', text: two, col });
      i += 2;
    } else if ('+-*/()!<>'.includes(c)) {
      tokens.push({ kind: 'operator', text: c, col });
      i += 1;
    } else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      tokens.push({ kind: 'string', text: text.slice(i + 1, end === -1 ? text.length : end), col, unterminated: end === -1 });
      i = end === -1 ? text.length : end + 1;
    } else if (isLetter(c)) {
      let j = i;
      while (isLetter(text[j]) || isDigit(text[j]) || text[j] === '_') j += 1;
      const word = text.slice(i, j);
      tokens.push({ kind: word === 'true' || word === 'false' ? 'boolean' : 'identifier', text: word, col });
      i = j;
    } else if (isDigit(c)) {
      let j = i;
      while (isDigit(text[j])) j += 1;
      if (text[j] === '.' && isDigit(text[j + 1])) {
        j += 1;
        while (isDigit(text[j])) j += 1;
      }
      tokens.push({ kind: 'number', text: text.slice(i, j), col });
      i = j;
    } else {
      tokens.push({ kind: 'illegal', text: c, col });
      i += 1;
    }
  }
  tokens.push({ kind: 'end', text: '', col: text.length + 1 });
  return tokens;
}

const VG_PRECEDENCE: Readonly<Record<string, number>> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, '+': 4, '-': 4, '*': 5, '/': 5 };
const VG_UNARY = 6;

/**
 * Parses an assert as VibeGuard's parser does (a Pratt parser: comparisons chain left to right, the first token it
 * does not know ends the expression and the rest is ignored, a string runs to the end when unterminated) and writes
 * it back in this module's syntax, so a VibeGuard file evaluates as it did under VibeGuard.
 *
 * @example
 * ```ts
 * import { parseVibeguardAssert } from 'fanout';
 * const result = parseVibeguardAssert('coverage >= 80 # the floor');
 * result.ok && result.canonical; // '(coverage >= 80)'
 * result.ok && result.tolerated; // ['"# the floor" after the expression is ignored']
 * ```
 */
export function parseVibeguardAssert(expression: string): VibeguardAssertResult {
  if (typeof expression !== 'string') return { ok: false, error: 'expression must be a string', col: 1, vibeguard: 'expression must be a string' };
  const tokens = vibeguardTokens(expression);
  let index = 0;
  let depth = 0;
  const tolerated: string[] = [];
  const peek = (): VgToken => tokens[index] ?? { kind: 'end', text: '', col: expression.length + 1 };
  const precedence = (token: VgToken): number => (token.kind === 'operator' ? (VG_PRECEDENCE[token.text] ?? 0) : 0);
  const expr = (level: number): AssertNode => {
    depth += 1;
    if (depth > MAX_DEPTH) throw new AssertSyntaxError(`expression nested deeper than ${MAX_DEPTH} levels`, peek().col);
    try {
      let left = prefix();
      while (peek().kind !== 'end' && level < precedence(peek())) {
        const op = peek();
        index += 1;
        left = { type: 'binary', op: op.text as BinaryOperator, left, right: expr(precedence(op)), col: op.col };
      }
      return left;
    } finally {
      depth -= 1;
    }
  };
  const prefix = (): AssertNode => {
    const token = peek();
    index += 1;
    switch (token.kind) {
      case 'number':
        return { type: 'number', value: Number(token.text), col: token.col };
      case 'string':
        if (token.unterminated === true) tolerated.push(`the string starting at column ${token.col} is not closed (read to the end)`);
        return { type: 'string', value: token.text, col: token.col };
      case 'boolean':
        return { type: 'boolean', value: token.text === 'true', col: token.col };
      case 'identifier':
        return { type: 'identifier', name: token.text, col: token.col };
      case 'operator':
        if (token.text === '(') {
          const inner = expr(0);
          const close = peek();
          if (close.kind !== 'operator' || close.text !== ')') {
            throw new AssertSyntaxError(`expected ")" at column ${close.col}, found ${close.kind === 'end' ? 'end of expression' : JSON.stringify(close.text)}`, close.col, `expected ')' at position ${close.col - 1}, got ${JSON.stringify(close.text)}`);
          }
          index += 1;
          return inner;
        }
        if (token.text === '!' || token.text === '-') return { type: 'unary', op: token.text, operand: expr(VG_UNARY), col: token.col };
        throw new AssertSyntaxError(`unexpected token ${JSON.stringify(token.text)}`, token.col, unexpected(token));
      default:
        throw new AssertSyntaxError(token.kind === 'end' ? 'unexpected end of expression' : `unexpected token ${JSON.stringify(token.text)}`, token.col, unexpected(token));
    }
  };
  try {
    if (tokens.length > MAX_TOKENS) {
      const error = `expression longer than ${MAX_TOKENS} tokens`;
      return { ok: false, error, col: 1, vibeguard: vibeguardParseError(expression, error, 0) };
    }
    const ast = expr(0);
    const rest = peek();
    if (rest.kind !== 'end') tolerated.push(`${JSON.stringify(expression.slice(rest.col - 1).trim())} after the expression is ignored`);
    return { ok: true, ast, canonical: printAssert(ast), tolerated };
  } catch (error: unknown) {
    if (error instanceof AssertSyntaxError) {
      return { ok: false, error: error.message, col: error.col, vibeguard: vibeguardParseError(expression, error.vibeguard ?? error.message, error.col - 1) };
    }
    throw error;
  }
}

/** VibeGuard's words for a token its parser did not expect (its position counts from 0). */
function unexpected(token: VgToken): string {
  return `unexpected token ${JSON.stringify(token.text)} at position ${token.col - 1}`;
}

/** VibeGuard's parse error: the message, then the expression and a caret one column before `position`, as it prints them. */
function vibeguardParseError(expression: string, message: string, position: number): string {
  const caret = `${' '.repeat(Math.max(0, Math.min(position - 1, expression.length)))}^`;
  return `parse error in assertion ${JSON.stringify(expression)}: ${message}\n  ${expression}\n  ${caret}`;
}

/** Writes an AST in this module's syntax, fully parenthesised (so VibeGuard's chained comparisons read back alike). */
export function printAssert(node: AssertNode): string {
  switch (node.type) {
    case 'number':
      return String(node.value);
    case 'string':
      return `"${node.value.replace(/[\\"\n\t]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\${c}`))}"`;
    case 'boolean':
      return String(node.value);
    case 'identifier':
      return node.name;
    case 'unary':
      return `${node.op}(${printAssert(node.operand)})`;
    case 'binary':
      return `(${printAssert(node.left)} ${node.op} ${printAssert(node.right)})`;
  }
}
