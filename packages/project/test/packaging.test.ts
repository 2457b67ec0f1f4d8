import { importBuiltPackage } from '@weft/testing';
import * as source from '../src/index.js';

// Third-party plugin authors import the built package: prove that works from plain Node.
it('imports from the built output under plain node, as ESM and as CJS, with the same API as the source', () => {
  const expected = Object.keys(source).sort();
  expect(expected.length).toBeGreaterThan(0);
  expect(importBuiltPackage(new URL('..', import.meta.url))).toEqual({
    esm: expected,
    cjs: expected,
  });
});
