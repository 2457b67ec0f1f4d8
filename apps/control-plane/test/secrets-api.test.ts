import { randomBytes } from 'node:crypto';
import type { Principal } from '@weft/rbac';
import { listBackups } from '../src/backup/index.js';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import { bootstrapFirstAdmin, type FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { createDataSource } from '../src/database/data-source.js';
import {
  capturingLogger,
  leakingLines,
  listen,
  plaintextLeaks,
  plantedSecret,
  testConfig,
  testOrgKeys,
} from './support.js';

/**
 * The vault and key endpoints over HTTP, through the real guard. Sessions come with the identity
 * issue; until then this file stands in for authentication by attaching a principal from a
 * test-only header, in a middleware only this test installs.
 */
const PRINCIPAL_HEADER = 'x-test-principal';

describe('secrets and keys API', () => {
  let database: TestDatabase;
  let controlPlane: ControlPlane;
  let url: string;
  let acme: FirstAdminResult;
  let globex: FirstAdminResult;
  const log = capturingLogger();
  const backupPrefix = `scheduled-${randomBytes(4).toString('hex')}`;

  const admin = (): Principal => ({
    kind: 'user',
    id: acme.admin.id,
    orgId: acme.organization.id,
    admin: true,
    environments: {},
  });
  const readOnly = (): Principal => ({
    kind: 'user',
    id: acme.admin.id,
    orgId: acme.organization.id,
    admin: false,
    environments: {},
    allEnvironments: ['read'],
  });
  const dev = () => acme.environments.find((e) => e.name === 'development')!.id;

  async function call(
    principal: Principal,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; text: string }> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        [PRINCIPAL_HEADER]: JSON.stringify(principal),
        'content-type': 'application/json',
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const setup = createDataSource({ url: database.url, poolSize: 2 });
    await setup.initialize();
    const keys = testOrgKeys(setup);
    const org = (slug: string) => ({
      organizationName: slug,
      organizationSlug: slug,
      adminEmail: `admin@${slug}.example`,
      adminFirstName: 'A',
      adminLastName: 'B',
    });
    acme = await bootstrapFirstAdmin(setup, keys, org('acme'));
    globex = await bootstrapFirstAdmin(setup, keys, org('globex'));
    await setup.destroy();

    controlPlane = await createControlPlane(
      testConfig(database.url, {
        WEFT_KEY_HOUSEKEEPING_SECONDS: '1',
        WEFT_BACKUP_INTERVAL_HOURS: '24',
        WEFT_BACKUP_PREFIX: backupPrefix,
      }),
      log.logger,
    );
    controlPlane.app.use(
      (
        req: { headers: Record<string, string>; principal?: Principal },
        _res: unknown,
        next: () => void,
      ) => {
        const header = req.headers[PRINCIPAL_HEADER];
        if (header) req.principal = JSON.parse(header) as Principal;
        next();
      },
    );
    url = await listen(controlPlane.app);
  });
  afterAll(async () => {
    await controlPlane.app.close();
    await controlPlane.dependencies.close();
    await database.drop();
  });

  it('stores a value and never returns it', async () => {
    const value = plantedSecret('http');
    const put = await call(admin(), 'PUT', `/api/v1/environments/${dev()}/secrets/CRM_TOKEN`, {
      kind: 'credential',
      description: 'CRM',
      value,
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ name: 'CRM_TOKEN', display: '********', revision: 1 });
    const list = await call(admin(), 'GET', `/api/v1/environments/${dev()}/secrets`);
    const one = await call(admin(), 'GET', `/api/v1/environments/${dev()}/secrets/CRM_TOKEN`);
    expect(list.status).toBe(200);
    expect(one.status).toBe(200);
    for (const response of [put, list, one]) expect(response.text).not.toContain(value);
  });

  it('answers bad input with 400 and a code naming the field, unknown names with 404', async () => {
    const bad = await call(admin(), 'PUT', `/api/v1/environments/${dev()}/secrets/CRM_TOKEN`, {
      reference: 'http://example.com',
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      error: {
        code: 'SECRET_INVALID',
        message: 'reference must be env:NAME or file:/absolute/path',
        details: { field: 'reference' },
      },
    });
    const badName = await call(
      admin(),
      'PUT',
      `/api/v1/environments/${dev()}/secrets/has%20space`,
      {
        value: 'x',
      },
    );
    expect(badName.status).toBe(400);
    const missing = await call(admin(), 'DELETE', `/api/v1/environments/${dev()}/secrets/NOPE`);
    expect(missing.status).toBe(404);
    expect((missing.json as { error: { code: string } }).error.code).toBe('SECRET_NOT_FOUND');
  });

  it('lets Read list but not write; deletes with Write', async () => {
    expect((await call(readOnly(), 'GET', `/api/v1/environments/${dev()}/secrets`)).status).toBe(
      200,
    );
    const denied = await call(readOnly(), 'PUT', `/api/v1/environments/${dev()}/secrets/X`, {
      value: 'x',
    });
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({
      error: { code: 'FORBIDDEN', message: 'not allowed: secret.write' },
    });
    expect(
      (await call(readOnly(), 'POST', `/api/v1/organizations/${acme.organization.id}/keys/rotate`))
        .status,
    ).toBe(403);
    await call(admin(), 'PUT', `/api/v1/environments/${dev()}/secrets/TEMP`, { value: 'x' });
    expect(
      (await call(admin(), 'DELETE', `/api/v1/environments/${dev()}/secrets/TEMP`)).status,
    ).toBe(204);
  });

  it("refuses another organization's environment and keys, even to an admin", async () => {
    const theirs = globex.environments[0]!.id;
    expect((await call(admin(), 'GET', `/api/v1/environments/${theirs}/secrets`)).status).toBe(403);
    expect(
      (await call(admin(), 'PUT', `/api/v1/environments/${theirs}/secrets/X`, { value: 'x' }))
        .status,
    ).toBe(403);
    expect(
      (await call(admin(), 'GET', `/api/v1/organizations/${globex.organization.id}/keys`)).status,
    ).toBe(403);
  });

  it('rotates on request; the background job re-encrypts and retires the old version', async () => {
    const before = await call(admin(), 'GET', `/api/v1/organizations/${acme.organization.id}/keys`);
    expect(before.json).toMatchObject({
      versions: [{ version: 1, state: 'active', current: true, ciphertexts: 1 }],
      jobs: [],
    });
    const rotated = await call(
      admin(),
      'POST',
      `/api/v1/organizations/${acme.organization.id}/keys/rotate`,
    );
    expect(rotated.status).toBe(202);
    expect(rotated.json).toMatchObject({ version: 2 });
    type Status = {
      versions: Array<{ version: number; state: string; current: boolean; ciphertexts: number }>;
      jobs: Array<{ targetVersion: number; status: string; processed: number }>;
    };
    let status: Status | undefined;
    for (let i = 0; i < 100; i += 1) {
      status = (await call(admin(), 'GET', `/api/v1/organizations/${acme.organization.id}/keys`))
        .json as Status;
      // Versions and jobs are read one after the other: a job that completes in between shows
      // as completed beside a version not yet retired; the next read sees both.
      const settled = status.versions.every((v) => v.current || v.state === 'retired');
      if (status.jobs[0]?.status === 'completed' && settled) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status!.jobs).toMatchObject([{ targetVersion: 2, status: 'completed', processed: 1 }]);
    expect(status!.versions.map((v) => [v.version, v.state, v.current, v.ciphertexts])).toEqual([
      [2, 'active', true, 1],
      [1, 'retired', false, 0],
    ]);
    expect(JSON.stringify(status)).not.toMatch(/wrapped|blob/i);
  });

  it('reads the audit trail newest first, filtered and paged by cursor, admins only', async () => {
    const base = `/api/v1/organizations/${acme.organization.id}/audit-events`;
    const all = (await call(admin(), 'GET', `${base}?action=secret.write`)).json as {
      events: Array<{ id: string; action: string; details: { name: string; change: string } }>;
      nextCursor: string | null;
    };
    // CRM_TOKEN created, TEMP created then deleted: newest first.
    expect(all.events.map((e) => `${e.details.name} ${e.details.change}`)).toEqual([
      'TEMP deleted',
      'TEMP created',
      'CRM_TOKEN created',
    ]);
    expect(all.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (
        await call(
          admin(),
          'GET',
          `${base}?action=secret.write&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        )
      ).json as { events: Array<{ id: string }>; nextCursor: string | null };
      seen.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(all.events.map((e) => e.id));

    const bad = await call(admin(), 'GET', `${base}?environment=x`);
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      error: {
        code: 'AUDIT_QUERY_INVALID',
        message: 'unknown parameter "environment"',
        details: { field: 'environment' },
      },
    });
    expect((await call(admin(), 'GET', `${base}?limit=0`)).status).toBe(400);
    const verified = await call(admin(), 'GET', `${base}/verify`);
    expect(verified.json).toMatchObject({ intact: true });
    expect((verified.json as { checked: number }).checked).toBeGreaterThanOrEqual(3);
    expect((await call(admin(), 'GET', `${base}?cursor=bm9wZQ`)).status).toBe(400);
    expect((await call(readOnly(), 'GET', base)).status).toBe(403);
    const globexTrail = (
      await call(admin(), 'GET', `/api/v1/organizations/${globex.organization.id}/audit-events`)
    ).status;
    expect(globexTrail).toBe(403);
  });

  it('takes a scheduled backup when none is recent (WEFT_BACKUP_INTERVAL_HOURS)', async () => {
    const storage = { s3: controlPlane.dependencies.s3, bucket: 'weft', prefix: backupPrefix };
    for (let i = 0; i < 100 && (await listBackups(storage)).length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await listBackups(storage)).toHaveLength(1);
  });

  it('leaves no planted plaintext in any column or log line', async () => {
    expect(log.lines.length).toBeGreaterThan(0);
    expect(leakingLines(log.lines)).toEqual([]);
    const check = createDataSource({ url: database.url, poolSize: 1 });
    await check.initialize();
    try {
      expect(await plaintextLeaks(check)).toEqual([]);
    } finally {
      await check.destroy();
    }
  });
});
