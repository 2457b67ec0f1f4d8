// The access matrix, generated from the action catalogue: every endpoint the application has is
// called as nobody, as a member of another organization, with each access level on the right and
// on the wrong environment, and as an administrator; the status must be exactly what the
// catalogue says. An endpoint added tomorrow is in this table tomorrow, without editing it.
import { randomUUID } from 'node:crypto';
import { ACCESS_LEVELS, ACTION_CATALOGUE, type AccessLevel, type Action } from '@weft/rbac';
import { listEndpoints } from '@weft/server-kit';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { bootstrapOrganizations, organization, sqlRows, startControlPlane } from './support.js';

type Caller =
  | { kind: 'nobody' }
  | { kind: 'other-org' }
  | { kind: 'admin' }
  | { kind: 'level'; level: AccessLevel; on: 'right' | 'wrong' };

interface Credentials {
  cookie: string;
  csrf: string;
}

const LEVEL_ORDER: Record<AccessLevel, AccessLevel[]> = {
  // What each granted level implies (View Logs and Agent Install imply nothing else).
  view_logs: ['view_logs'],
  agent_install: ['agent_install'],
  read: ['read'],
  execute: ['execute', 'read'],
  write: ['write', 'execute', 'read'],
};

/** The status class the catalogue predicts: allowed (the guard lets it through), 401 or 403. */
function predicted(action: Action, caller: Caller): 'allowed' | 401 | 403 {
  const requirement = ACTION_CATALOGUE[action];
  if (requirement.scope === 'public') return 'allowed';
  if (caller.kind === 'nobody') return 401;
  if (requirement.scope === 'authenticated') return 'allowed';
  // No person or API key is an agent: the control plane has no agent routes anyway.
  if (requirement.scope === 'agent') return 403;
  if (caller.kind === 'other-org') return 403;
  if (caller.kind === 'admin') return 'allowed';
  if (requirement.scope === 'organization')
    return 'admin' in requirement && requirement.admin ? 403 : 'allowed';
  if (caller.on === 'wrong') return 403;
  return LEVEL_ORDER[caller.level].includes(requirement.level) ? 'allowed' : 403;
}

describe('access matrix generated from the action catalogue', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let url: string;
  let acme: FirstAdminResult;
  let globex: FirstAdminResult;
  let right: string;
  let wrong: string;
  const credentials = new Map<string, () => Promise<Credentials>>();

  const sql = (text: string, params: unknown[] = []) => sqlRows(database.url, text, params);

  /** A fresh session for a person (no password round trip: sign-in has its own tests). */
  function sessionOf(userId: string, orgId: string): () => Promise<Credentials> {
    return async () => {
      const created = await server.controlPlane.dependencies.sessions.create(userId, orgId, {});
      return { cookie: `weft_session=${created.token}`, csrf: created.csrfToken };
    };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    [acme, globex] = (await bootstrapOrganizations(database.url, [
      organization('acme'),
      organization('globex'),
    ])) as [FirstAdminResult, FirstAdminResult];
    right = acme.environments.find((e) => e.name === 'development')!.id;
    wrong = acme.environments.find((e) => e.name === 'production')!.id;

    server = await startControlPlane(database.url);
    url = server.url;
    credentials.set('admin', sessionOf(acme.admin.id, acme.organization.id));
    credentials.set('other-org', sessionOf(globex.admin.id, globex.organization.id));
    // One person per access level, holding it on the development environment only.
    for (const level of ACCESS_LEVELS) {
      const [role] = await sql(
        `INSERT INTO roles (org_id, name, environment_levels) VALUES ($1, $2, $3::jsonb) RETURNING id`,
        [acme.organization.id, `only ${level}`, JSON.stringify({ [right]: [level] })],
      );
      const [user] = await sql(
        `INSERT INTO users (email, first_name, last_name) VALUES ($1, 'L', 'Evel') RETURNING id`,
        [`${level}@acme.example`],
      );
      await sql(
        `INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, ARRAY[$3::uuid])`,
        [acme.organization.id, user!.id, role!.id],
      );
      credentials.set(level, sessionOf(user!.id as string, acme.organization.id));
    }
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  const callers: Caller[] = [
    { kind: 'nobody' },
    { kind: 'other-org' },
    { kind: 'admin' },
    ...ACCESS_LEVELS.flatMap((level) =>
      (['right', 'wrong'] as const).map((on): Caller => ({ kind: 'level', level, on })),
    ),
  ];

  it('covers every endpoint, and every endpoint declares a catalogue action', () => {
    const endpoints = listEndpoints(server.controlPlane.app);
    expect(endpoints.length).toBeGreaterThan(10);
    for (const endpoint of endpoints) expect(endpoint.action).toBeDefined();
  });

  it('answers each caller exactly as the catalogue predicts', async () => {
    const mismatches: string[] = [];
    let calls = 0;
    for (const endpoint of listEndpoints(server.controlPlane.app)) {
      const [method, template] = endpoint.route.split(' ') as [string, string];
      const action = endpoint.action as Action;
      for (const caller of callers) {
        // An environment in an environment-scoped route is what access is checked on; under an
        // organization's route it is only the target (a fresh id, so that an administrator's
        // DELETE there cannot remove the environment the rest of the matrix runs on).
        const environment = template.startsWith('/api/v1/organizations/:orgId/')
          ? randomUUID()
          : caller.kind === 'level' && caller.on === 'wrong'
            ? wrong
            : right;
        const path = template
          .replace(':orgId', acme.organization.id)
          .replace(':environmentId', environment)
          .replace(':name', 'MATRIX_PROBE')
          .replace(':orgSlug', 'matrix-probe')
          .replace(/:(keyId|roleId|userId|invitationId|groupId|agentId)/g, () => randomUUID())
          .replace(':change', 'disable');
        const key = caller.kind === 'level' ? caller.level : caller.kind;
        const auth = caller.kind === 'nobody' ? undefined : await credentials.get(key)!();
        const res = await fetch(`${url}${path}`, {
          method,
          headers: {
            'content-type': 'application/json',
            ...(auth ? { cookie: auth.cookie, 'x-csrf-token': auth.csrf } : {}),
          },
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
        });
        // A live tail (server-sent events) the guard let through never ends by itself.
        if (res.headers.get('content-type')?.startsWith('text/event-stream'))
          await res.body?.cancel();
        else await res.arrayBuffer();
        calls += 1;
        const expected = predicted(action, caller);
        const actual = res.status === 401 || res.status === 403 ? res.status : 'allowed';
        if (actual !== expected) {
          mismatches.push(
            `${endpoint.route} (${action}) as ${JSON.stringify(caller)}: ${res.status}, expected ${expected}`,
          );
        }
      }
    }
    expect(calls).toBeGreaterThan(100);
    expect(mismatches).toEqual([]);
  }, 120_000);
});
