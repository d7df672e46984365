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
   */
  constructor(message, missing) {
    super(message);
    this.missing = missing;
  }
}

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * @param {Value} value
 * @returns {number | undefined}
 */
function asNumber(value) {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return NUMERIC.test(trimmed) ? Number(trimmed) : undefined;
  }
  return undefined;
}

/**
 * @param {Value} value
 * @param {string} context
 * @returns {boolean}
 */
function asBoolean(value, context) {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new EvaluationError(`${context} needs true or false, got ${show(value)}`);
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
      if (node.op === '!') return !asBoolean(operand, '"!"');
      const number = asNumber(operand);
      if (number === undefined) throw new EvaluationError(`"-" needs a number, got ${show(operand)}`);
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
    const first = asBoolean(left, `"${op}"`);
    if (op === '&&' ? !first : first) return first;
    return asBoolean(evaluate(rightNode, values), `"${op}"`);
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
  if (a === undefined) throw new EvaluationError(`"${op}" needs numbers, got ${show(left)}`);
  if (b === undefined) throw new EvaluationError(`"${op}" needs numbers, got ${show(right)}`);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      if (b === 0) throw new EvaluationError('division by zero');
      return a / b;
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
    return { ok: true, value: asBoolean(evaluate(ast, values), 'the assert') };
  } catch (error) {
    if (error instanceof EvaluationError) {
      return error.missing === undefined ? { ok: false, error: error.message } : { ok: false, error: error.message, missing: error.missing };
    }
    throw error;
  }
}
