import { TransformError } from './errors.js';

describe('TransformError', () => {
  it('carries a stable code and a name', () => {
    const error = new TransformError('invalid_option', 'maxLineBytes must be a positive integer');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      code: 'invalid_option',
      name: 'TransformError',
      message: 'maxLineBytes must be a positive integer',
    });
  });

  it('is recognised by its Symbol.for brand, so copies from another package version still match', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('weft.transform.error')]: true });
    expect(TransformError.is(foreign)).toBe(true);
    expect(TransformError.is(new TransformError('invalid_source', 'x'))).toBe(true);
    expect(TransformError.is(new Error('x'))).toBe(false);
    expect(
      TransformError.is(Object.assign(new Error('x'), { [Symbol('weft.transform.error')]: true })),
    ).toBe(false);
    expect(TransformError.is(undefined)).toBe(false);
  });
});
