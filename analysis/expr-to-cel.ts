/**
 * Argo Rollouts writes metric conditions in the `expr` language (github.com/expr-lang/expr);
 * Bellwether evaluates CEL. This is a translation of the part of `expr` that conditions use into
 * CEL, so an Argo AnalysisTemplate works unchanged: parsed here into a small tree, written out as
 * CEL text, then compiled and type-checked by the CEL library like any other condition. Nothing is
 * evaluated here, and nothing is ever `eval`ed. Pure.
 *
 * | expr                                   | CEL                                             |
 * | -------------------------------------- | ----------------------------------------------- |
 * | `a and b`, `a or b`, `not a`           | `a && b`, `a \|\| b`, `!a`                      |
 * | `x not in xs`                          | `!(x in xs)`                                    |
 * | `len(x)`                               | `size(x)`                                       |
 * | `all(xs, {# > 0})` (braces optional)   | `xs.all(x, x > 0)`                              |
 * | `any` / `none` / `one`                 | `xs.exists(..)` / `!xs.exists(..)` / `xs.exists_one(..)` |
 * | `filter(xs, p)`, `map(xs, e)`          | `xs.filter(x, p)`, `xs.map(x, e)`               |
 * | `count(xs, p)`                         | `size(xs.filter(x, p))`                         |
 * | `{.field > 1}` (field of `#`)          | `x.field > 1`                                   |
 * | `default(a, b)`, `a ?? b`              | `(a == null ? b : a)`                           |
 * | `nil`                                  | `null`                                          |
 * | `float(x)`, `int(x)`, `string(x)`      | `double(x)`, `int(x)`, `string(x)`              |
 * | `asInt`, `asFloat`, `isNaN`, `isInf`   | the same functions (conditions.ts defines them) |
 * | `s contains t`, `startsWith`, `endsWith`, `matches` | `s.contains(t)`, ... `s.matches(t)` |
 *
 * Numbers: `expr` mixes ints and floats in arithmetic and its `/` always divides as floats; CEL
 * does neither, and measured values are doubles. So in arithmetic an int literal beside a value
 * that is not an int is written as a double (`result * 100` -> `result * 100.0`), an int
 * expression beside one is wrapped in `double()`, both sides of `/` become doubles, and an int
 * literal default becomes a double. Comparisons already mix in CEL and stay as written.
 *
 * Not translated (a clear error naming the construct): ranges `..`, `**`/`^`, slices, `?.`, map
 * literals, pipes, `let`, method calls and any other function (expr's `sum`, `max`, `abs`, ...).
 * Operator precedence follows expr-lang: `or` < `and` < comparisons < `+ -` < `* / %` < unary.
 */

export type ExprTranslation =
  | {
      readonly ok: true;
      readonly cel: string;
      /**
       * True when a number was rewritten (an int literal made a double, `double()` around an int,
       * `/` made a float division): text that is also valid CEL means something else in expr.
       */
      readonly numbersRewritten: boolean;
    }
  | { readonly ok: false; readonly error: string };

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

type TokenKind = 'number' | 'string' | 'name' | 'op' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded value of a string literal. */
  value?: string;
  at: number;
}

class ExprSyntaxError extends Error {}

const OPERATORS = [
  '...',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '?.',
  '..',
  '**',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '!',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '.',
  ':',
  '?',
  '#',
  '|',
];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(text.charAt(i + 1)))) {
      const match = /^(0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+(?:[eE][+-]?[0-9]+)?|[0-9_]+)/.exec(text.slice(i));
      const literal = match?.[0] ?? ch;
      // `1..5` is a range, not the float `1.`.
      tokens.push({ kind: 'number', text: literal.replace(/_/g, ''), at: start });
      i += literal.length;
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      const name = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(text.slice(i))?.[0] ?? ch;
      tokens.push({ kind: 'name', text: name, at: start });
      i += name.length;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const { value, end } = readString(text, i);
      tokens.push({ kind: 'string', text: text.slice(i, end), value, at: start });
      i = end;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw new ExprSyntaxError(`unexpected character '${ch}' at column ${i + 1}`);
    tokens.push({ kind: 'op', text: op, at: start });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };

function readString(text: string, start: number): { value: string; end: number } {
  const quote = text.charAt(start);
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === quote) return { value, end: i + 1 };
    if (ch === '\\' && quote !== '`') {
      const next = text.charAt(i + 1);
      const escaped = ESCAPES[next];
      if (escaped === undefined)
        throw new ExprSyntaxError(`unsupported escape '\\${next}' at column ${i + 1}`);
      value += escaped;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  throw new ExprSyntaxError(`unterminated string starting at column ${start + 1}`);
}

// ---------------------------------------------------------------------------------------------
// Tree
// ---------------------------------------------------------------------------------------------

type Node =
  | { t: 'number'; text: string; int: boolean }
  | { t: 'string'; value: string; raw: string }
  | { t: 'bool'; value: boolean }
  | { t: 'nil' }
  | { t: 'result' }
  | { t: 'pointer' }
  | { t: 'member'; object: Node; name: string }
  | { t: 'index'; object: Node; index: Node }
  | { t: 'call'; name: string; args: Node[]; at: number }
  | { t: 'unary'; op: '!' | '-' | '+'; arg: Node }
  | { t: 'binary'; op: string; left: Node; right: Node }
  | { t: 'not'; op: string; left: Node; right: Node }
  | { t: 'conditional'; test: Node; then: Node; otherwise: Node }
  | { t: 'array'; items: Node[] };

/** Binary operators by expr-lang precedence (higher binds tighter). */
const BINARY: Record<string, number> = {
  or: 10,
  '||': 10,
  and: 15,
  '&&': 15,
  '==': 20,
  '!=': 20,
  '<': 20,
  '>': 20,
  '<=': 20,
  '>=': 20,
  in: 20,
  matches: 20,
  contains: 20,
  startsWith: 20,
  endsWith: 20,
  '+': 30,
  '-': 30,
  '*': 60,
  '/': 60,
  '%': 60,
  '??': 500,
};
const UNARY_PRECEDENCE = 50;
const NEGATION_PRECEDENCE = 90;
const NEGATABLE = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith']);
const UNSUPPORTED_OPS: Record<string, string> = {
  '..': 'ranges (..)',
  '**': 'exponentiation (**)',
  '^': 'exponentiation (^)',
  '?.': 'optional chaining (?.)',
  '|': 'pipes (|)',
  '...': 'spread (...)',
};
const PREDICATE_BUILTINS = new Set(['all', 'any', 'none', 'one', 'filter', 'map', 'count']);

class Parser {
  private i = 0;
  private closures = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i] ?? { kind: 'end', text: '', at: 0 };
  }
  private next(): Token {
    const token = this.peek();
    this.i++;
    return token;
  }
  private isOp(text: string): boolean {
    const token = this.peek();
    return token.kind === 'op' && token.text === text;
  }
  private expect(text: string): void {
    const token = this.next();
    if (token.kind !== 'op' || token.text !== text)
      throw new ExprSyntaxError(`expected '${text}' at column ${token.at + 1}, found ${describe(token)}`);
  }

  parseAll(): Node {
    const node = this.parseExpression();
    const rest = this.peek();
    if (rest.kind !== 'end')
      throw new ExprSyntaxError(`unexpected ${describe(rest)} at column ${rest.at + 1}`);
    return node;
  }

  parseExpression(): Node {
    const test = this.parseBinary(0);
    if (!this.isOp('?')) return test;
    this.next();
    const then = this.parseExpression();
    this.expect(':');
    const otherwise = this.parseExpression();
    return { t: 'conditional', test, then, otherwise };
  }

  private binaryOperator(): { op: string; negated: boolean; width: number } | undefined {
    const token = this.peek();
    const after = this.tokens[this.i + 1];
    if (token.kind === 'op' && UNSUPPORTED_OPS[token.text] !== undefined)
      throw new ExprSyntaxError(
        `${UNSUPPORTED_OPS[token.text] ?? ''} at column ${token.at + 1} cannot be translated`,
      );
    if ((token.kind === 'op' || token.kind === 'name') && BINARY[token.text] !== undefined)
      return { op: token.text, negated: false, width: 1 };
    if (token.kind === 'name' && token.text === 'not' && after?.kind === 'name' && NEGATABLE.has(after.text))
      return { op: after.text, negated: true, width: 2 };
    return undefined;
  }

  private parseBinary(minPrecedence: number): Node {
    let left = this.parseUnary();
    for (;;) {
      const found = this.binaryOperator();
      if (found === undefined) break;
      const precedence = BINARY[found.op] ?? 0;
      if (precedence <= minPrecedence) break;
      this.i += found.width;
      const right = this.parseBinary(precedence);
      left = found.negated
        ? { t: 'not', op: found.op, left, right }
        : { t: 'binary', op: normalise(found.op), left, right };
    }
    return left;
  }

  private parseUnary(): Node {
    const token = this.peek();
    if ((token.kind === 'name' && token.text === 'not') || (token.kind === 'op' && token.text === '!')) {
      this.next();
      return { t: 'unary', op: '!', arg: this.parseBinary(UNARY_PRECEDENCE) };
    }
    if (token.kind === 'op' && (token.text === '-' || token.text === '+')) {
      this.next();
      return { t: 'unary', op: token.text, arg: this.parseBinary(NEGATION_PRECEDENCE) };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(node: Node): Node {
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const name = this.next();
        if (name.kind !== 'name') throw new ExprSyntaxError(`expected a field name at column ${name.at + 1}`);
        if (this.isOp('('))
          throw new ExprSyntaxError(
            `method call .${name.text}() at column ${name.at + 1} cannot be translated`,
          );
        node = { t: 'member', object: node, name: name.text };
      } else if (this.isOp('[')) {
        const open = this.next();
        if (this.isOp(':')) throw new ExprSyntaxError(`slices at column ${open.at + 1} cannot be translated`);
        const index = this.parseExpression();
        if (this.isOp(':')) throw new ExprSyntaxError(`slices at column ${open.at + 1} cannot be translated`);
        this.expect(']');
        node = { t: 'index', object: node, index };
      } else if (this.isOp('?.')) {
        throw new ExprSyntaxError(
          `optional chaining (?.) at column ${this.peek().at + 1} cannot be translated`,
        );
      } else return node;
    }
  }

  private parsePrimary(): Node {
    const token = this.next();
    switch (token.kind) {
      case 'number':
        if (/^0[xX]/.test(token.text))
          return { t: 'number', text: String(Number.parseInt(token.text, 16)), int: true };
        return {
          t: 'number',
          text: token.text.startsWith('.') ? `0${token.text}` : token.text,
          int: /^[0-9]+$/.test(token.text),
        };
      case 'string':
        return { t: 'string', value: token.value ?? '', raw: token.text };
      case 'name':
        return this.parseName(token);
      case 'op':
        if (token.text === '(') {
          const inner = this.parseExpression();
          this.expect(')');
          return inner;
        }
        if (token.text === '[') return this.parseArray();
        if (token.text === '#') {
          if (this.closures === 0)
            throw new ExprSyntaxError(`'#' outside a predicate at column ${token.at + 1}`);
          return { t: 'pointer' };
        }
        if (token.text === '.' && this.closures > 0) {
          // `.field` inside a predicate is a field of `#`.
          const name = this.next();
          if (name.kind !== 'name')
            throw new ExprSyntaxError(`expected a field name at column ${name.at + 1}`);
          return { t: 'member', object: { t: 'pointer' }, name: name.text };
        }
        if (token.text === '{')
          throw new ExprSyntaxError(`map literals at column ${token.at + 1} cannot be translated`);
        throw new ExprSyntaxError(`unexpected ${describe(token)} at column ${token.at + 1}`);
      case 'end':
        throw new ExprSyntaxError('unexpected end of the expression');
    }
  }

  private parseName(token: Token): Node {
    switch (token.text) {
      case 'true':
      case 'false':
        return { t: 'bool', value: token.text === 'true' };
      case 'nil':
        return { t: 'nil' };
      case 'let':
        throw new ExprSyntaxError(`let at column ${token.at + 1} cannot be translated`);
    }
    if (!this.isOp('(')) {
      if (token.text === 'result') return { t: 'result' };
      throw new ExprSyntaxError(
        `unknown name '${token.text}' at column ${token.at + 1} (only result exists)`,
      );
    }
    this.next();
    const args: Node[] = [];
    const predicate = PREDICATE_BUILTINS.has(token.text);
    while (!this.isOp(')')) {
      if (args.length > 0) this.expect(',');
      args.push(predicate && args.length === 1 ? this.parsePredicate() : this.parseExpression());
    }
    this.expect(')');
    return { t: 'call', name: token.text, args, at: token.at };
  }

  /** The second argument of all/any/...: `{ body }` or a bare body, where `#` is the element. */
  private parsePredicate(): Node {
    this.closures++;
    try {
      if (!this.isOp('{')) return this.parseExpression();
      this.next();
      const body = this.parseExpression();
      this.expect('}');
      return body;
    } finally {
      this.closures--;
    }
  }

  private parseArray(): Node {
    const items: Node[] = [];
    while (!this.isOp(']')) {
      if (items.length > 0) this.expect(',');
      items.push(this.parseExpression());
    }
    this.expect(']');
    return { t: 'array', items };
  }
}

function normalise(op: string): string {
  if (op === 'and') return '&&';
  if (op === 'or') return '||';
  return op;
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the expression' : `'${token.text}'`;
}

// ---------------------------------------------------------------------------------------------
// CEL text
// ---------------------------------------------------------------------------------------------

/** CEL precedence levels (higher binds tighter). */
const CEL = { conditional: 1, or: 2, and: 3, relation: 4, add: 5, multiply: 6, unary: 7, primary: 8 };
const CEL_BINARY: Record<string, number> = {
  '||': CEL.or,
  '&&': CEL.and,
  '==': CEL.relation,
  '!=': CEL.relation,
  '<': CEL.relation,
  '>': CEL.relation,
  '<=': CEL.relation,
  '>=': CEL.relation,
  in: CEL.relation,
  '+': CEL.add,
  '-': CEL.add,
  '*': CEL.multiply,
  '/': CEL.multiply,
  '%': CEL.multiply,
};
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const STRING_METHODS = new Set(['matches', 'contains', 'startsWith', 'endsWith']);
const LAMBDA_NAMES = ['x', 'y', 'z'];

type StaticType = 'int' | 'double' | 'bool' | 'string' | 'null' | 'list' | 'dyn';
interface Code {
  text: string;
  precedence: number;
}

class Writer {
  numbersRewritten = false;
  private depth = 0;
  private pointer: string | undefined;

  write(node: Node): Code {
    switch (node.t) {
      case 'number':
        return primary(node.text);
      case 'string':
        // CEL reads '…' and "…" with the same escapes as expr; a backtick string is re-quoted.
        return primary(node.raw.startsWith('`') ? JSON.stringify(node.value) : node.raw);
      case 'bool':
        return primary(String(node.value));
      case 'nil':
        return primary('null');
      case 'result':
        return primary('result');
      case 'pointer':
        if (this.pointer === undefined) throw new ExprSyntaxError("'#' outside a predicate");
        return primary(this.pointer);
      case 'member':
        return primary(`${this.at(node.object, CEL.primary)}.${node.name}`);
      case 'index':
        return primary(`${this.at(node.object, CEL.primary)}[${this.write(node.index).text}]`);
      case 'array':
        return primary(`[${node.items.map((item) => this.write(item).text).join(', ')}]`);
      case 'unary':
        if (node.op === '+') return this.write(node.arg);
        return { text: `${node.op}${this.at(node.arg, CEL.unary)}`, precedence: CEL.unary };
      case 'conditional':
        return {
          text: `${this.at(node.test, CEL.conditional + 1)} ? ${this.at(node.then, CEL.conditional + 1)} : ${this.at(node.otherwise, CEL.conditional)}`,
          precedence: CEL.conditional,
        };
      case 'not':
        return { text: `!${this.at({ ...node, t: 'binary' }, CEL.primary)}`, precedence: CEL.unary };
      case 'binary':
        return this.binary(node);
      case 'call':
        return this.call(node);
    }
  }

  /** `node` as text that binds at least as tightly as `precedence` (parenthesised if not). */
  private at(node: Node, precedence: number): string {
    const code = this.write(node);
    return code.precedence >= precedence ? code.text : `(${code.text})`;
  }

  private binary(node: Extract<Node, { t: 'binary' }>): Code {
    if (node.op === '??') return this.orDefault(node.left, node.right);
    if (STRING_METHODS.has(node.op))
      return primary(`${this.at(node.left, CEL.primary)}.${node.op}(${this.write(node.right).text})`);
    const precedence = CEL_BINARY[node.op] ?? CEL.relation;
    let convertLeft = false;
    let convertRight = false;
    if (ARITHMETIC.has(node.op)) {
      const lt = this.type(node.left);
      const rt = this.type(node.right);
      const numeric = (t: StaticType) => t !== 'string' && t !== 'list';
      if ((node.op === '/' || (lt === 'int') !== (rt === 'int')) && numeric(lt) && numeric(rt)) {
        convertLeft = lt === 'int';
        convertRight = rt === 'int';
      }
    }
    const left = convertLeft ? this.double(node.left) : this.at(node.left, precedence);
    const right = convertRight ? this.double(node.right) : this.at(node.right, precedence + 1);
    return { text: `${left} ${node.op} ${right}`, precedence };
  }

  /** An int operand as a double: `100` -> `100.0`, `-1` -> `-1.0`, anything else -> `double(...)`. */
  private double(node: Node): string {
    this.numbersRewritten = true;
    if (node.t === 'number' && node.int) return `${node.text}.0`;
    if (node.t === 'unary' && node.op === '-' && node.arg.t === 'number' && node.arg.int)
      return `-${node.arg.text}.0`;
    return `double(${this.write(node).text})`;
  }

  private orDefault(value: Node, fallback: Node): Code {
    const fallbackText = this.type(fallback) === 'int' ? this.double(fallback) : this.at(fallback, CEL.or);
    const valueText = this.at(value, CEL.or);
    return primary(`(${valueText} == null ? ${fallbackText} : ${valueText})`);
  }

  private call(node: Extract<Node, { t: 'call' }>): Code {
    const { name, args } = node;
    const arity = (n: number) => {
      if (args.length !== n)
        throw new ExprSyntaxError(
          `${name}() at column ${node.at + 1} takes ${n} argument${n === 1 ? '' : 's'}`,
        );
    };
    const [first, second] = args;
    switch (name) {
      case 'len':
        arity(1);
        return primary(`size(${this.write(first as Node).text})`);
      case 'default':
        arity(2);
        return this.orDefault(first as Node, second as Node);
      case 'float':
        arity(1);
        return primary(`double(${this.write(first as Node).text})`);
      case 'int':
      case 'string':
      case 'asInt':
      case 'asFloat':
      case 'isNaN':
      case 'isInf':
        arity(1);
        return primary(`${name}(${this.write(first as Node).text})`);
    }
    if (PREDICATE_BUILTINS.has(name)) {
      arity(2);
      const list = this.at(first as Node, CEL.primary);
      const variable = LAMBDA_NAMES[this.depth] ?? `x${this.depth}`;
      const outer = this.pointer;
      this.depth++;
      this.pointer = variable;
      const body = this.write(second as Node).text;
      this.depth--;
      this.pointer = outer;
      switch (name) {
        case 'all':
          return primary(`${list}.all(${variable}, ${body})`);
        case 'any':
          return primary(`${list}.exists(${variable}, ${body})`);
        case 'none':
          return { text: `!${list}.exists(${variable}, ${body})`, precedence: CEL.unary };
        case 'one':
          return primary(`${list}.exists_one(${variable}, ${body})`);
        case 'filter':
          return primary(`${list}.filter(${variable}, ${body})`);
        case 'map':
          return primary(`${list}.map(${variable}, ${body})`);
        case 'count':
          return primary(`size(${list}.filter(${variable}, ${body}))`);
      }
    }
    throw new ExprSyntaxError(`the function ${name}() at column ${node.at + 1} has no CEL translation`);
  }

  /** What a subtree is known to be before any measurement (dyn when it depends on `result`). */
  private type(node: Node): StaticType {
    switch (node.t) {
      case 'number':
        return node.int ? 'int' : 'double';
      case 'string':
        return 'string';
      case 'bool':
      case 'not':
        return 'bool';
      case 'nil':
        return 'null';
      case 'array':
        return 'list';
      case 'unary':
        return node.op === '!' ? 'bool' : this.type(node.arg);
      case 'call':
        if (['len', 'count', 'int', 'asInt'].includes(node.name)) return 'int';
        if (['float', 'asFloat'].includes(node.name)) return 'double';
        if (['isNaN', 'isInf', 'all', 'any', 'none', 'one'].includes(node.name)) return 'bool';
        if (node.name === 'string') return 'string';
        return node.name === 'filter' || node.name === 'map' ? 'list' : 'dyn';
      case 'binary': {
        if (!ARITHMETIC.has(node.op)) return node.op === '??' ? 'dyn' : 'bool';
        if (node.op === '/') return 'double';
        const lt = this.type(node.left);
        const rt = this.type(node.right);
        if (lt === 'int' && rt === 'int') return 'int';
        return lt === 'double' || rt === 'double' ? 'double' : 'dyn';
      }
      default:
        return 'dyn';
    }
  }
}

function primary(text: string): Code {
  return { text, precedence: CEL.primary };
}

/**
 * Translates an Argo Rollouts `expr` condition to CEL text, or says which construct stops it
 * (with the column). The caller compiles the CEL; this does not check names beyond `result`.
 */
export function translateExprToCel(expression: string): ExprTranslation {
  try {
    const tree = new Parser(tokenize(expression)).parseAll();
    const writer = new Writer();
    const cel = writer.write(tree).text;
    return { ok: true, cel, numbersRewritten: writer.numbersRewritten };
  } catch (error) {
    if (error instanceof ExprSyntaxError) return { ok: false, error: error.message };
    throw error;
  }
}
