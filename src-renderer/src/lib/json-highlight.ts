/**
 * A small JSON tokenizer for syntax colouring. It returns plain text tokens that the view renders
 * as React text nodes: no HTML is ever built from resource content.
 */

export type JsonTokenKind = 'key' | 'string' | 'number' | 'boolean' | 'null' | 'punctuation' | 'whitespace' | 'invalid';

export interface JsonToken {
  kind: JsonTokenKind;
  text: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /\s+/y;
const LITERAL = /true|false|null/y;

/** Ends of a JSON string starting at `start` (a quote), honouring backslash escapes. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') i += 2;
    else if (ch === '"') return i + 1;
    else i += 1;
  }
  return text.length;
}

function nextNonSpace(text: string, from: number): string | undefined {
  WHITESPACE.lastIndex = from;
  const match = WHITESPACE.exec(text);
  return text[match ? from + match[0].length : from];
}

/** Splits JSON text into coloured tokens; concatenating the tokens gives the text back. */
export function tokenizeJson(text: string): JsonToken[] {
  const tokens: JsonToken[] = [];
  const push = (kind: JsonTokenKind, value: string): void => {
    const last = tokens[tokens.length - 1];
    if (last && last.kind === kind && (kind === 'whitespace' || kind === 'invalid')) last.text += value;
    else tokens.push({ kind, text: value });
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = stringEnd(text, i);
      // A string followed by a colon is an object key.
      push(nextNonSpace(text, end) === ':' ? 'key' : 'string', text.slice(i, end));
      i = end;
      continue;
    }
    if ('{}[],:'.includes(ch)) {
      push('punctuation', ch);
      i += 1;
      continue;
    }
    WHITESPACE.lastIndex = i;
    const space = WHITESPACE.exec(text);
    if (space) {
      push('whitespace', space[0]);
      i += space[0].length;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (number) {
      push('number', number[0]);
      i += number[0].length;
      continue;
    }
    LITERAL.lastIndex = i;
    const literal = LITERAL.exec(text);
    if (literal) {
      push(literal[0] === 'null' ? 'null' : 'boolean', literal[0]);
      i += literal[0].length;
      continue;
    }
    push('invalid', ch);
    i += 1;
  }
  return tokens;
}
