// Bad input at the HTTP edge: each gets a 4xx with a stable code and a message naming what is
// wrong, and nothing is written.
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { bootstrapOrganizations, organization, sqlRows, startControlPlane } from './support.js';

describe('bad input over HTTP', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let url: string;
  let acme: FirstAdminResult;
  let auth: { cookie: string; csrf: string };

  async function counts(): Promise<string> {
    const [row] = await sqlRows(
      database.url,
      `SELECT (SELECT count(*) FROM secrets) AS secrets, (SELECT count(*) FROM audit_events) AS audit,
              (SELECT count(*) FROM api_keys) AS keys, (SELECT count(*) FROM environments) AS environments,
              (SELECT count(*) FROM roles) AS roles, (SELECT count(*) FROM invitations) AS invitations,
              (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM mail_outbox) AS mail,
              (SELECT count(*) FROM org_identity_providers) AS providers,
              (SELECT count(*) FROM projects) AS projects, (SELECT count(*) FROM project_revisions) AS revisions,
              (SELECT count(*) FROM deployments) AS deployments, (SELECT count(*) FROM runs) AS runs,
              (SELECT count(*) FROM activity_log) AS activity,
              (SELECT count(*) FROM project_files) AS files,
              (SELECT md5(string_agg(row(e.*)::text, ',' ORDER BY e.id)) FROM environments e) AS environment_rows,
              (SELECT md5(row(o.*)::text) FROM organizations o WHERE slug = 'acme') AS organization`,
    );
    return JSON.stringify(row);
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
    [acme] = (await bootstrapOrganizations(database.url, [organization('acme')])) as [
      FirstAdminResult,
    ];
    server = await startControlPlane(database.url);
    url = server.url;
    const session = await server.controlPlane.dependencies.sessions.create(
      acme.admin.id,
      acme.organization.id,
      {},
    );
    auth = { cookie: `weft_session=${session.token}`, csrf: session.csrfToken };
  });
  afterAll(async () => {
    await server.stop();
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

  // Every other write of the API takes a class-validator DTO: the same 400 shape, the field named.
  const org = () => `/api/v1/organizations/${acme.organization.id}`;
  it.each([
    [
      'register: malformed JSON',
      'POST',
      () => '/api/v1/auth/register',
      '{"email":',
      'BAD_REQUEST',
      undefined,
    ],
    [
      'register: unknown field',
      'POST',
      () => '/api/v1/auth/register',
      '{"email":"a@b.example","password":"x","firstName":"A","lastName":"B","role":"admin"}',
      'VALIDATION_FAILED',
      'role',
    ],
    [
      'register: oversized name',
      'POST',
      () => '/api/v1/auth/register',
      JSON.stringify({
        email: 'a@b.example',
        password: 'x'.repeat(20),
        firstName: 'A'.repeat(101),
        lastName: 'B',
      }),
      'VALIDATION_FAILED',
      'firstName',
    ],
    [
      'register: SQL in the email',
      'POST',
      () => '/api/v1/auth/register',
      JSON.stringify({
        email: "x'; DROP TABLE users;--",
        password: 'x'.repeat(20),
        firstName: 'A',
        lastName: 'B',
      }),
      'VALIDATION_FAILED',
      'email',
    ],
    [
      'environment: wrong type',
      'POST',
      () => `${org()}/environments`,
      '{"name":42,"kind":"test"}',
      'VALIDATION_FAILED',
      'name',
    ],
    [
      'environment: control characters',
      'POST',
      () => `${org()}/environments`,
      JSON.stringify({ name: 'ab', kind: 'test' }),
      'VALIDATION_FAILED',
      'name',
    ],
    [
      'role: a level that does not exist',
      'POST',
      () => `${org()}/roles`,
      '{"name":"R","defaultLevels":["root"]}',
      'VALIDATION_FAILED',
      'defaultLevels',
    ],
    [
      'role: levels as a string',
      'POST',
      () => `${org()}/roles`,
      '{"name":"R","environmentLevels":"all"}',
      'VALIDATION_FAILED',
      'environmentLevels',
    ],
    [
      'invitation: not an email',
      'POST',
      () => `${org()}/invitations`,
      '{"email":"<script>","roleIds":[]}',
      'VALIDATION_FAILED',
      'email',
    ],
    [
      'invitation: role ids not UUIDs',
      'POST',
      () => `${org()}/invitations`,
      '{"email":"x@y.example","roleIds":["1 OR 1=1"]}',
      'VALIDATION_FAILED',
      'roleIds',
    ],
    [
      'policies: unknown field',
      'PATCH',
      () => `${org()}/policies`,
      '{"requireTwoFactor":true,"superuser":true}',
      'VALIDATION_FAILED',
      'superuser',
    ],
    [
      'policies: allowlist with a script',
      'PATCH',
      () => `${org()}/policies`,
      '{"ipAllowlist":["<img src=x>"]}',
      'VALIDATION_FAILED',
      'ipAllowlist',
    ],
    [
      'sso: wrong type',
      'PUT',
      () => `${org()}/sso`,
      '{"issuer":["https://x"],"clientId":"c","clientSecret":"s"}',
      'VALIDATION_FAILED',
      'issuer',
    ],
    [
      'sso: a file URL as issuer',
      'PUT',
      () => `${org()}/sso`,
      '{"issuer":"file:///etc/passwd","clientId":"c","clientSecret":"s"}',
      'SSO_SETTINGS_INVALID',
      undefined,
    ],
    [
      'second factor: letters',
      'POST',
      () => '/api/v1/auth/two-factor/totp/confirm',
      '{"code":"12a456"}',
      'VALIDATION_FAILED',
      'code',
    ],
  ])(
    '%s: a 400 naming the problem, nothing written',
    async (_what, method, path, body, code, field) => {
      const before = await counts();
      const reply = await send(method, path(), body);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe(code);
      expect(reply.body.error.message.length).toBeGreaterThan(5);
      if (field !== undefined) {
        expect((reply.body.error as { details?: { field?: string } }).details?.field).toBe(field);
      }
      expect(await counts()).toBe(before);
    },
  );

  // The design endpoints (projects, deployments, runs, promotion, test transformations).
  const design = (path: string) => () => `/api/v1/environments/${acme.environments[0]!.id}${path}`;
  const project = (fields: Record<string, unknown>) =>
    JSON.stringify({ document: { version: 1, name: 'p', ...fields } });
  const someId = '00000000-0000-4000-8000-000000000009';
  it.each([
    ['project: malformed JSON', design('/projects'), '{"document":', 'BAD_REQUEST', undefined],
    ['project: an array', design('/projects'), '[1,2]', 'VALIDATION_FAILED', undefined],
    [
      'project: unknown field',
      design('/projects'),
      '{"document":{},"owner":"me"}',
      'VALIDATION_FAILED',
      'owner',
    ],
    [
      'project: not a document',
      design('/projects'),
      '{"document":42}',
      'PROJECT_INVALID',
      'document',
    ],
    [
      'project: SQL in its name',
      design('/projects'),
      project({ name: "x'; DROP TABLE projects;--" }),
      'PROJECT_INVALID',
      'document',
    ],
    [
      'project: markup in a name',
      design('/projects'),
      project({ operations: { '<script>': {} } }),
      'PROJECT_INVALID',
      'document',
    ],
    [
      'project: a wrong type',
      design('/projects'),
      project({ description: ['x'] }),
      'PROJECT_INVALID',
      'document',
    ],
    [
      'project: control characters in a name',
      design('/projects'),
      project({ name: 'a\u0000b' }),
      'PROJECT_INVALID',
      'document',
    ],
    [
      'project: over 2 MiB',
      design('/projects'),
      project({ description: 'x'.repeat(3 * 1024 * 1024) }),
      'PROJECT_INVALID',
      'document',
    ],
    [
      'import: not an archive',
      design('/projects/import'),
      '{"archive":"<xml/>"}',
      'ARCHIVE_INVALID',
      'archive',
    ],
    [
      'deploy: revision with SQL',
      design(`/projects/${someId}/deployments`),
      '{"revision":"1; DROP TABLE x"}',
      'VALIDATION_FAILED',
      'revision',
    ],
    [
      'deploy: negative revision',
      design(`/projects/${someId}/deployments`),
      '{"revision":-1}',
      'VALIDATION_FAILED',
      'revision',
    ],
    [
      'run: a body field',
      design(`/projects/${someId}/operations/load/runs`),
      '{"operation":"x"}',
      'VALIDATION_FAILED',
      'operation',
    ],
    [
      'agent group: not an id',
      design('/agent-group'),
      '{"groupId":"1 OR 1=1"}',
      'VALIDATION_FAILED',
      'groupId',
    ],
    [
      'promotion: not an id',
      design('/promotions'),
      `{"sourceEnvironmentId":"x","projectId":"${someId}"}`,
      'VALIDATION_FAILED',
      'sourceEnvironmentId',
    ],
    [
      'promotion: deploy as a string',
      design('/promotions'),
      `{"sourceEnvironmentId":"${someId}","projectId":"${someId}","deploy":"yes"}`,
      'VALIDATION_FAILED',
      'deploy',
    ],
    [
      'test: mapping as a string',
      design('/transformations/test'),
      '{"mapping":"$eval()","input":"a","format":"csv"}',
      'VALIDATION_FAILED',
      'mapping',
    ],
    [
      'test: unknown format',
      design('/transformations/test'),
      '{"mapping":{},"input":"a","format":"exe"}',
      'VALIDATION_FAILED',
      'format',
    ],
    [
      'test: input over 100 KB',
      design('/transformations/test'),
      JSON.stringify({ mapping: {}, input: 'a'.repeat(102_401), format: 'csv' }),
      'VALIDATION_FAILED',
      'input',
    ],
  ])('%s: a 400 naming the field, nothing written', async (_what, path, body, code, field) => {
    const before = await counts();
    const reply = await send(path().endsWith('/agent-group') ? 'PUT' : 'POST', path(), body);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe(code);
    expect(reply.body.error.message.length).toBeGreaterThan(5);
    const details = (reply.body.error as { details?: { field?: string; problems?: unknown[] } })
      .details;
    if (field !== undefined) expect(details?.field).toBe(field);
    if (code === 'PROJECT_INVALID') expect(details?.problems?.length).toBeGreaterThan(0);
    expect(await counts()).toBe(before);
  });

  // The file service's upload: the raw bytes as the body, kind and name in the query.
  const upload = (query: string) =>
    `/api/v1/environments/${acme.environments[0]!.id}/files${query}`;
  const octets = 'application/octet-stream';
  it.each([
    ['upload: no kind', '?name=a.xsd', octets, '<x/>', 400, 'FILE_INVALID', 'kind'],
    ['upload: an unknown kind', '?kind=exe&name=a.exe', octets, 'MZ', 400, 'FILE_INVALID', 'kind'],
    [
      'upload: the kind twice',
      '?kind=schema&kind=customization&name=a',
      octets,
      '{}',
      400,
      'FILE_INVALID',
      'kind',
    ],
    ['upload: no name', '?kind=schema', octets, '{}', 400, 'FILE_INVALID', 'name'],
    [
      'upload: a path as the name',
      `?kind=schema&name=${encodeURIComponent('../../etc/passwd')}`,
      octets,
      '{}',
      400,
      'FILE_INVALID',
      'name',
    ],
    [
      'upload: a right-to-left override in the name',
      `?kind=schema&name=${encodeURIComponent('invoice\u202Edsx.exe')}`,
      octets,
      '{}',
      400,
      'FILE_INVALID',
      'name',
    ],
    [
      'upload: markup in the name',
      `?kind=schema&name=${encodeURIComponent('<script>.xsd')}`,
      octets,
      '{}',
      400,
      'FILE_INVALID',
      'name',
    ],
    [
      'upload: a JSON body',
      '?kind=schema&name=a.json',
      'application/json',
      '{"type":"object"}',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'body',
    ],
    ['upload: an empty file', '?kind=schema&name=a.json', octets, '', 400, 'FILE_INVALID', 'body'],
    [
      'upload: not a schema',
      '?kind=schema&name=a.xsd',
      octets,
      'hello',
      400,
      'FILE_INVALID',
      'body',
    ],
    [
      'upload: a schema over 5 MiB',
      '?kind=schema&name=a.json',
      octets,
      `{"d":"${'x'.repeat(5 * 1024 * 1024)}"}`,
      413,
      'FILE_TOO_LARGE',
      'body',
    ],
  ])(
    '%s: a 4xx naming the field, nothing written',
    async (_what, query, type, body, status, code, field) => {
      const before = await counts();
      const res = await fetch(`${url}${upload(query)}`, {
        method: 'POST',
        headers: { 'content-type': type, cookie: auth.cookie, 'x-csrf-token': auth.csrf },
        body,
      });
      const reply = (await res.json()) as {
        error: { code: string; message: string; details?: { field?: string } };
      };
      expect(res.status).toBe(status);
      expect(reply.error.code).toBe(code);
      expect(reply.error.message.length).toBeGreaterThan(5);
      expect(reply.error.details?.field).toBe(field);
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
