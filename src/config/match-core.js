// @ts-check
/**
 * What runs on a check's output once it has ended: grok extraction and assert evaluation. Patterns run on RE2
 * (linear in the output, but a 1 GB output still takes a while) and asserts compare values as long as the output, so
 * fanout runs these in a worker thread with a deadline (./match-runner.ts); grok.ts and assert.ts run the same code
 * in the caller's thread.
 *
 * Plain JavaScript on purpose: worker threads load it with Node's own loader (no TypeScript transform), from src/
 * in the tests and from dist/ (its own tsdown entry) in the package.
 */

/** @typedef {import('./assert.js').AssertNode} AssertNode */
/** @typedef {import('./assert.js').BinaryOperator} BinaryOperator */
/** @typedef {import('./assert.js').EvaluateAssertResult} EvaluateAssertResult */
/** @typedef {number | string | boolean} Value */

/**
 * Matches every pattern against the whole text (its first match); a later pattern's field overrides an earlier one's,
 * and within one pattern a later group's (Go's regexp allows a name twice; go-grok keeps the last value). A field
 * whose group did not match, or matched empty text, is absent (never `""`), as go-grok leaves it out.
 *
 * @param {ReadonlyArray<{ regex?: import('re2js').RE2JS | undefined, v8?: RegExp | undefined, groups: ReadonlyArray<readonly [string, string]> }>} compiled
 *   each pattern on V8 (when it runs it alike) or else on RE2
 * @param {string} text
 * @param {(index: number) => void} [onPattern] told the index of each pattern before it runs
 * @returns {Record<string, string>}
 */
export function extractFields(compiled, text, onPattern) {
  /** @type {Record<string, string>} */
  const values = {};
  compiled.forEach(({ regex, v8, groups }, index) => {
    onPattern?.(index);
    /** @type {(group: string) => string | null | undefined} */
    let group;
    if (v8 !== undefined) {
      const match = v8.exec(text);
      if (match === null) return;
      group = (name) => match.groups?.[name];
    } else if (regex !== undefined) {
      const matcher = regex.matcher(text);
      if (!matcher.find()) return;
      group = (name) => matcher.group(name);
    } else return;
    for (const [name, field] of groups) {
      const value = group(name);
      if (value === null || value === undefined || value === '') continue;
      values[field] = value;
    }
  });
  return values;
}

class EvaluationError extends Error {
  /**
   * @param {string} message
   * @param {string} [missing]
   * @param {string} [vibeguard] VibeGuard's words for the same error, as its binary prints them.
   */
  constructor(message, missing, vibeguard) {
    super(message);
    this.missing = missing;
    this.vibeguard = vibeguard;
  }
}

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * @param {Value} value
 * @returns {number | undefined}
 */
function asNumber(value) {
  if (typeof value === 'number') return value;
  // Text with spaces around a number is text, as in VibeGuard (Go's ParseFloat): " 5 " == 5 compares as text.
  if (typeof value === 'string') return NUMERIC.test(value) ? Number(value) : undefined;
  return undefined;
}

/**
 * A value as a condition, as VibeGuard reads it: `true`/`"true"` are true; `false`, `"false"` and `""` are false; a
 * number (or numeric text) is true unless 0; any other text is true.
 *
 * @param {Value} value
 * @returns {boolean}
 */
function truthy(value) {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  const number = asNumber(value);
  return number === undefined ? true : number !== 0;
}

/**
 * A value as VibeGuard prints it (Go's `%v`): a number in plain decimal, never with an exponent (`strconv.FormatFloat`
 * with `'f'`, shortest digits).
 *
 * @param {Value} value
 * @returns {string}
 */
function goText(value) {
  if (typeof value !== 'number') return String(value);
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (Object.is(value, -0)) return '-0';
  const text = String(value);
  const exponent = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (exponent === null) return text;
  const [, sign = '', first = '', rest = '', power = '0'] = exponent;
  const digits = first + rest;
  const shift = Number(power);
  if (shift < 0) return `${sign}0.${'0'.repeat(-shift - 1)}${digits}`;
  return shift >= rest.length ? sign + digits + '0'.repeat(shift - rest.length) : `${sign}${digits.slice(0, shift + 1)}.${digits.slice(shift + 1)}`;
}

/** Go's `%q` escapes for the characters it does not print as they are. */
const GO_ESCAPES = /** @type {Readonly<Record<string, string>>} */ ({ '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' });

/**
 * A value quoted as Go's `%q` quotes it (`strconv.Quote`): printable characters as they are, the rest escaped.
 *
 * @param {Value} value
 * @returns {string}
 */
export function goQuote(value) {
  // eslint-disable-next-line no-control-regex -- the control characters are what this escapes
  const quoted = goText(value).replace(/[\x00-\x1f\x7f-\x9f"\\]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu, (c) => {
    const escape = GO_ESCAPES[c];
    if (escape !== undefined) return escape;
    const code = c.charCodeAt(0);
    if (code >= 0xd800) return '\\ufffd';
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `"${quoted}"`;
}

/** @param {Value} value */
function show(value) {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * @param {AssertNode} node
 * @param {Readonly<Record<string, string>>} values
 * @returns {Value}
 */
function evaluate(node, values) {
  switch (node.type) {
    case 'number':
    case 'string':
    case 'boolean':
      return node.value;
    case 'identifier': {
      const value = Object.hasOwn(values, node.name) ? values[node.name] : undefined;
      if (typeof value !== 'string') {
        throw new EvaluationError(`"${node.name}" has no value: grok did not extract it`, node.name);
      }
      return value;
    }
    case 'unary': {
      const operand = evaluate(node.operand, values);
      if (node.op === '!') return !truthy(operand);
      const number = asNumber(operand);
      if (number === undefined) {
        throw new EvaluationError(`"-" needs a number, got ${show(operand)}`, undefined, `cannot negate non-numeric value ${goQuote(operand)} (operator: -${goText(operand)})`);
      }
      return -number;
    }
    case 'binary':
      return binary(node.op, node.left, node.right, values);
  }
}

/**
 * @param {BinaryOperator} op
 * @param {AssertNode} leftNode
 * @param {AssertNode} rightNode
 * @param {Readonly<Record<string, string>>} values
 * @returns {Value}
 */
function binary(op, leftNode, rightNode, values) {
  const left = evaluate(leftNode, values);
  if (op === '&&' || op === '||') {
    const first = truthy(left);
    if (op === '&&' ? !first : first) return first;
    return truthy(evaluate(rightNode, values));
  }
  const right = evaluate(rightNode, values);
  const a = asNumber(left);
  const b = asNumber(right);
  if (op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=') {
    const numeric = a !== undefined && b !== undefined;
    const x = numeric ? a : String(left);
    const y = numeric ? b : String(right);
    switch (op) {
      case '==':
        return x === y;
      case '!=':
        return x !== y;
      case '<':
        return x < y;
      case '<=':
        return x <= y;
      case '>':
        return x > y;
      default:
        return x >= y;
    }
  }
  if (a === undefined || b === undefined) {
    const vibeguard = `arithmetic requires numeric operands, got left=${goQuote(left)} right=${goQuote(right)}`;
    throw new EvaluationError(`"${op}" needs numbers, got ${show(a === undefined ? left : right)}`, undefined, vibeguard);
  }
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      // As VibeGuard: a division by zero is 0 (`errors / total` with no tests reads as no errors).
      return b === 0 ? 0 : a / b;
  }
}

/**
 * Evaluates a parsed assert against the values grok extracted (see assert.ts for the language).
 *
 * @param {AssertNode} ast
 * @param {Readonly<Record<string, string>>} values
 * @returns {EvaluateAssertResult}
 */
export function evaluateAst(ast, values) {
  try {
    return { ok: true, value: truthy(evaluate(ast, values)) };
  } catch (error) {
    if (error instanceof EvaluationError) {
      return {
        ok: false,
        error: error.message,
        ...(error.missing === undefined ? {} : { missing: error.missing }),
        ...(error.vibeguard === undefined ? {} : { vibeguard: error.vibeguard }),
      };
    }
    throw error;
  }
}
