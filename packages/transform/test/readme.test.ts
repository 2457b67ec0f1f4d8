import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const docs = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md'));

describe('README and docs', () => {
  it('links every document under docs/', () => {
    expect(docs.length).toBeGreaterThan(5);
    for (const name of docs) expect(readme).toContain(`](docs/${name})`);
  });

  it('documents every export (in the README or a linked document)', () => {
    const text = [
      readme,
      ...docs.map((name) => readFileSync(join(root, 'docs', name), 'utf8')),
    ].join('\n');
    const missing = Object.keys(api).filter((name) => !text.includes(name));
    expect(missing).toEqual([]);
  });
});
