import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../src/index.js';

describe('README', () => {
  it('documents every export', () => {
    const readme = readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'),
      'utf8',
    );
    for (const name of Object.keys(api)) expect(readme).toContain(name);
  });
});
