// Bad input at the HTTP edge: each gets a 4xx with a stable code and a message naming what is
// wrong, and nothing is written.
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import pg from 'pg';
import { bootstrapFirstAdmin, type FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { createDataSource } from '../src/database/data-source.js';
import { capturingLogger, listen, testConfig, testOrgKeys } from './support.js';

describe('bad input over HTTP', () => {
  let database: TestDatabase;
  let controlPlane: ControlPlane;
  let url: string;
  let acme: FirstAdminResult;
  let auth: { cookie: string; csrf: string };

  async function counts(): Promise<string> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT (SELECT count(*) FROM secrets) AS secrets, (SELECT count(*) FROM audit_events) AS audit,
                (SELECT count(*) FROM api_keys) AS keys`,
      );
      return JSON.stringify(rows[0]);
    } finally {
      await client.end();
    }
  }

  async function send(method: string, path: string, body: string) {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        cookie: auth.cookie,
        'x-csrf-token': auth.csrf,
      },
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      body: JSON.parse(text) as { error: { code: string; message: string } },
    };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const setup = createDataSource({ url: database.url, poolSize: 2 });
    await setup.initialize();
    acme = await bootstrapFirstAdmin(setup, testOrgKeys(setup), {
      organizationName: 'Acme',
      organizationSlug: 'acme',
      adminEmail: 'admin@acme.example',
      adminFirstName: 'Ada',
      adminLastName: 'Admin',
    });
    await setup.destroy();
    controlPlane = await createControlPlane(
      testConfig(database.url, { WEFT_COOKIE_SECURE: 'false' }),
      capturingLogger().logger,
    );
    url = await listen(controlPlane.app);
    const session = await controlPlane.dependencies.sessions.create(
      acme.admin.id,
      acme.organization.id,
      {},
    );
    auth = { cookie: `weft_session=${session.token}`, csrf: session.csrfToken };
  });
  afterAll(async () => {
    await controlPlane.app.close();
    await controlPlane.dependencies.close();
    await database.drop();
  });

  const secret = (name: string) =>
    `/api/v1/environments/${acme.environments[0]!.id}/secrets/${name}`;

  it.each([
    ['malformed JSON', 'PUT', 'A', '{"value": "x",', 400, 'BAD_REQUEST', /JSON/],
    ['a JSON array', 'PUT', 'A', '[1,2]', 400, 'SECRET_INVALID', /JSON object/],
    ['a wrong type', 'PUT', 'A', '{"value": 42}', 400, 'SECRET_INVALID', /value must be/],
    [
      'an oversized value',
      'PUT',
      'A',
      JSON.stringify({ value: 'x'.repeat(70_000) }),
      400,
      'SECRET_INVALID',
      /at most 65536 bytes/,
    ],
    [
      'an oversized body',
      'PUT',
      'A',
      JSON.stringify({ value: 'x'.repeat(200_000) }),
      413,
      'PAYLOAD_TOO_LARGE',
      /too large/,
    ],
    [
      'SQL in the name',
      'PUT',
      encodeURIComponent("x'; DROP TABLE secrets;--"),
      '{"value":"v"}',
      400,
      'SECRET_INVALID',
      /name must/,
    ],
    [
      'a right-to-left override in the name',
      'PUT',
      encodeURIComponent('ab\u202Ecd'),
      '{"value":"v"}',
      400,
      'SECRET_INVALID',
      /name must/,
    ],
    [
      'a NUL in a reference',
      'PUT',
      'A',
      JSON.stringify({ reference: 'file:/etc/\u0000x' }),
      400,
      'SECRET_INVALID',
      /reference must/,
    ],
    [
      'a lone surrogate in the value',
      'PUT',
      'A',
      '{"value":"\\ud800"}',
      400,
      'SECRET_INVALID',
      /well-formed/,
    ],
    [
      'an unknown field',
      'PUT',
      'A',
      '{"value":"v","owner":"me"}',
      400,
      'SECRET_INVALID',
      /unknown field "owner"/,
    ],
    [
      'an API key with script in its name and no roles',
      'POST',
      '',
      '{"name":"<script>","roleIds":[]}',
      400,
      'API_KEY_INVALID',
      /roleIds/,
    ],
  ])(
    '%s: a 4xx naming the problem, nothing written',
    async (_what, method, name, body, status, code, message) => {
      const before = await counts();
      const path =
        method === 'POST' ? `/api/v1/organizations/${acme.organization.id}/api-keys` : secret(name);
      const reply = await send(method, path, body);
      expect(reply.status).toBe(status);
      expect(reply.body.error.code).toBe(code);
      expect(reply.body.error.message).toMatch(message);
      expect(await counts()).toBe(before);
    },
  );

  it('stores markup and odd but valid unicode as given, and returns it as JSON', async () => {
    const description = '<script>alert(1)</script> — 👩‍💻 مرحبا';
    const reply = await send('PUT', secret('MARKUP'), JSON.stringify({ value: 'v', description }));
    expect(reply.status).toBe(200);
    expect((reply.body as unknown as { description: string }).description).toBe(description);
  });
});
