/**
 * Parser for the subset of FHIRPath (https://hl7.org/fhirpath/N1/) that the R4 search parameter
 * expressions mostly use: paths, `|` unions, parentheses, `[n]`, `first()`, `ofType(T)`, `as(T)`
 * and `x as T`, `exists()`, `where()` with `resolve() is T` or `element = 'literal'`, and
 * `x = true|false`, `x != true|false` joined by `and` (Patient.deceased).
 * Anything else is refused (`undefined`), and the caller falls back to the fhirpath library.
 */

export type PathNode =
  | { kind: 'root'; name: string }
  | { kind: 'resource' }
  | { kind: 'child'; of: PathNode; name: string }
  | { kind: 'ofType'; of: PathNode; type: string; operator: 'ofType' | 'as' }
  | { kind: 'index'; of: PathNode; index: number }
  | { kind: 'whereResolveIs'; of: PathNode; type: string }
  | { kind: 'whereEquals'; of: PathNode; element: string; literal: string }
  | { kind: 'exists'; of: PathNode }
  | { kind: 'union'; parts: PathNode[] }
  | { kind: 'equalsBoolean'; of: PathNode; literal: boolean; negated: boolean }
  | { kind: 'and'; parts: PathNode[] };

type Token = { kind: 'id' | 'string' | 'number' | 'punct' | 'env'; text: string };

const TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|'((?:[^'\\]|\\.)*)'|([0-9]+)|(%[A-Za-z]+)|(\(|\)|\[|\]|\.|\||!=|=))/y;

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(text);
    if (!m) return undefined;
    if (m[1] !== undefined) tokens.push({ kind: 'id', text: m[1] });
    else if (m[2] !== undefined) {
      // Escapes are rare in the definitions; refusing them keeps literal handling exact.
      if (m[2].includes('\\')) return undefined;
      tokens.push({ kind: 'string', text: m[2] });
    } else if (m[3] !== undefined) tokens.push({ kind: 'number', text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: 'env', text: m[4] });
    else if (m[5] !== undefined) tokens.push({ kind: 'punct', text: m[5] });
  }
  return tokens;
}

class Refused extends Error {}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }

  private next(): Token {
    const token = this.tokens[this.at++];
    if (!token) throw new Refused();
    return token;
  }

  private expect(kind: Token['kind'], text?: string): Token {
    const token = this.next();
    if (token.kind !== kind || (text !== undefined && token.text !== text)) throw new Refused();
    return token;
  }

  private isPunct(text: string): boolean {
    const token = this.peek();
    return token?.kind === 'punct' && token.text === text;
  }

  parseAll(): PathNode {
    const node = this.and();
    if (this.at !== this.tokens.length) throw new Refused();
    return node;
  }

  // Precedence (fhirpath N1 §10): `|` binds tighter than `as`, then `=`/`!=`, then `and`.
  private and(): PathNode {
    const parts = [this.equality()];
    while (this.peek()?.kind === 'id' && this.peek()?.text === 'and') {
      this.next();
      parts.push(this.equality());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'and', parts };
  }

  private equality(): PathNode {
    const node = this.asExpression();
    if (!this.isPunct('=') && !this.isPunct('!=')) return node;
    const negated = this.next().text === '!=';
    const literal = this.expect('id').text;
    if (literal !== 'true' && literal !== 'false') throw new Refused();
    return { kind: 'equalsBoolean', of: node, literal: literal === 'true', negated };
  }

  private asExpression(): PathNode {
    let node = this.union();
    const token = this.peek();
    if (token?.kind === 'id' && token.text === 'as') {
      this.next();
      node = { kind: 'ofType', of: node, type: this.expect('id').text, operator: 'as' };
    }
    return node;
  }

  private union(): PathNode {
    const parts = [this.path()];
    while (this.isPunct('|')) {
      this.next();
      parts.push(this.path());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'union', parts };
  }

  private path(): PathNode {
    let node = this.primary();
    for (;;) {
      if (this.isPunct('[')) {
        this.next();
        const index = Number(this.expect('number').text);
        this.expect('punct', ']');
        node = { kind: 'index', of: node, index };
      } else if (this.isPunct('.')) {
        this.next();
        node = this.invocation(node);
      } else return node;
    }
  }

  private primary(): PathNode {
    const token = this.next();
    if (token.kind === 'punct' && token.text === '(') {
      const inner = this.and();
      this.expect('punct', ')');
      return inner;
    }
    if (token.kind === 'env' && token.text === '%resource') return { kind: 'resource' };
    if (token.kind === 'id' && !this.isPunct('(')) return { kind: 'root', name: token.text };
    throw new Refused();
  }

  private invocation(of: PathNode): PathNode {
    const name = this.expect('id').text;
    if (!this.isPunct('(')) return { kind: 'child', of, name };
    this.next();
    let node: PathNode;
    switch (name) {
      case 'ofType':
      case 'as':
        node = { kind: 'ofType', of, type: this.expect('id').text, operator: name };
        break;
      case 'first':
        node = { kind: 'index', of, index: 0 };
        break;
      case 'exists':
        node = { kind: 'exists', of };
        break;
      case 'where':
        node = this.whereCondition(of);
        break;
      default:
        throw new Refused();
    }
    this.expect('punct', ')');
    return node;
  }

  private whereCondition(of: PathNode): PathNode {
    const first = this.expect('id');
    if (first.text === 'resolve') {
      this.expect('punct', '(');
      this.expect('punct', ')');
      this.expect('id', 'is');
      return { kind: 'whereResolveIs', of, type: this.expect('id').text };
    }
    this.expect('punct', '=');
    return { kind: 'whereEquals', of, element: first.text, literal: this.expect('string').text };
  }
}

/** The expression's syntax tree, or undefined when it uses anything outside the subset. */
export function parseSubset(expression: string): PathNode | undefined {
  const tokens = tokenize(expression);
  if (!tokens || tokens.length === 0) return undefined;
  try {
    return new Parser(tokens).parseAll();
  } catch (e) {
    if (e instanceof Refused) return undefined;
    throw e;
  }
}
