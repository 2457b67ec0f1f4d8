import { listEndpoints } from '@weft/server-kit';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { capturingLogger, listen, testConfig } from './support.js';

describe('control plane over real PostgreSQL, NATS and S3', () => {
  let database: TestDatabase;
  let controlPlane: ControlPlane;
  let url: string;
  const { logger, lines } = capturingLogger();

  beforeAll(async () => {
    database = await createTestDatabase();
    controlPlane = await createControlPlane(testConfig(database.url), logger);
    url = await listen(controlPlane.app);
  });
  afterAll(async () => {
    await controlPlane.app.close();
    await controlPlane.dependencies.close();
    await database.drop();
  });

  it('is alive', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('is ready when PostgreSQL, NATS and S3 all answer', async () => {
    const res = await fetch(`${url}/ready`);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { postgres: 'up', nats: 'up', s3: 'up' },
    });
    expect(res.status).toBe(200);
  });

  it('reports a missing bucket as S3 down, with the reason only in the log', async () => {
    const other = await createControlPlane(
      testConfig(database.url, { S3_BUCKET: 'no-such-bucket' }),
      logger,
    );
    try {
      const otherUrl = await listen(other.app);
      const res = await fetch(`${otherUrl}/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: 'not_ready',
        checks: { postgres: 'up', nats: 'up', s3: 'down' },
      });
      expect(lines.some((line) => line.includes('"dependency":"s3"'))).toBe(true);
    } finally {
      await other.app.close();
      await other.dependencies.close();
    }
  });

  it('serves its OpenAPI document at /api/docs', async () => {
    const res = await fetch(`${url}/api/docs`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { info: { title: string }; paths: Record<string, unknown> };
    expect(doc.info.title).toBe('Weft control plane');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/auth/cli/sso/{orgSlug}',
      '/api/v1/auth/cli/token',
      '/api/v1/auth/login',
      '/api/v1/auth/login/second-factor',
      '/api/v1/auth/logout',
      '/api/v1/auth/password',
      '/api/v1/auth/password-reset',
      '/api/v1/auth/password-reset/complete',
      '/api/v1/auth/register',
      '/api/v1/auth/session',
      '/api/v1/auth/session/organization',
      '/api/v1/auth/sso/{orgSlug}',
      '/api/v1/auth/sso/{orgSlug}/callback',
      '/api/v1/auth/two-factor',
      '/api/v1/auth/two-factor/disable',
      '/api/v1/auth/two-factor/recovery-codes',
      '/api/v1/auth/two-factor/totp',
      '/api/v1/auth/two-factor/totp/confirm',
      '/api/v1/auth/verify-email',
      '/api/v1/environments/{environmentId}/activity',
      '/api/v1/environments/{environmentId}/activity/stream',
      '/api/v1/environments/{environmentId}/agent-group',
      '/api/v1/environments/{environmentId}/agent-groups',
      '/api/v1/environments/{environmentId}/agent-groups/{groupId}/agents',
      '/api/v1/environments/{environmentId}/agent-groups/{groupId}/agents/{agentId}/{change}',
      '/api/v1/environments/{environmentId}/agent-groups/{groupId}/enrolment-tokens',
      '/api/v1/environments/{environmentId}/files',
      '/api/v1/environments/{environmentId}/files/{sha256}',
      '/api/v1/environments/{environmentId}/projects',
      '/api/v1/environments/{environmentId}/projects/by-name/{name}',
      '/api/v1/environments/{environmentId}/projects/import',
      '/api/v1/environments/{environmentId}/projects/{projectId}',
      '/api/v1/environments/{environmentId}/projects/{projectId}/deployments',
      '/api/v1/environments/{environmentId}/projects/{projectId}/operations/{operation}/runs',
      '/api/v1/environments/{environmentId}/projects/{projectId}/revisions',
      '/api/v1/environments/{environmentId}/projects/{projectId}/revisions/{revision}',
      '/api/v1/environments/{environmentId}/projects/{projectId}/revisions/{revision}/archive',
      '/api/v1/environments/{environmentId}/promotions',
      '/api/v1/environments/{environmentId}/promotions/preview',
      '/api/v1/environments/{environmentId}/runs/{runId}',
      '/api/v1/environments/{environmentId}/runs/{runId}/cancel',
      '/api/v1/environments/{environmentId}/runs/{runId}/details',
      '/api/v1/environments/{environmentId}/runs/{runId}/retry',
      '/api/v1/environments/{environmentId}/secrets',
      '/api/v1/environments/{environmentId}/secrets/{name}',
      '/api/v1/environments/{environmentId}/transformations/test',
      '/api/v1/invitations/accept',
      '/api/v1/organizations',
      '/api/v1/organizations/{orgId}/api-keys',
      '/api/v1/organizations/{orgId}/api-keys/{keyId}',
      '/api/v1/organizations/{orgId}/audit-events',
      '/api/v1/organizations/{orgId}/audit-events/verify',
      '/api/v1/organizations/{orgId}/environments',
      '/api/v1/organizations/{orgId}/environments/{environmentId}',
      '/api/v1/organizations/{orgId}/invitations',
      '/api/v1/organizations/{orgId}/invitations/{invitationId}',
      '/api/v1/organizations/{orgId}/keys',
      '/api/v1/organizations/{orgId}/keys/rotate',
      '/api/v1/organizations/{orgId}/members',
      '/api/v1/organizations/{orgId}/members/{userId}',
      '/api/v1/organizations/{orgId}/members/{userId}/roles',
      '/api/v1/organizations/{orgId}/policies',
      '/api/v1/organizations/{orgId}/roles',
      '/api/v1/organizations/{orgId}/roles/{roleId}',
      '/api/v1/organizations/{orgId}/sso',
      '/health',
      '/ready',
    ]);
  });

  // A change to who can reach an endpoint shows up here, in review, as a permission change.
  it('declares a catalogue action on every endpoint', () => {
    expect(listEndpoints(controlPlane.app).map((e) => `${e.route} → ${e.action}`)).toEqual([
      'DELETE /api/v1/environments/:environmentId/files/:sha256 → project.write',
      'DELETE /api/v1/environments/:environmentId/secrets/:name → secret.write',
      'DELETE /api/v1/organizations/:orgId/api-keys/:keyId → api_key.manage',
      'DELETE /api/v1/organizations/:orgId/environments/:environmentId → environment.manage',
      'DELETE /api/v1/organizations/:orgId/invitations/:invitationId → invitation.manage',
      'DELETE /api/v1/organizations/:orgId/members/:userId → member.manage',
      'DELETE /api/v1/organizations/:orgId/roles/:roleId → role.manage',
      'DELETE /api/v1/organizations/:orgId/sso → policy.manage',
      'GET /api/docs → system.docs',
      'GET /api/v1/auth/cli/sso/:orgSlug → session.create',
      'GET /api/v1/auth/session → session.read',
      'GET /api/v1/auth/sso/:orgSlug → session.create',
      'GET /api/v1/auth/sso/:orgSlug/callback → session.create',
      'GET /api/v1/auth/two-factor → session.read',
      'GET /api/v1/environments/:environmentId/activity → activity.read',
      'GET /api/v1/environments/:environmentId/activity/stream → activity.read',
      'GET /api/v1/environments/:environmentId/agent-groups → agent_group.manage',
      'GET /api/v1/environments/:environmentId/agent-groups/:groupId/agents → agent.enrol',
      'GET /api/v1/environments/:environmentId/files → project.read',
      'GET /api/v1/environments/:environmentId/files/:sha256 → project.read',
      'GET /api/v1/environments/:environmentId/projects → project.read',
      'GET /api/v1/environments/:environmentId/projects/:projectId → project.read',
      'GET /api/v1/environments/:environmentId/projects/:projectId/deployments → deployment.read',
      'GET /api/v1/environments/:environmentId/projects/:projectId/revisions → project.read',
      'GET /api/v1/environments/:environmentId/projects/:projectId/revisions/:revision → project.read',
      'GET /api/v1/environments/:environmentId/projects/:projectId/revisions/:revision/archive → project.read',
      'GET /api/v1/environments/:environmentId/projects/by-name/:name → project.read',
      'GET /api/v1/environments/:environmentId/runs/:runId → activity.read',
      'GET /api/v1/environments/:environmentId/runs/:runId/details → activity.read',
      'GET /api/v1/environments/:environmentId/secrets → secret.list',
      'GET /api/v1/environments/:environmentId/secrets/:name → secret.list',
      'GET /api/v1/organizations → organization.list',
      'GET /api/v1/organizations/:orgId/api-keys → api_key.manage',
      'GET /api/v1/organizations/:orgId/audit-events → audit.read',
      'GET /api/v1/organizations/:orgId/audit-events/verify → audit.read',
      'GET /api/v1/organizations/:orgId/environments → organization.read',
      'GET /api/v1/organizations/:orgId/invitations → invitation.manage',
      'GET /api/v1/organizations/:orgId/keys → organization.manage',
      'GET /api/v1/organizations/:orgId/members → organization.read',
      'GET /api/v1/organizations/:orgId/policies → organization.read',
      'GET /api/v1/organizations/:orgId/roles → organization.read',
      'GET /api/v1/organizations/:orgId/sso → policy.manage',
      'GET /health → system.health',
      'GET /ready → system.ready',
      'PATCH /api/v1/organizations/:orgId/environments/:environmentId → environment.manage',
      'PATCH /api/v1/organizations/:orgId/policies → policy.manage',
      'PATCH /api/v1/organizations/:orgId/roles/:roleId → role.manage',
      'POST /api/v1/auth/cli/token → session.create',
      'POST /api/v1/auth/login → session.create',
      'POST /api/v1/auth/login/second-factor → session.create',
      'POST /api/v1/auth/logout → session.manage',
      'POST /api/v1/auth/password → account.manage',
      'POST /api/v1/auth/password-reset → account.register',
      'POST /api/v1/auth/password-reset/complete → account.register',
      'POST /api/v1/auth/register → account.register',
      'POST /api/v1/auth/session/organization → session.manage',
      'POST /api/v1/auth/two-factor/disable → two_factor.manage',
      'POST /api/v1/auth/two-factor/recovery-codes → two_factor.manage',
      'POST /api/v1/auth/two-factor/totp → two_factor.manage',
      'POST /api/v1/auth/two-factor/totp/confirm → two_factor.manage',
      'POST /api/v1/auth/verify-email → account.register',
      'POST /api/v1/environments/:environmentId/agent-groups → agent_group.manage',
      'POST /api/v1/environments/:environmentId/agent-groups/:groupId/agents/:agentId/:change → agent.enrol',
      'POST /api/v1/environments/:environmentId/agent-groups/:groupId/enrolment-tokens → agent.enrol',
      'POST /api/v1/environments/:environmentId/files → project.write',
      'POST /api/v1/environments/:environmentId/projects → project.write',
      'POST /api/v1/environments/:environmentId/projects/:projectId/deployments → project.deploy',
      'POST /api/v1/environments/:environmentId/projects/:projectId/operations/:operation/runs → operation.run',
      'POST /api/v1/environments/:environmentId/projects/import → project.write',
      'POST /api/v1/environments/:environmentId/promotions → project.write',
      'POST /api/v1/environments/:environmentId/promotions/preview → project.write',
      'POST /api/v1/environments/:environmentId/runs/:runId/cancel → run.cancel',
      'POST /api/v1/environments/:environmentId/runs/:runId/retry → run.retry',
      'POST /api/v1/environments/:environmentId/transformations/test → project.write',
      'POST /api/v1/invitations/accept → invitation.accept',
      'POST /api/v1/organizations/:orgId/api-keys → api_key.manage',
      'POST /api/v1/organizations/:orgId/environments → environment.manage',
      'POST /api/v1/organizations/:orgId/invitations → invitation.manage',
      'POST /api/v1/organizations/:orgId/keys/rotate → organization.manage',
      'POST /api/v1/organizations/:orgId/roles → role.manage',
      'PUT /api/v1/environments/:environmentId/agent-group → project.deploy',
      'PUT /api/v1/environments/:environmentId/secrets/:name → secret.write',
      'PUT /api/v1/organizations/:orgId/members/:userId/roles → member.manage',
      'PUT /api/v1/organizations/:orgId/sso → policy.manage',
    ]);
  });

  // Until a caller is authenticated (the identity issue adds sessions), nothing but the public
  // endpoints answers: deny by default.
  it.each([
    ['GET', '/api/v1/environments/00000000-0000-4000-8000-000000000001/secrets'],
    ['PUT', '/api/v1/environments/00000000-0000-4000-8000-000000000001/secrets/API_KEY'],
    ['DELETE', '/api/v1/environments/00000000-0000-4000-8000-000000000001/secrets/API_KEY'],
    ['GET', '/api/v1/organizations/00000000-0000-4000-8000-000000000001/keys'],
    ['GET', '/api/v1/organizations/00000000-0000-4000-8000-000000000001/audit-events'],
    ['POST', '/api/v1/organizations/00000000-0000-4000-8000-000000000001/keys/rotate'],
  ])('refuses an unauthenticated %s %s with 401', async (method, path) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'PUT' ? { body: JSON.stringify({ value: 'x' }) } : {}),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'authentication required' },
    });
  });

  it('never logs the database password', () => {
    const password = new URL(database.url).password;
    expect(password.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(password);
  });
});
