// The file service through the public API, on the real S3 and PostgreSQL: uploads checked and
// encrypted under the organization's prefix, downloads streamed through the control plane, limits
// enforced as the bytes arrive, and schema files used by projects (push, run, export, import,
// promotion, delete refused while in use, key rotation).
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  CopyObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { asOrgId } from '../src/database/tenant.js';
import {
  bootstrapOrganizations,
  organization,
  sqlRows,
  startControlPlane,
  testS3Client,
} from './support.js';

interface Auth {
  cookie: string;
  csrf: string;
}
interface Reply {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json: Record<string, unknown> & { error?: { code: string; message: string } };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const marker = `marker-schema-${randomBytes(6).toString('hex')}`;
const XSD = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<!-- ${marker} -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="invoice">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="id" type="xs:string"/>
        <xs:element name="amount" type="xs:decimal"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
`);

describe('file services: schemas and customizations in S3 through the control plane', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let s3: S3Client;
  let acme: FirstAdminResult;
  let globex: FirstAdminResult;
  let admin: Auth;
  let globexAdmin: Auth;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    sqlRows<T>(database.url, text, params);
  const environment = (name: string, org: FirstAdminResult = acme) =>
    org.environments.find((e) => e.name === name)!.id;
  const at = (environmentName: string, path: string, org: FirstAdminResult = acme) =>
    `/api/v1/environments/${environment(environmentName, org)}${path}`;

  async function send(
    method: string,
    path: string,
    auth: Auth,
    body?: Buffer | string,
    type = 'application/json',
  ): Promise<Reply> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        cookie: auth.cookie,
        'x-csrf-token': auth.csrf,
        ...(body === undefined ? {} : { 'content-type': type }),
      },
      ...(body === undefined ? {} : { body }),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    let json = {};
    try {
      json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      // a download
    }
    return { status: res.status, headers: res.headers, bytes, json };
  }

  const upload = (
    env: string,
    kind: string,
    name: string,
    bytes: Buffer,
    [auth, org] = [admin, acme] as const,
  ) =>
    send(
      'POST',
      at(env, `/files?kind=${kind}&name=${encodeURIComponent(name)}`, org),
      auth,
      bytes,
      'application/octet-stream',
    );
  const post = (env: string, path: string, body: unknown) =>
    send('POST', at(env, path), admin, JSON.stringify(body));

  /** Sends a body in pieces with node:http, answering as soon as the server does (it may stop reading). */
  function uploadInPieces(
    path: string,
    headers: Record<string, string>,
    pieces: number,
    piece: Buffer,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${server.url}${path}`, {
        method: 'POST',
        headers: {
          cookie: admin.cookie,
          'x-csrf-token': admin.csrf,
          'content-type': 'application/octet-stream',
          ...headers,
        },
      });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (error) => {
        if (!answered) reject(error);
      });
      void (async () => {
        for (let i = 0; i < pieces && !answered && !req.destroyed; i += 1) {
          if (!req.write(piece)) await new Promise((ok) => req.once('drain', ok));
        }
        if (!answered && !req.destroyed) req.end();
      })().catch(() => undefined);
    });
  }

  async function objectKeys(org: FirstAdminResult = acme): Promise<string[]> {
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: 'weft', Prefix: `orgs/${org.organization.id}/files/` }),
    );
    return (listed.Contents ?? []).map((o) => o.Key!).sort();
  }

  async function objectBytes(key: string): Promise<Buffer> {
    const got = await s3.send(new GetObjectCommand({ Bucket: 'weft', Key: key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  }

  async function stored(): Promise<string> {
    const rows = await sql(`SELECT count(*)::int AS n FROM project_files`);
    return JSON.stringify([rows, await objectKeys(acme), await objectKeys(globex)]);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const password = `pw-${randomBytes(16).toString('base64url')}`;
    [acme, globex] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
      organization('globex', { adminPassword: password }),
    ])) as [FirstAdminResult, FirstAdminResult];
    server = await startControlPlane(database.url);
    s3 = testS3Client();
    const sessions = server.controlPlane.dependencies.sessions;
    const a = await sessions.create(acme.admin.id, acme.organization.id, {});
    const g = await sessions.create(globex.admin.id, globex.organization.id, {});
    admin = { cookie: `weft_session=${a.token}`, csrf: a.csrfToken };
    globexAdmin = { cookie: `weft_session=${g.token}`, csrf: g.csrfToken };
  }, 60_000);
  afterAll(async () => {
    s3.destroy();
    await server.stop();
    await database.drop();
  });

  it('uploads, lists and downloads a schema: the same bytes back, encrypted under the organization’s prefix', async () => {
    const first = await upload('development', 'schema', 'invoice.xsd', XSD);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      sha256: sha256(XSD),
      kind: 'schema',
      name: 'invoice.xsd',
      mediaType: 'application/xml',
      size: XSD.length,
    });
    // The same bytes again (under any name) are the same file: not stored twice.
    const again = await upload('development', 'schema', 'copy.xsd', XSD);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ sha256: sha256(XSD), name: 'invoice.xsd' });
    const list = await send('GET', at('development', '/files'), admin);
    expect((list.json as { items: unknown[] }).items).toEqual([first.json]);

    const download = await send('GET', at('development', `/files/${sha256(XSD)}`), admin);
    expect(download.status).toBe(200);
    expect(download.bytes.equals(XSD)).toBe(true);
    expect(download.headers.get('content-type')).toBe('application/xml');
    expect(download.headers.get('content-disposition')).toMatch(
      /^attachment; filename="invoice.xsd"/,
    );
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');

    // One object, under the organization's prefix, content-addressed, and not the plaintext.
    const key = `orgs/${acme.organization.id}/files/${sha256(XSD)}`;
    expect(await objectKeys()).toEqual([key]);
    const object = await objectBytes(key);
    expect(object.subarray(0, 8).toString('latin1')).toBe('WEFTSTRM');
    expect(object.includes(Buffer.from(marker))).toBe(false);
    expect(object.includes(Buffer.from('xs:schema'))).toBe(false);
    const [row] = await sql<{ data_key_ciphertext: string; key_version: number }>(
      `SELECT data_key_ciphertext, key_version FROM project_files`,
    );
    expect(row).toMatchObject({
      key_version: 1,
      data_key_ciphertext: expect.stringMatching(/^wft1\.1\./),
    });
  });

  it('streams a large customization both ways in pieces', async () => {
    const plugin = randomBytes(9 * 1024 * 1024); // more than one multipart part
    const sent = await upload('development', 'customization', 'connector (v2).tgz', plugin);
    expect(sent.status).toBe(201);
    expect(sent.json).toMatchObject({
      kind: 'customization',
      mediaType: 'application/octet-stream',
    });
    const back = await send('GET', at('development', `/files/${sha256(plugin)}`), admin);
    expect(back.status).toBe(200);
    expect(back.headers.get('content-length')).toBe(String(plugin.length));
    expect(back.bytes.equals(plugin)).toBe(true);
    expect(back.headers.get('content-disposition')).toContain(
      "filename*=UTF-8''connector%20(v2).tgz",
    );
    // Deleted: the row and (no other environment has it) the object.
    const removed = await send('DELETE', at('development', `/files/${sha256(plugin)}`), admin);
    expect(removed.status).toBe(204);
    expect(await objectKeys()).not.toContain(
      `orgs/${acme.organization.id}/files/${sha256(plugin)}`,
    );
    expect((await send('GET', at('development', `/files/${sha256(plugin)}`), admin)).status).toBe(
      404,
    );
  });

  it('keeps another organization out, and a copied object does not decrypt there', async () => {
    const sha = sha256(XSD);
    expect(
      (await send('GET', at('development', `/files/${sha}`, globex), globexAdmin)).status,
    ).toBe(404);
    expect((await send('GET', at('development', `/files/${sha}`), globexAdmin)).status).toBe(403);
    const theirs = await send('GET', at('development', '/files', globex), globexAdmin);
    expect(theirs.json).toEqual({ items: [] });
    expect(
      (await send('DELETE', at('development', `/files/${sha}`, globex), globexAdmin)).status,
    ).toBe(404);

    // Globex stores the same bytes: its own object, under its own key. Overwritten with acme's
    // object, it no longer decrypts (another organization's key and binding).
    expect(
      (await upload('development', 'schema', 'invoice.xsd', XSD, [globexAdmin, globex])).status,
    ).toBe(201);
    const globexKey = `orgs/${globex.organization.id}/files/${sha}`;
    const own = await objectBytes(globexKey);
    expect(own.equals(await objectBytes(`orgs/${acme.organization.id}/files/${sha}`))).toBe(false);
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'weft',
        Key: globexKey,
        CopySource: `weft/orgs/${acme.organization.id}/files/${sha}`,
      }),
    );
    const refused = await send('GET', at('development', `/files/${sha}`, globex), globexAdmin);
    expect(refused.status).toBe(500);
    expect(refused.bytes.includes(Buffer.from(marker))).toBe(false);
    expect(
      (await send('DELETE', at('development', `/files/${sha}`, globex), globexAdmin)).status,
    ).toBe(204);
    expect(await objectKeys(globex)).toEqual([]);
  });

  it('shares one object between environments: a delete in one keeps it for the other', async () => {
    const schema = Buffer.from(`{"title":"shared-${randomBytes(4).toString('hex')}"}`);
    const key = `orgs/${acme.organization.id}/files/${sha256(schema)}`;
    expect((await upload('development', 'schema', 'shared.schema.json', schema)).status).toBe(201);
    const first = await objectBytes(key);
    expect((await upload('test', 'schema', 'shared.schema.json', schema)).status).toBe(201);
    expect((await objectBytes(key)).equals(first)).toBe(true); // not stored twice
    expect(
      (await send('DELETE', at('development', `/files/${sha256(schema)}`), admin)).status,
    ).toBe(204);
    expect(await objectKeys()).toContain(key);
    expect((await send('GET', at('test', `/files/${sha256(schema)}`), admin)).bytes).toEqual(
      schema,
    );
    expect((await send('DELETE', at('test', `/files/${sha256(schema)}`), admin)).status).toBe(204);
    expect(await objectKeys()).not.toContain(key);
  });

  it('reads no body before authentication', async () => {
    const before = await stored();
    const res = await fetch(`${server.url}${at('development', '/files?kind=schema&name=a.json')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: '{"type":"object"}',
    });
    expect(res.status).toBe(401);
    expect(await stored()).toBe(before);
  });

  it('refuses a file over its limit as it arrives, and stores nothing', async () => {
    const before = await stored();
    const path = at('development', '/files?kind=schema&name=big.xsd');
    // Declared too long: refused before a byte is read.
    const declared = await uploadInPieces(
      path,
      { 'content-length': String(5 * 1024 * 1024 + 1) },
      1,
      Buffer.alloc(1024, 0x20),
    );
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({
      error: { code: 'FILE_TOO_LARGE', message: 'the file is larger than 5242880 bytes' },
    });
    // Sent in chunks without a length: refused when the bytes pass the limit.
    const chunked = await uploadInPieces(path, {}, 6 * 16, Buffer.alloc(64 * 1024, 0x20));
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ error: { code: 'FILE_TOO_LARGE' } });
    const customization = await uploadInPieces(
      at('development', '/files?kind=customization&name=huge.zip'),
      { 'content-length': String(50 * 1024 * 1024 + 1) },
      1,
      Buffer.alloc(1024),
    );
    expect(customization.status).toBe(413);
    expect(await stored()).toBe(before);
    // The control plane still serves (nothing was left half-read on a kept-alive connection).
    expect((await send('GET', at('development', '/files'), admin)).status).toBe(200);
  });

  it.each([
    ['a JSON array', '[{"type":"object"}]', /must be a JSON object/],
    ['binary bytes', Buffer.from([0xff, 0xfe, 0x00, 0x41]), /UTF-8 text/],
    ['an HTML page', '<html><body>hi</body></html>', /xs:schema/],
    ['XML with a DOCTYPE', '<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>', /DOCTYPE/],
    ['malformed XML', '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">', /well-formed/],
    ['a DTD with an element', '<!ELEMENT a (#PCDATA)>\n<b/>', /not a DTD/],
    ['plain text', 'name,amount\n1,2\n', /not a schema/],
  ])('refuses %s as a schema, storing nothing', async (_what, body, message) => {
    const before = await stored();
    const refused = await upload('development', 'schema', 'x.txt', Buffer.from(body));
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({
      code: 'FILE_INVALID',
      message: expect.stringMatching(message),
    });
    expect(await stored()).toBe(before);
  });

  it.each([
    [
      'a JSON Schema',
      '{"type":"object","properties":{"id":{"type":"string"}}}',
      'application/schema+json',
    ],
    [
      'a WSDL',
      '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" name="s"><types/></definitions>',
      'application/wsdl+xml',
    ],
    [
      'a DTD',
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- orders -->\n<!ELEMENT order (id, note?)>\n<!ATTLIST order id CDATA #REQUIRED note CDATA "a > b">\n<!ENTITY % common "INCLUDE">\n<![%common;[<!ELEMENT note (#PCDATA)>]]>\n%common;\n',
      'application/xml-dtd',
    ],
  ])('accepts %s as a schema', async (_what, body, mediaType) => {
    const accepted = await upload('test', 'schema', 'schema', Buffer.from(body));
    expect(accepted.status).toBe(201);
    expect(accepted.json.mediaType).toBe(mediaType);
  });

  it('uses a schema file in a project: push, run with the schema inlined, export, import, promotion; no delete while named', async () => {
    const sha = sha256(XSD);
    const document = {
      version: 1,
      name: 'invoices',
      connections: {
        inbox: { connector: 's3', config: { bucket: 'invoices', region: 'us-east-1' } },
        warehouse: { connector: 'postgres', config: { connection: { host: 'db' } } },
      },
      interfaces: { invoice: { format: 'xsd', file: `sha256:${sha}`, element: 'invoice' } },
      transformations: {
        'invoices-to-rows': {
          source: 'invoice',
          mapping: { version: 1, records: [{ fields: { invoice_id: 'id', total: 'amount' } }] },
        },
      },
      operations: {
        load: {
          source: { connection: 'inbox', config: { key: 'invoices.xml', format: 'xml' } },
          transformation: 'invoices-to-rows',
          target: { connection: 'warehouse', config: { write: { table: 'invoices' } } },
        },
      },
    };
    // Production has no such file: the reference is a problem at its path.
    const missing = await post('production', '/projects', { document });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({
      code: 'PROJECT_INVALID',
      details: {
        problems: [
          expect.objectContaining({ path: 'interfaces.invoice.file', code: 'unknown_reference' }),
        ],
      },
    });
    // A mapping that does not fit the schema is refused against the file's content.
    const misfit = await post('development', '/projects', {
      document: {
        ...document,
        transformations: {
          'invoices-to-rows': {
            source: 'invoice',
            mapping: { version: 1, records: [{ fields: { x: 'nosuchfield' } }] },
          },
        },
      },
    });
    expect(misfit.json.error).toMatchObject({
      code: 'PROJECT_INVALID',
      details: {
        problems: [
          expect.objectContaining({
            path: expect.stringMatching(/^transformations\.invoices-to-rows\.mapping/),
          }),
        ],
      },
    });

    const pushed = await post('development', '/projects', { document });
    expect(pushed.status).toBe(201);
    const projectId = (pushed.json.project as { id: string }).id;
    const inUse = await send('DELETE', at('development', `/files/${sha}`), admin);
    expect(inUse.status).toBe(409);
    expect(inUse.json.error).toMatchObject({ code: 'FILE_IN_USE' });
    expect(inUse.json.error!.message).toContain('invoices revision 1');

    // A run's operation carries the schema's text (the agent never reads the file service).
    const deployed = await post('development', `/projects/${projectId}/deployments`, {});
    expect(deployed.json).toMatchObject({ deployment: { revision: 1 } });
    expect((await post('development', '/agent-groups', { name: 'dev-agents' })).status).toBe(201);
    const run = await post('development', `/projects/${projectId}/operations/load/runs`, {});
    expect(run.status).toBe(202);
    const [queued] = await sql<{ operation: { transformation: { interfaces: unknown } } }>(
      `SELECT operation FROM runs WHERE id = $1`,
      [run.json.runId],
    );
    expect(queued!.operation.transformation.interfaces).toEqual({
      invoice: { format: 'xsd', schema: XSD.toString('utf8'), element: 'invoice' },
    });

    // Export carries the file; an import elsewhere stores it there.
    const exported = await send(
      'GET',
      at('development', `/projects/${projectId}/revisions/1/archive`),
      admin,
    );
    expect(exported.status).toBe(200);
    expect(exported.json.files).toEqual([{ sha256: sha, base64: XSD.toString('base64') }]);
    const imported = await post('test', '/projects/import', { archive: exported.json });
    expect(imported.status).toBe(201);
    const testFiles = await send('GET', at('test', '/files'), admin);
    expect((testFiles.json as { items: unknown[] }).items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sha256: sha, name: 'invoice.xsd', kind: 'schema' }),
      ]),
    );
    const fromTest = await send('GET', at('test', `/files/${sha}`), admin);
    expect(fromTest.bytes.equals(XSD)).toBe(true);

    // Promotion brings the file along, and shares the object.
    const promoted = await post('production', '/promotions', {
      sourceEnvironmentId: environment('development'),
      projectId,
    });
    expect(promoted.status).toBe(201);
    const production = await send('GET', at('production', `/files/${sha}`), admin);
    expect(production.bytes.equals(XSD)).toBe(true);
    expect((await objectKeys()).filter((key) => key.endsWith(sha))).toHaveLength(1);
  });

  it('keeps files readable through a key rotation, which re-wraps their keys and retires the old version', async () => {
    const orgId = asOrgId(acme.organization.id);
    const { keys, reencryption } = server.controlPlane.dependencies;
    const { version, jobId } = await keys.rotate(orgId);
    // The control plane's own worker may have claimed the job: wait for whoever runs it.
    for (let tries = 0; tries < 100; tries += 1) {
      await reencryption.runPending();
      const [job] = await sql<{ status: string }>(
        `SELECT status FROM key_rotation_jobs WHERE id = $1`,
        [jobId],
      );
      if (job?.status === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const versions = await sql<{ key_version: number }>(
      `SELECT DISTINCT key_version FROM project_files WHERE org_id = $1`,
      [orgId],
    );
    expect(versions).toEqual([{ key_version: version }]);
    const [old] = await sql<{ state: string }>(
      `SELECT state FROM org_data_keys WHERE org_id = $1 AND version = 1`,
      [orgId],
    );
    expect(old!.state).toBe('retired');
    const download = await send('GET', at('production', `/files/${sha256(XSD)}`), admin);
    expect(download.status).toBe(200);
    expect(download.bytes.equals(XSD)).toBe(true);
  });
});
