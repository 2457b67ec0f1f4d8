import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../src/index.js';
import { CONNECTOR_ERROR_CODES } from '../src/index.js';

const readme = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'),
  'utf8',
);

describe('README', () => {
  it('documents every export', () => {
    for (const name of Object.keys(api)) expect(readme).toContain(name);
  });

  it('has a row for every error code, and no other', () => {
    const rows = [...readme.matchAll(/^\| `([a-z_]+)` +\| [^|]+\| (yes|no) +\|$/gm)].map(
      (match) => match[1],
    );
    expect(rows).toEqual([...CONNECTOR_ERROR_CODES]);
  });

  it('names every address category the egress policy reports', () => {
    for (const address of [
      '127.0.0.1',
      '169.254.169.254',
      '10.0.0.1',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '240.0.0.1',
    ]) {
      expect(readme).toContain(`| \`${api.classifyAddress(address)}\``);
    }
  });
});
