import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACTION_CATALOGUE, ACTIONS, describeRequirement } from '../src/index.js';
import * as api from '../src/index.js';

const readme = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'),
  'utf8',
);

describe('README', () => {
  it('lists every action with its current requirement, and no other action', () => {
    const rows = [...readme.matchAll(/^\| `([a-z_]+\.[a-z_]+)` +\| ([^|]+) \|/gm)].map((match) => [
      match[1],
      match[2]!.trim(),
    ]);
    expect(rows).toEqual(
      ACTIONS.map((action) => [action, describeRequirement(ACTION_CATALOGUE[action])]),
    );
  });

  it('documents every export', () => {
    for (const name of Object.keys(api)) expect(readme).toContain(name);
  });
});
