import {
  diffProjects,
  parseProjectFolder,
  projectDigest,
  validateProject,
  type ProjectDocument,
} from '../src/index.js';
import { fixtureFiles } from './support.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const example: ProjectDocument = parseProjectFolder(fixtureFiles());
const fresh = (): Data => JSON.parse(JSON.stringify(example)) as Data;

/** The same data with every object's keys in reverse order (as a database might return it). */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, entry]) => [key, reversed(entry)]),
  );
}

describe('projectDigest', () => {
  it('is the sha256 of the canonical JSON: key order does not matter, content does', () => {
    const digest = projectDigest(example);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(projectDigest(reversed(example) as ProjectDocument)).toBe(digest);
    const changed = fresh();
    changed['schedules']['nightly']['enabled'] = true;
    expect(projectDigest(validateProject(changed))).not.toBe(digest);
  });

  it('does not tell an empty section from a missing one once validated', () => {
    const project = fresh();
    delete project['scripts'];
    expect(projectDigest(validateProject(project))).toBe(projectDigest(example));
  });
});

describe('diffProjects', () => {
  it('finds nothing between a project and itself in another key order', () => {
    expect(diffProjects(example, reversed(example) as ProjectDocument)).toEqual([]);
  });

  it('lists each item added, removed or changed, in a stable order', () => {
    const to = fresh();
    to['description'] = 'Orders, now hourly';
    to['variables']['ORDERS_PREFIX'] = { kind: 'variable' };
    delete to['variables']['S3_ENDPOINT'];
    to['connections']['orders-bucket']['config']['endpoint'] = 'https://s3.amazonaws.com';
    to['connections']['orders-bucket']['config']['prefix'] = '${ORDERS_PREFIX}';
    to['schedules']['nightly']['cron'] = '0 * * * *';
    to['operations']['archive'] = {};
    delete to['apiEndpoints']['orders'];
    expect(diffProjects(example, validateProject(to))).toEqual([
      { path: 'description', change: 'changed' },
      { path: 'variables.ORDERS_PREFIX', change: 'added' },
      { path: 'variables.S3_ENDPOINT', change: 'removed' },
      { path: 'connections.orders-bucket', change: 'changed' },
      { path: 'operations.archive', change: 'added' },
      { path: 'schedules.nightly', change: 'changed' },
      { path: 'apiEndpoints.orders', change: 'removed' },
    ]);
  });

  it('reports a description added or removed', () => {
    const without = fresh();
    delete without['description'];
    expect(diffProjects(validateProject(without), example)).toEqual([
      { path: 'description', change: 'added' },
    ]);
    expect(diffProjects(example, validateProject(without))).toEqual([
      { path: 'description', change: 'removed' },
    ]);
  });
});
