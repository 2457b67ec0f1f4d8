import { DEFAULT_SCRIPT_LIMITS } from './options.js';
import { errorFromVm, positionIn, type Program } from './vm-errors.js';

const program = (name: string, firstLineOffset = 0): Program => ({
  name,
  source: '',
  firstLineOffset,
});

describe('positionIn', () => {
  it('finds the first frame of the script, not of other files', () => {
    const stack =
      '    at helper (<weft-prelude>:9:3)\n    at transform (orders.js:12:7)\n    at <eval> (orders.js:1:1)\n';
    expect(positionIn(stack, program('orders.js'))).toEqual({ line: 12, column: 7 });
  });

  it('treats the name as text, not a pattern, and needs it to start a location', () => {
    expect(positionIn('    at f (a.b(c)*.js:3:4)\n', program('a.b(c)*.js'))).toEqual({
      line: 3,
      column: 4,
    });
    expect(positionIn('    at f (my-orders.js:3:4)\n', program('orders.js'))).toBeUndefined();
    expect(positionIn('', program('orders.js'))).toBeUndefined();
  });

  it('maps line 1 of the body shape past the wrapper', () => {
    expect(positionIn('    at transform (b.js:1:45)\n', program('b.js', 40))).toEqual({
      line: 1,
      column: 5,
    });
    expect(positionIn('    at transform (b.js:2:45)\n', program('b.js', 40))).toEqual({
      line: 2,
      column: 45,
    });
  });
});

describe('errorFromVm', () => {
  const classify = (message: string, interrupted = false, unreadable = false) =>
    errorFromVm(
      { name: 'InternalError', message, stack: '', unreadable },
      program('x.js'),
      DEFAULT_SCRIPT_LIMITS,
      interrupted,
      'run',
    ).code;

  it('tells resource exhaustion from ordinary failures', () => {
    expect(classify('anything', true)).toBe('script_timeout');
    expect(classify('out of memory')).toBe('script_memory');
    expect(classify('string too long')).toBe('script_memory');
    expect(classify('', false, true)).toBe('script_memory');
    expect(classify('stack overflow')).toBe('script_stack');
    expect(classify('Maximum call stack size exceeded')).toBe('script_stack');
    expect(classify('bad input')).toBe('script_failed');
  });
});
