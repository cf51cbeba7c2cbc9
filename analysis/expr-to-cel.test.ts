import { describe, expect, it } from 'vitest';
import { compileCondition, evaluateCondition } from './conditions.ts';
import { translateExprToCel } from './expr-to-cel.ts';

const cel = (expression: string) => {
  const translated = translateExprToCel(expression);
  if (!translated.ok) throw new Error(translated.error);
  return translated.cel;
};
const error = (expression: string) => {
  const translated = translateExprToCel(expression);
  if (translated.ok) throw new Error(`translated to ${translated.cel}`);
  return translated.error;
};
/** Compiles the Argo condition the way the AnalysisRun controller does and evaluates it. */
const verdict = (expression: string, result: unknown) => {
  const compiled = compileCondition(expression);
  if (!compiled.ok) throw new Error(compiled.error);
  const outcome = evaluateCondition(compiled.condition, result);
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.value;
};

// Each row: an Argo Rollouts condition (the forms Argo's analysis docs and examples use), the CEL
// it becomes, and a measured result with the verdict Argo's expr gives for it.
const TABLE: [expr: string, cel: string, result: unknown, verdict: boolean][] = [
  ['result[0] >= 0.95', 'result[0] >= 0.95', [0.97], true],
  ['result > 0.9', 'result > 0.9', 0.95, true],
  ['result == 1', 'result == 1', 1, true],
  ['len(result) > 0', 'size(result) > 0', [0.1], true],
  ['len(result) == 0', 'size(result) == 0', [], true],
  ['all(result, {# > 0})', 'result.all(x, x > 0)', [1, 2], true],
  ['all(result, # > 0)', 'result.all(x, x > 0)', [1, -2], false],
  ['any(result, {# > 0.5})', 'result.exists(x, x > 0.5)', [0.1, 0.7], true],
  ['none(result, {# > 0.5})', '!result.exists(x, x > 0.5)', [0.1, 0.2], true],
  ['one(result, {# > 0.5})', 'result.exists_one(x, x > 0.5)', [0.6, 0.7], false],
  ['count(result, {# > 1}) >= 2', 'size(result.filter(x, x > 1)) >= 2', [2, 3, 0], true],
  ['len(filter(result, {# < 0})) == 0', 'size(result.filter(x, x < 0)) == 0', [1, 2], true],
  ['map(result, {# * 100})[0] > 90', 'result.map(x, x * 100.0)[0] > 90', [0.95], true],
  ['result[0] > 0.9 and result[1] < 0.1', 'result[0] > 0.9 && result[1] < 0.1', [0.95, 0.05], true],
  ['result < 0.5 or isNaN(result)', 'result < 0.5 || isNaN(result)', Number.NaN, true],
  ['not (result > 5)', '!(result > 5)', 3, true],
  ['!(result > 5)', '!(result > 5)', 7, false],
  ['default(result, 0) > 5', '(result == null ? 0.0 : result) > 5', null, false],
  ['default(result, 0) * 100 >= 95', '(result == null ? 0.0 : result) * 100.0 >= 95', 0.96, true],
  ['(result ?? 0) < 1', '(result == null ? 0.0 : result) < 1', null, true],
  ['result == nil', 'result == null', null, true],
  ['result != nil and result > 0', 'result != null && result > 0', 2, true],
  ['isNaN(result[0])', 'isNaN(result[0])', [Number.NaN], true],
  ['isInf(result)', 'isInf(result)', Number.POSITIVE_INFINITY, true],
  ['asInt(result) == 3', 'asInt(result) == 3', '3', true],
  ['asFloat(result) > 0.5', 'asFloat(result) > 0.5', '0.75', true],
  ['float(result) > 0.5', 'double(result) > 0.5', 1, true],
  ['result * 100 > 95', 'result * 100.0 > 95', 0.99, true],
  ['100 * result > 95', '100.0 * result > 95', 0.9, false],
  ['result - 1 < 0', 'result - 1.0 < 0', 0.5, true],
  ['result / 2 > 0.2', 'result / 2.0 > 0.2', 0.5, true],
  ['len(result) / 2 == 1.5', 'double(size(result)) / 2.0 == 1.5', [1, 2, 3], true],
  ['len(result) * result[0] > 1', 'double(size(result)) * result[0] > 1', [1], false],
  ['len(result) + 1 == 2', 'size(result) + 1 == 2', [1], true],
  ['-result < 0', '-result < 0', 1, true],
  ['result.code == 200', 'result.code == 200', { code: 200 }, true],
  ['result.status == "ok"', 'result.status == "ok"', { status: 'ok' }, true],
  ["result['status'] == 'ok'", "result['status'] == 'ok'", { status: 'ok' }, true],
  [
    'result.data.items[0].ready == true',
    'result.data.items[0].ready == true',
    { data: { items: [{ ready: true }] } },
    true,
  ],
  [
    'all(result.items, {.ready})',
    'result.items.all(x, x.ready)',
    { items: [{ ready: true }, { ready: true }] },
    true,
  ],
  [
    'any(result.items, {#.value > 1 and .ok})',
    'result.items.exists(x, x.value > 1 && x.ok)',
    { items: [{ value: 2, ok: true }] },
    true,
  ],
  ['all(result, {all(#, {# > 0})})', 'result.all(x, x.all(y, y > 0))', [[1], [2, 3]], true],
  ['"ok" in result', '"ok" in result', ['ok', 'bad'], true],
  ['result not in [1, 2]', '!(result in [1, 2])', 3, true],
  ['result.status contains "ok"', 'result.status.contains("ok")', { status: 'all ok' }, true],
  ['result.status not contains "err"', '!result.status.contains("err")', { status: 'fine' }, true],
  ['result startsWith "2"', 'result.startsWith("2")', '200', true],
  ['result endsWith "0"', 'result.endsWith("0")', '201', false],
  ['result matches "^2[0-9]{2}$"', 'result.matches("^2[0-9]{2}$")', '204', true],
  ['result > 0 ? result < 10 : false', 'result > 0 ? result < 10 : false', 5, true],
  ['result == `raw\\n`', 'result == "raw\\\\n"', 'raw\\n', true],
  ['result == "a\\"b"', 'result == "a\\"b"', 'a"b', true],
  ['result == 1_000', 'result == 1000', 1000, true],
  ['result == 0x10', 'result == 16', 16, true],
  ['result > 1e-3', 'result > 1e-3', 0.01, true],
  ['result < .5', 'result < 0.5', 0.25, true],
  ['true and result', 'true && result', true, true],
  ['(result[0] + result[1]) / 2 > 0.5', '(result[0] + result[1]) / 2.0 > 0.5', [0.4, 0.8], true],
  ['result[0] > 1 || result[0] < 0 && false', 'result[0] > 1 || result[0] < 0 && false', [2], true],
  ['(result[0] > 1 || result[0] < 0) && false', '(result[0] > 1 || result[0] < 0) && false', [2], false],
  ['not result', '!result', false, true],
  ['-2 * 3 == -6', '-2 * 3 == -6', 0, true],
];

describe('translateExprToCel', () => {
  it.each(TABLE)('%s -> %s', (expr, expected) => {
    expect(cel(expr)).toBe(expected);
  });

  it.each(TABLE)("%s gives Argo's verdict through CEL", (expr, _cel, result, expected) => {
    expect(verdict(expr, result)).toBe(expected);
  });

  it('follows expr-lang precedence: not binds tighter than ==, unary minus tighter than *', () => {
    expect(cel('not result == true')).toBe('!result == true');
    expect(cel('result == 1 or result == 2 and result == 3')).toBe(
      'result == 1 || result == 2 && result == 3',
    );
    expect(cel('(result == 1 or result == 2) and result == 3')).toBe(
      '(result == 1 || result == 2) && result == 3',
    );
    expect(cel('result[0] - result[1] - result[2] > 0')).toBe('result[0] - result[1] - result[2] > 0');
    expect(cel('result[0] - (result[1] - result[2]) > 0')).toBe('result[0] - (result[1] - result[2]) > 0');
  });

  it('names the construct it cannot translate, with the column', () => {
    expect(error('sum(result) > 1')).toBe('the function sum() at column 1 has no CEL translation');
    expect(error('result[0:2] == [1]')).toBe('slices at column 7 cannot be translated');
    expect(error('result in 1..5')).toBe('ranges (..) at column 12 cannot be translated');
    expect(error('result ** 2 > 1')).toBe('exponentiation (**) at column 8 cannot be translated');
    expect(error('result?.ok')).toBe('optional chaining (?.) at column 7 cannot be translated');
    expect(error('result.trim() == "x"')).toBe('method call .trim() at column 8 cannot be translated');
    expect(error('{a: 1} == result')).toBe('map literals at column 1 cannot be translated');
    expect(error('result | len')).toBe('pipes (|) at column 8 cannot be translated');
    expect(error('let x = 1; x > 0')).toBe("unexpected character '=' at column 7");
    expect(error('foo > 1')).toBe("unknown name 'foo' at column 1 (only result exists)");
    expect(error('# > 1')).toBe("'#' outside a predicate at column 1");
    expect(error('len(result, 1) > 0')).toBe('len() at column 1 takes 1 argument');
    expect(error('default(result) > 0')).toBe('default() at column 1 takes 2 arguments');
    expect(error('result > ')).toBe('unexpected end of the expression');
    expect(error('result > 1)')).toBe("unexpected ')' at column 11");
    expect(error('result == "open')).toBe('unterminated string starting at column 11');
    expect(error('result == "\\q"')).toBe("unsupported escape '\\q' at column 12");
    expect(error('result @ 1')).toBe("unexpected character '@' at column 8");
    expect(error('(result > 1')).toBe("expected ')' at column 12, found the end of the expression");
  });

  it('is used by compileCondition only when the text is not CEL', () => {
    // Valid CEL is never translated, even where expr would read it too.
    const compiled = compileCondition('result.all(x, x > 0)');
    expect(compiled.ok && compiled.condition.translatedFrom).toBe(undefined);
    const translated = compileCondition('all(result, {# > 0})');
    expect(translated.ok && translated.condition.translatedFrom).toBe('all(result, {# > 0})');
  });

  it('reports a translation that does not compile as CEL', () => {
    const compiled = compileCondition('len(result) + "x" == 1');
    expect(compiled.ok).toBe(false);
    expect(!compiled.ok && compiled.error).toMatch(
      /translated from Argo expr to 'size\(result\) \+ "x" == 1', which does not compile/,
    );
  });
});
