import { describe, expect, it } from 'vitest';
import { compileCondition, evaluateCondition } from './conditions.ts';
import type { CompiledCondition } from './conditions.ts';

function compiled(expression: string): CompiledCondition {
  const outcome = compileCondition(expression);
  if (!outcome.ok) throw new Error(`expected '${expression}' to compile: ${outcome.error}`);
  return outcome.condition;
}

function evaluate(expression: string, result: unknown): boolean {
  const outcome = evaluateCondition(compiled(expression), result);
  if (!outcome.ok) throw new Error(`expected '${expression}' to evaluate: ${outcome.error}`);
  return outcome.value;
}

function evaluationError(expression: string, result: unknown): string {
  const outcome = evaluateCondition(compiled(expression), result);
  if (outcome.ok) throw new Error(`expected '${expression}' to fail, got ${outcome.value}`);
  return outcome.error;
}

function compileError(expression: string): string {
  const outcome = compileCondition(expression);
  if (outcome.ok) throw new Error(`expected '${expression}' not to compile`);
  return outcome.error;
}

describe('Argo idioms in CEL', () => {
  it('compares a scalar', () => {
    expect(evaluate('result >= 0.95', 0.97)).toBe(true);
    expect(evaluate('result >= 0.95', 0.9)).toBe(false);
    expect(evaluate('result > 0', 3)).toBe(true);
    expect(evaluate('result == 5', 5)).toBe(true);
  });

  it('indexes a vector', () => {
    expect(evaluate('result[0] >= 0.95', [0.97])).toBe(true);
    expect(evaluate('result[1] < 0.5', [0.97, 0.2])).toBe(true);
  });

  it('compares a one-sample vector like its number, in both operand orders', () => {
    expect(evaluate('result >= 0.95', [0.97])).toBe(true);
    expect(evaluate('result < 0.95', [0.97])).toBe(false);
    expect(evaluate('0.95 <= result', [0.97])).toBe(true);
    expect(evaluate('result == 1', [1])).toBe(true);
    expect(evaluate('result != 1', [1])).toBe(false);
    expect(evaluate('1 == result', [1])).toBe(true);
    expect(evaluate('result > 0', [0.5])).toBe(true);
  });

  it('refuses to compare a multi-sample vector as one number instead of answering false', () => {
    expect(evaluationError('result >= 0.95', [0.97, 0.5])).toMatch(/result has 2 values.*result\[0\]/);
    expect(evaluationError('result == 1', [1, 1])).toMatch(/result has 2 values/);
    expect(evaluationError('result < 1', [])).toMatch(/result has 0 values/);
  });

  it('runs macros over vectors', () => {
    expect(evaluate('result.all(x, x < 0.05)', [0.01, 0.02])).toBe(true);
    expect(evaluate('result.all(x, x < 0.05)', [0.01, 0.2])).toBe(false);
    expect(evaluate('result.exists(x, x > 0.9)', [0.1, 0.95])).toBe(true);
    expect(evaluate('size(result) > 0', [1])).toBe(true);
    expect(evaluate('size(result) > 0', [])).toBe(false);
    expect(evaluate('result.filter(x, x > 1.0).size() == 1', [0.5, 2])).toBe(true);
  });

  it('reads JSON from the web provider with its types', () => {
    expect(evaluate('result.data.ok == true', { data: { ok: true } })).toBe(true);
    expect(evaluate('result', true)).toBe(true);
    expect(evaluate("result == 'true'", 'true')).toBe(true);
    expect(evaluate("result == 'true'", true)).toBe(false);
    expect(evaluate('result.count > 3', { count: 5 })).toBe(true);
    expect(evaluate('has(result.missing)', {})).toBe(false);
    expect(evaluate("'ok' in result", ['ok', 'late'])).toBe(true);
  });

  it('offers isNaN and isInf', () => {
    expect(evaluate('isNaN(result)', NaN)).toBe(true);
    expect(evaluate('isNaN(result)', 0.5)).toBe(false);
    expect(evaluate('result.all(x, !isNaN(x))', [1, NaN])).toBe(false);
    expect(evaluate('isInf(result)', Infinity)).toBe(true);
    expect(evaluate('isInf(result)', -Infinity)).toBe(true);
    expect(evaluate('isInf(result)', 1)).toBe(false);
    expect(evaluate('isNaN(1)', null)).toBe(false);
  });

  it('compares NaN false, as Argo does', () => {
    expect(evaluate('result >= 0.95', NaN)).toBe(false);
    expect(evaluate('result < 0.95', NaN)).toBe(false);
  });

  it('keeps asFloat and asInt from Argo', () => {
    expect(evaluate('asFloat(result) >= 0.9', '0.95')).toBe(true);
    expect(evaluate('asInt(result) == 3', '3.7')).toBe(true);
    expect(evaluate('asFloat(result) == 2.0', 2)).toBe(true);
    expect(evaluationError('asFloat(result) > 1.0', 'abc')).toMatch(/'abc' is not a number/);
  });

  it('treats an absent result as null', () => {
    expect(evaluate('result == null', undefined)).toBe(true);
  });
});

describe('compileCondition', () => {
  it('reports syntax errors with the column', () => {
    expect(compileError('result >= ')).toBe(
      "Unexpected token: EOF at column 11 in 'result >= '; as Argo expr: unexpected end of the expression",
    );
    expect(compileError('result >= 0.95 ||| x')).toMatch(/Unexpected character: \| at column 18/);
  });

  it('rejects unknown variables: only result exists', () => {
    expect(compileError('foo > 1')).toBe(
      "Unknown variable: foo at column 1 in 'foo > 1'; as Argo expr: unknown name 'foo' at column 1 (only result exists)",
    );
  });

  it('rejects type errors before any measurement', () => {
    expect(compileError('"a" + 1')).toMatch(/no such overload: string \+ int at column 1/);
  });

  it('rejects expressions that are not boolean', () => {
    expect(compileError('1 + 2')).toBe("condition must be a boolean expression, but '1 + 2' is of type int");
    expect(compileError('"text"')).toMatch(/of type string/);
  });

  it('rejects empty conditions', () => {
    expect(compileError('')).toBe('condition is empty');
    expect(compileError('   ')).toBe('condition is empty');
  });

  it('hints at the CEL form of Argo expr syntax it cannot translate', () => {
    expect(compileError('result > 0.9 and sum(result) < 1')).toMatch(
      /hint: CEL writes and\/or\/not as &&, \|\|, !\); as Argo expr: the function sum\(\) at column 18 has no CEL translation$/,
    );
    expect(compileError('len(result[0:2]) > 0')).toMatch(/hint: CEL writes len\(x\) as size\(x\)/);
  });

  it('translates Argo expr conditions and says so', () => {
    const compiled = compileCondition('len(result) > 0 and all(result, {# < 0.05})');
    expect(compiled).toMatchObject({
      ok: true,
      condition: {
        expression: 'size(result) > 0 && result.all(x, x < 0.05)',
        translatedFrom: 'len(result) > 0 and all(result, {# < 0.05})',
      },
    });
    expect(compileCondition('result[0] >= 0.95')).not.toHaveProperty(['condition', 'translatedFrom']);
  });

  it('bounds the size of an expression', () => {
    const huge = Array.from({ length: 400 }, (_, i) => `result > ${i}.0`).join(' || ');
    expect(compileError(huge)).toMatch(/AST|nodes|limit/i);
  });
});

describe('evaluateCondition', () => {
  it('reports run-time errors instead of a verdict', () => {
    expect(evaluationError('result[0] >= 0.95', [])).toMatch(/index out of bounds.*at column 1/);
    expect(evaluationError('result.data > 1', {})).toMatch(/No such key: data/);
  });

  it('rejects values that are not booleans', () => {
    expect(evaluationError('result', 1)).toBe(
      "condition 'result' returned the number 1, expected true or false",
    );
    expect(evaluationError('result.name', { name: 'x' })).toMatch(/returned the string 'x'/);
    expect(evaluationError('result', null)).toMatch(/returned null/);
  });

  it('takes integer literals beside measured doubles with expr number rules, and hints otherwise', () => {
    expect(evaluate('result * 100 > 95', 0.97)).toBe(true);
    expect(evaluate('result * 100.0 > 95.0', 0.97)).toBe(true);
    expect(evaluationError('result[0] * size(result) > 1.0', [0.97])).toMatch(
      /hint: measured numbers are doubles: write 100.0/,
    );
  });

  it('hints to index a vector before arithmetic', () => {
    expect(evaluationError('result * 100.0 > 95.0', [0.97])).toMatch(
      /hint: index the vector before arithmetic/,
    );
    expect(evaluate('result[0] * 100.0 > 95.0', [0.97])).toBe(true);
  });
});
