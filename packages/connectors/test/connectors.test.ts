import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../src/index.js';
import { BUILT_IN_CONNECTORS } from '../src/index.js';

const readme = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'),
  'utf8',
);

it('lists the built-in connectors, each with a unique type, validate, read and write', () => {
  expect(BUILT_IN_CONNECTORS.map((connector) => connector.type)).toEqual([
    'postgres',
    's3',
    'files',
  ]);
  for (const connector of BUILT_IN_CONNECTORS) {
    expect(typeof connector.validate).toBe('function');
    expect(typeof connector.read).toBe('function');
    expect(typeof connector.write).toBe('function');
  }
  expect(
    BUILT_IN_CONNECTORS.filter((connector) => connector.privateOnly).map((c) => c.type),
  ).toEqual(['files']);
  expect(Object.isFrozen(BUILT_IN_CONNECTORS)).toBe(true);
});

it('rejects unknown settings with invalid_config naming them', () => {
  for (const connector of BUILT_IN_CONNECTORS) {
    let error: unknown;
    try {
      connector.validate({ surprise: 1 });
    } catch (caught) {
      error = caught;
    }
    expect((error as { code?: string }).code).toBe('invalid_config');
  }
});

it('documents every export and every connector type in the README', () => {
  for (const name of Object.keys(api)) expect(readme).toContain(name);
  for (const connector of BUILT_IN_CONNECTORS) expect(readme).toContain(`\`${connector.type}\``);
});
