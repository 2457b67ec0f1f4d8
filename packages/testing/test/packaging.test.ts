import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { importBuiltPackage } from '@weft/testing';
import * as source from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('packaging', () => {
  it('imports from the built output under plain node, as ESM and as CJS, with the same API as the source', () => {
    const expected = Object.keys(source).sort();
    const { esm, cjs } = importBuiltPackage(packageDir);
    expect(esm).toEqual(expected);
    expect(cjs).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });
});
