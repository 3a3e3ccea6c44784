/**
 * A small JSON scanner that finds where things start, by line, without building values:
 * JSON.parse gives the values, this gives the 1-based line of each element of the top-level
 * object's `entry` array (Bundle.entry) so import errors can point at `file:line`.
 */

const QUOTE = 34; // "
const BACKSLASH = 92;
const NEWLINE = 10;

/** 1-based line of the first non-whitespace character at or after `from`. */
export function lineAt(text: string, position: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Position of the first non-whitespace character (or text.length). */
export function firstContentPosition(text: string): number {
  const m = /\S/.exec(text);
  return m ? m.index : text.length;
}

/**
 * Lines where each element of the root object's `entry` array starts. Expects text that
 * JSON.parse accepted (so the structure is well formed); ignores everything else.
 */
export function bundleEntryLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  // Container stack: '{' or '['; `entryArrayDepth` is the stack depth of Bundle.entry's '['.
  const stack: number[] = [];
  let lastRootKey: string | undefined;
  let entryArrayDepth = -1;
  let expectElement = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) {
      line++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) continue;
    if (expectElement && c !== 93 /* ] */) {
      lines.push(line);
      expectElement = false;
    }
    switch (c) {
      case QUOTE: {
        let j = i + 1;
        // Find the closing quote, skipping escaped characters.
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === BACKSLASH) j += 2;
          else if (d === QUOTE) break;
          else {
            if (d === NEWLINE) line++;
            j++;
          }
        }
        if (stack.length === 1 && stack[0] === 123) {
          // A root key is a string followed by ':'; a string value clears the remembered key.
          let k = j + 1;
          while (k < n && /\s/.test(text[k]!)) k++;
          lastRootKey = text.charCodeAt(k) === 58 ? text.slice(i + 1, j) : undefined;
        }
        i = j;
        break;
      }
      case 123: // {
        stack.push(123);
        break;
      case 91: // [
        stack.push(91);
        if (stack.length === 2 && stack[0] === 123 && lastRootKey === 'entry') {
          entryArrayDepth = 2;
          expectElement = true;
        }
        break;
      case 125: // }
      case 93: // ]
        if (c === 93 && stack.length === entryArrayDepth) entryArrayDepth = -1;
        stack.pop();
        expectElement = false;
        break;
      case 44: // ,
        if (stack.length === entryArrayDepth && entryArrayDepth !== -1) expectElement = true;
        break;
      default:
        break;
    }
  }
  return lines;
}

export interface JsonSyntaxProblem {
  line: number;
  /** Names the problem, never quotes the text (JSON.parse messages quote content: possible PHI). */
  message: string;
}

/**
 * Finds the first syntax error of text that JSON.parse refused, with its line. Only called on
 * the failure path; a plain recursive-descent check of RFC 8259 JSON.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxProblem {
  let i = 0;
  const n = text.length;
  const fail = (message: string, at = i): never => {
    throw { line: lineAt(text, Math.min(at, n)), message } satisfies JsonSyntaxProblem;
  };
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('unexpected character');
  };
  const string = () => {
    i++; // opening quote
    while (i < n) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape in a string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('bad escape in a string');
      } else if (c < ' ') fail(c === '\n' ? 'unterminated string' : 'control character in a string');
      else i++;
    }
    fail('unterminated string');
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0].length === 0) fail('unexpected character');
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail('nested too deeply');
    ws();
    if (i >= n) fail('unexpected end of input');
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(i >= n ? 'unexpected end of input' : 'expected a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail("expected ':' after a property name");
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(i >= n ? 'unexpected end of input' : "expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(i >= n ? 'unexpected end of input' : "expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  try {
    value(0);
    ws();
    if (i < n) fail('unexpected text after the JSON value');
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'line' in e && 'message' in e) return e as JsonSyntaxProblem;
    throw e;
  }
  return { line: lineAt(text, n), message: 'not valid JSON' };
}
