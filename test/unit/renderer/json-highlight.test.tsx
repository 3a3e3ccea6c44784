// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonView } from '../../../src-renderer/src/components/JsonView';
import { tokenizeJson } from '../../../src-renderer/src/lib/json-highlight';
import { installDomShims } from './dom-shims';

installDomShims();
afterEach(cleanup);

describe('tokenizeJson', () => {
  it('gives back the exact text and classifies keys, strings, numbers and literals', () => {
    const text = JSON.stringify({ resourceType: 'Observation', value: -1.5e3, ok: true, none: null, list: ['a:b', 2] }, null, 2);
    const tokens = tokenizeJson(text);
    expect(tokens.map((token) => token.text).join('')).toBe(text);
    const of = (kind: string) => tokens.filter((token) => token.kind === kind).map((token) => token.text);
    expect(of('key')).toEqual(['"resourceType"', '"value"', '"ok"', '"none"', '"list"']);
    expect(of('string')).toEqual(['"Observation"', '"a:b"']);
    expect(of('number')).toEqual(['-1500', '2']);
    expect(of('boolean')).toEqual(['true']);
    expect(of('null')).toEqual(['null']);
  });

  it('keeps escaped quotes inside one string token', () => {
    const tokens = tokenizeJson('{"div": "say \\"hi\\" \\\\"}');
    expect(tokens.find((token) => token.kind === 'string')?.text).toBe('"say \\"hi\\" \\\\"');
  });

  it('marks non-JSON characters as invalid instead of dropping them', () => {
    const tokens = tokenizeJson('{oops}');
    expect(tokens.map((token) => token.text).join('')).toBe('{oops}');
    expect(tokens.some((token) => token.kind === 'invalid')).toBe(true);
  });
});

describe('JsonView', () => {
  it('renders markup inside resource content as text, never as HTML', () => {
    const hostile = { resourceType: 'Patient', text: { div: '<img src=x onerror="alert(1)"><b>bold</b>' } };
    const { getByTestId } = render(
      <MantineProvider env="test">
        <JsonView value={hostile} />
      </MantineProvider>,
    );
    const view = getByTestId('json-view');
    expect(view.querySelector('img')).toBeNull();
    expect(view.querySelector('b')).toBeNull();
    expect(view.textContent).toBe(JSON.stringify(hostile, null, 2));
  });
});
