import { randomBytes } from 'node:crypto';
import { generateSigningKeyPair } from '@weft/crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { AgentError, AgentRegistry } from '../src/agents/agent-registry.js';
import {
  apiClient,
  bootstrapOrganizations,
  organization,
  sqlRows,
  startControlPlane,
  type Credentials,
} from './support.js';

describe('agent groups, enrolment tokens and the agent registry', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let api: ReturnType<typeof apiClient>;
  let acme: FirstAdminResult;
  let globex: FirstAdminResult;
  let admin: Credentials;
  let registry: AgentRegistry;
  const password = `pw-${randomBytes(16).toString('base64url')}`;
  const sql = (text: string, params: unknown[] = []) => sqlRows(database.url, text, params);
  const groups = (environmentId: string) => `/api/v1/environments/${environmentId}/agent-groups`;
  const development = () => acme.environments.find((e) => e.name === 'development')!.id;

  async function refused(work: Promise<unknown>): Promise<string> {
    try {
      await work;
    } catch (error) {
      if (AgentError.is(error)) return error.code;
      throw error;
    }
    throw new Error('expected a refusal');
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    [acme, globex] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
      organization('globex', { adminPassword: password }),
    ])) as [FirstAdminResult, FirstAdminResult];
    server = await startControlPlane(database.url);
    api = apiClient(server.url);
    admin = await api.signIn('admin@acme.example', password);
    registry = new AgentRegistry(server.controlPlane.dependencies.dataSource);
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it('creates a group for an environment and binds it to another by name', async () => {
    const created = await api.http('POST', groups(development()), admin, { name: 'on-prem' });
    expect(created.status).toBe(201);
    const group = created.body as { id: string; environmentIds: string[] };
    expect(group.environmentIds).toEqual([development()]);
    const test = acme.environments.find((e) => e.name === 'test')!.id;
    const bound = await api.http('POST', groups(test), admin, { name: 'on-prem' });
    expect(bound.body).toMatchObject({ id: group.id, environmentIds: [development(), test] });
    const production = acme.environments.find((e) => e.name === 'production')!.id;
    expect((await api.http('GET', groups(production), admin)).body).toEqual([]);
    expect(((await api.http('GET', groups(test), admin)).body as unknown[]).length).toBe(1);
  });

  it('enrols an agent with a one-time token and its public key; the token decides org and group', async () => {
    const [group] = (await api.http('GET', groups(development()), admin)).body as Array<{
      id: string;
    }>;
    const issued = await api.http(
      'POST',
      `${groups(development())}/${group!.id}/enrolment-tokens`,
      admin,
    );
    expect(issued.status).toBe(201);
    const { token } = issued.body as { token: string };
    expect(token).toMatch(/^weft_enrol_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(await sql(`SELECT * FROM agent_enrolment_tokens`))).not.toContain(
      token.slice(11),
    );

    const keys = generateSigningKeyPair();
    expect(await refused(registry.enrol({ token, publicKey: 'not-a-key', name: 'a' }))).toBe(
      'PUBLIC_KEY_INVALID',
    );
    const identity = await registry.enrol({
      token,
      publicKey: keys.publicKey,
      name: 'agent-1',
      version: '0.1.0',
      host: 'host-1',
    });
    expect(identity).toMatchObject({
      orgId: acme.organization.id,
      groupId: group!.id,
      publicKey: keys.publicKey,
    });
    expect(identity.environmentIds).toContain(development());
    // The same token with the same key again (the agent never got the answer): the same agent.
    expect(await registry.enrol({ token, publicKey: keys.publicKey, name: 'agent-1' })).toEqual(
      identity,
    );
    expect(
      await sql(`SELECT count(*)::int AS n FROM agents WHERE org_id = $1`, [acme.organization.id]),
    ).toEqual([{ n: 1 }]);
    // Once only for any other key.
    expect(
      await refused(
        registry.enrol({ token, publicKey: generateSigningKeyPair().publicKey, name: 'b' }),
      ),
    ).toBe('ENROLMENT_TOKEN_INVALID');
    // Expired.
    const late = (
      (await api.http('POST', `${groups(development())}/${group!.id}/enrolment-tokens`, admin))
        .body as { token: string }
    ).token;
    await sql(
      `UPDATE agent_enrolment_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`,
    );
    expect(
      await refused(
        registry.enrol({ token: late, publicKey: generateSigningKeyPair().publicKey, name: 'c' }),
      ),
    ).toBe('ENROLMENT_TOKEN_INVALID');
  });

  it('shows each agent with version, host, heartbeat and state', async () => {
    const [group] = (await api.http('GET', groups(development()), admin)).body as Array<{
      id: string;
    }>;
    const path = `${groups(development())}/${group!.id}/agents`;
    const list = async () =>
      (await api.http('GET', path, admin)).body as Array<Record<string, unknown>>;
    expect(await list()).toMatchObject([
      {
        name: 'agent-1',
        version: '0.1.0',
        host: 'host-1',
        state: 'offline',
        lastHeartbeatAt: null,
      },
    ]);
    await sql(`UPDATE agents SET last_heartbeat_at = now()`);
    expect((await list())[0]).toMatchObject({ state: 'online' });
    await sql(`UPDATE agents SET busy = true`);
    expect((await list())[0]).toMatchObject({ state: 'busy' });
  });

  it('refuses a disabled agent until enabled, and a revoked one for good', async () => {
    const [group] = (await api.http('GET', groups(development()), admin)).body as Array<{
      id: string;
    }>;
    const base = `${groups(development())}/${group!.id}/agents`;
    const [agent] = (await api.http('GET', base, admin)).body as Array<{ id: string }>;
    expect((await registry.identity(agent!.id)).agentId).toBe(agent!.id);
    expect((await api.http('POST', `${base}/${agent!.id}/disable`, admin)).status).toBe(204);
    expect(await refused(registry.identity(agent!.id))).toBe('AGENT_REVOKED');
    expect((await api.http('POST', `${base}/${agent!.id}/enable`, admin)).status).toBe(204);
    expect((await registry.identity(agent!.id)).agentId).toBe(agent!.id);
    expect((await api.http('POST', `${base}/${agent!.id}/revoke`, admin)).status).toBe(204);
    expect(await refused(registry.identity(agent!.id))).toBe('AGENT_REVOKED');
    expect((await api.http('POST', `${base}/${agent!.id}/enable`, admin)).status).toBe(404);
    expect((await api.http('POST', `${base}/${agent!.id}/reboot`, admin)).status).toBe(404);
    expect(await refused(registry.identity(randomBytes(16).toString('hex')))).toBe('NOT_FOUND');
  });

  it("never reaches another organization's groups or agents", async () => {
    const [group] = (await api.http('GET', groups(development()), admin)).body as Array<{
      id: string;
    }>;
    const foreignEnvironment = globex.environments[0]!.id;
    // Acme's administrator on globex's environment: the guard refuses before anything is read.
    expect((await api.http('GET', groups(foreignEnvironment), admin)).status).toBe(403);
    expect(
      (await api.http('POST', `${groups(foreignEnvironment)}/${group!.id}/enrolment-tokens`, admin))
        .status,
    ).toBe(403);
    // Acme's group under one of acme's environments it does not serve: not found.
    const production = acme.environments.find((e) => e.name === 'production')!.id;
    const notServed = await api.http(
      'POST',
      `${groups(production)}/${group!.id}/enrolment-tokens`,
      admin,
    );
    expect(notServed.status).toBe(404);
    expect(notServed.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const audit = await sql(
      `SELECT action, details->>'change' AS change FROM audit_events
       WHERE action IN ('agent.enrol', 'agent_group.manage') AND outcome = 'succeeded' ORDER BY seq`,
    );
    expect(audit.map((row) => row.change)).toEqual([
      'created',
      'bound',
      'enrolment-token',
      'enrolled',
      'enrolment-token',
      'disable',
      'enable',
      'revoke',
    ]);
  });
});
