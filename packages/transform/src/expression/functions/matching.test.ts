import { createRegexValue, ExpressionError, type RegexValue } from '../contract.js';
import { fakeContext, fn, invoke, leaving } from './fake-call-context.spec.js';

const re = (source: string, flags = ''): RegexValue => createRegexValue(source, flags);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ExpressionError.is(error) ? error.code : 'not an ExpressionError';
  }
  return undefined;
}

describe('$replace', () => {
  it('expands $n group references', () => {
    expect(invoke('replace', ['John Smith', re('(\\w+)\\s(\\w+)'), '$2, $1'])).toBe('Smith, John');
  });

  it('expands $0, $$ and leaves a $ before a non-digit alone', () => {
    expect(invoke('replace', ['abc', re('(b)'), '[$0|$1|$2|$$|$x]'])).toBe('a[b|b||$|$x]c');
  });

  it('reads multi-digit group numbers only when that group exists', () => {
    const eleven = re('(a)(b)(c)(a)(b)(c)(a)(b)(c)(a)(b)');
    expect(invoke('replace', ['abcabcabcab', eleven, '$10$11$12'])).toBe('aba2');
  });

  it('stops after the limit, and a zero limit replaces nothing', () => {
    expect(invoke('replace', ['a1b2c3', re('(\\d)'), '<$1>', 2])).toBe('a<1>b<2>c3');
    expect(invoke('replace', ['aaa', 'a', 'b', 0])).toBe('aaa');
    expect(invoke('replace', ['aaa', 'a', 'b', 2])).toBe('bba');
  });

  it('calls a replacement function with the match object', () => {
    const context = fakeContext();
    const replacer = fn(1, (m) => {
      const match = m as { match: string; start: number; end: number; groups: string[] };
      return `${match.match.toUpperCase()}@${match.start}-${match.end}:${match.groups.join('')}`;
    });
    expect(invoke('replace', ['a hat', re('(h)(at)'), replacer], context)).toBe('a HAT@2-5:hat');
  });

  it('rejects a replacement function that returns a non-string (D3012)', () => {
    expect(codeOf(() => invoke('replace', ['a hat', re('hat'), fn(1, () => 42)]))).toBe('D3012');
  });

  it('rejects an empty pattern (D3010) and a negative limit (D3011)', () => {
    expect(codeOf(() => invoke('replace', ['abc', '', 'x']))).toBe('D3010');
    expect(codeOf(() => invoke('replace', ['abc', 'b', 'x', -1]))).toBe('D3011');
  });

  it('reports a regex that matches the empty string (D1004)', () => {
    expect(codeOf(() => invoke('replace', ['abc', re('b*'), '-']))).toBe('D1004');
  });

  it('charges the size of the string it builds', () => {
    const context = fakeContext();
    invoke('replace', ['aaaa', 'a', 'bbbbbbbbbb'], context);
    expect(context.charged).toBeGreaterThanOrEqual(40);
  });
});

describe('$match', () => {
  it('returns each match with its index and groups', () => {
    expect(leaving(invoke('match', ['ab12cd34', re('([a-z]+)(\\d+)')]))).toEqual([
      { match: 'ab12', index: 0, groups: ['ab', '12'] },
      { match: 'cd34', index: 4, groups: ['cd', '34'] },
    ]);
  });

  it('honours the limit, and zero gives nothing', () => {
    expect(leaving(invoke('match', ['a1a2a3', re('a\\d'), 2]))).toEqual([
      { match: 'a1', index: 0, groups: [] },
      { match: 'a2', index: 2, groups: [] },
    ]);
    expect(leaving(invoke('match', ['abc', re('b'), 0]))).toBeUndefined();
    expect(codeOf(() => invoke('match', ['abc', re('b'), -1]))).toBe('D3040');
  });

  it('allows a zero-length match only when nothing can follow it', () => {
    expect(leaving(invoke('match', ['', re('x*')]))).toEqual({ match: '', index: 0, groups: [] });
    expect(leaving(invoke('match', ['aaa', re('a*')]))).toEqual({
      match: 'aaa',
      index: 0,
      groups: [],
    });
    expect(codeOf(() => invoke('match', ['abc', re('x*')]))).toBe('D1004');
    expect(codeOf(() => invoke('match', ['abc', re('x*'), 1]))).toBe('D1004');
  });

  it('drives a matcher function through its next() chain', () => {
    // A matcher for the letter "a", written the way a JSONata user would.
    const matcherFor = (text: string, offset: number): unknown => {
      const at = text.indexOf('a');
      if (at === -1) return undefined;
      const start = offset + at;
      return {
        match: 'a',
        start,
        end: start + 1,
        groups: [],
        next: fn(0, () => matcherFor(text.substring(at + 1), start + 1)),
      };
    };
    const matcher = fn(1, (text) => matcherFor(text as string, 0));
    expect(leaving(invoke('match', ['abracadabra', matcher])) as unknown[]).toEqual(
      [0, 3, 5, 7, 10].map((index) => ({ match: 'a', index, groups: [] })),
    );
  });

  it('rejects a matcher function that returns the wrong structure (T1010)', () => {
    expect(
      codeOf(() => invoke('split', ['some text', fn(1, (text) => (text as string).toUpperCase())])),
    ).toBe('T1010');
  });

  it('counts the result against the output limit', () => {
    const context = fakeContext();
    invoke('match', ['aaaa', re('a')], context);
    expect(context.charged).toBe(4);
  });
});

describe('$split', () => {
  it('splits on strings and regexes, with limits', () => {
    expect(invoke('split', ['a,b,c', ','])).toEqual(['a', 'b', 'c']);
    expect(invoke('split', ['a,b,c', ',', 2])).toEqual(['a', 'b']);
    expect(invoke('split', ['ababbxabbcc', re('b+')])).toEqual(['a', 'a', 'xa', 'cc']);
    expect(invoke('split', ['a,b,c,d', re(','), 2])).toEqual(['a', 'b']);
    expect(invoke('split', ['abc', re('x')])).toEqual(['abc']);
    expect(invoke('split', ['abc', re('b'), 0])).toEqual([]);
    expect(codeOf(() => invoke('split', ['abc', ',', -1]))).toBe('D3020');
  });
});

describe('$contains', () => {
  it('tests for a substring or a regex match', () => {
    expect(invoke('contains', ['abc', 'bc'])).toBe(true);
    expect(invoke('contains', ['abc', 'x'])).toBe(false);
    expect(invoke('contains', ['abc', re('B', 'i')])).toBe(true);
    expect(invoke('contains', ['abc', re('x')])).toBe(false);
    expect(invoke('contains', [undefined, 'x'])).toBeUndefined();
  });

  it('asks the regex runner for one match only', () => {
    const context = fakeContext();
    const limits: Array<number | undefined> = [];
    context.regex.matchAll = (_regex, _text, limit) => {
      limits.push(limit);
      return [{ match: 'a', index: 0, groups: [] }];
    };
    expect(invoke('contains', ['aaaa', re('a')], context)).toBe(true);
    expect(limits).toEqual([1]);
  });
});
