// The activity API over HTTP on the real control plane: filters and keyset pages, bad filters
// refused naming the parameter, messages and detail lines encrypted at rest, the event stream
// (changes as they happen, resumable, capped per identity, closed on shutdown), retries, and
// who may see what.
import { randomUUID } from 'node:crypto';
import type { ActivityRecordV1 } from '@weft/log-schema';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import { ActivityQuery } from '../src/activity/activity-query.js';
import { parseListQuery } from '../src/activity/activity-filters.js';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { asOrgId } from '../src/database/tenant.js';
import { activityFixture, type ActivityFixture } from './activity-support.js';
import {
  apiClient,
  bootstrapOrganizations,
  organization,
  plaintextLeaks,
  sqlRows,
  startControlPlane,
  type Credentials,
} from './support.js';

interface Page {
  items: ActivityRecordV1[];
  nextCursor?: string;
}

describe('the activity API', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let stopped = false;
  let api: ReturnType<typeof apiClient>;
  let acmeOrg: FirstAdminResult;
  let globexOrg: FirstAdminResult;
  let acme: ActivityFixture;
  let admin: Credentials;
  let outsider: Credentials;
  let readOnly: Credentials;
  const projectId = randomUUID();
  const agentId = randomUUID();
  const secretMessage = `planted-message-${randomUUID()}`;
  const secretLine = `planted-line-${randomUUID()}`;
  const runIds: Record<string, string> = {};
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    sqlRows<T>(database.url, text, params);
  const base = () => `/api/v1/environments/${acme.environmentId}`;
  const list = async (query: string, auth: Credentials = admin) =>
    api.http('GET', `${base()}/activity${query}`, auth);

  beforeAll(async () => {
    database = await createTestDatabase();
    [acmeOrg, globexOrg] = (await bootstrapOrganizations(database.url, [
      organization('acme'),
      organization('globex'),
    ])) as [FirstAdminResult, FirstAdminResult];
    server = await startControlPlane(database.url);
    api = apiClient(server.url);
    const { sessions, dataSource, keys } = server.controlPlane.dependencies;
    const session = async (userId: string, orgId: string): Promise<Credentials> => {
      const created = await sessions.create(userId, orgId, {});
      return { cookie: `weft_session=${created.token}`, csrf: created.csrfToken };
    };
    admin = await session(acmeOrg.admin.id, acmeOrg.organization.id);
    outsider = await session(globexOrg.admin.id, globexOrg.organization.id);
    acme = await activityFixture(dataSource, keys, acmeOrg);
    // A member who may read the environment's projects but not its logs.
    const [role] = await sql<{ id: string }>(
      `INSERT INTO roles (org_id, name, environment_levels) VALUES ($1, 'reader', $2::jsonb) RETURNING id`,
      [acmeOrg.organization.id, JSON.stringify({ [acme.environmentId]: ['read'] })],
    );
    const [user] = await sql<{ id: string }>(
      `INSERT INTO users (email, first_name, last_name) VALUES ('reader@acme.example', 'R', 'Eader') RETURNING id`,
    );
    await sql(
      `INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, ARRAY[$3::uuid])`,
      [acmeOrg.organization.id, user!.id, role!.id],
    );
    readOnly = await session(user!.id, acmeOrg.organization.id);

    // Five runs: two of a project's operation (one failed with a message and detail lines),
    // one running on an agent, one cancelled, one still pending.
    const project = { id: projectId, name: 'orders-sync', revision: 2 };
    runIds.loaded = await acme.submit('load-orders', { project });
    await finish(runIds.loaded, 'succeeded');
    runIds.failed = await acme.submit('load-orders', { project });
    await acme.event('run.started', { runId: runIds.failed, agentId, attempt: 1 });
    await acme.event('run.log', {
      runId: runIds.failed,
      agentId,
      attempt: 1,
      messages: [
        { at: new Date().toISOString(), level: 'info', step: 'source', text: 'read 10 records' },
        { at: new Date().toISOString(), level: 'error', step: 'target', text: secretLine },
      ],
    });
    await finish(runIds.failed, 'failed', secretMessage);
    runIds.running = await acme.submit('notify');
    await acme.event('run.started', { runId: runIds.running, agentId, attempt: 1 });
    runIds.cancelled = await acme.submit('notify');
    await acme.runs.cancel(acme.orgId, acme.environmentId, runIds.cancelled, acme.admin);
    runIds.pending = await acme.submit('export');
  });
  afterAll(async () => {
    if (!stopped) await server.stop();
    await database.drop();
  });

  async function finish(runId: string, status: string, message?: string): Promise<void> {
    await acme.event('run.finished', {
      runId,
      agentId,
      attempt: 1,
      status,
      records: { read: 10, written: status === 'succeeded' ? 10 : 9, failed: 0 },
      ...(message === undefined ? {} : { error: { code: 'target_rejected', message } }),
    });
  }

  it('lists the environment’s runs newest first, with who, what and how it went', async () => {
    const reply = await list('');
    expect(reply.status).toBe(200);
    const page = reply.body as Page;
    expect(page.items.map((item) => item.id)).toEqual([
      runIds.pending,
      runIds.cancelled,
      runIds.running,
      runIds.failed,
      runIds.loaded,
    ]);
    expect(page.nextCursor).toBeUndefined();
    const failed = page.items[3]!;
    expect(failed).toMatchObject({
      v: 1,
      orgId: acme.orgId,
      environmentId: acme.environmentId,
      groupId: acme.groupId,
      projectId,
      projectName: 'orders-sync',
      revision: 2,
      operationId: 'load-orders',
      agentId,
      status: 'failed',
      submittedBy: acme.admin.id,
      submittedByKind: 'user',
      recordsRead: 10,
      recordsWritten: 9,
      errorCode: 'target_rejected',
      message: secretMessage,
    });
    expect(page.items[1]).toMatchObject({ status: 'cancelled', errorCode: 'cancelled' });
  });

  it.each([
    ['status=failed,cancelled', ['cancelled', 'failed']],
    ['status=running&status=pending', ['pending', 'running']],
    ['operation=notify', ['cancelled', 'running']],
    ['project=PROJECT', ['failed', 'loaded']],
    ['project=PROJECT&status=succeeded', ['loaded']],
    ['agent=AGENT', ['running', 'failed', 'loaded']],
    ['operation=nothing-like-it', []],
  ])('filters by %s', async (query, expected) => {
    const reply = await list(`?${query.replace('PROJECT', projectId).replace('AGENT', agentId)}`);
    expect(reply.status).toBe(200);
    const names = Object.fromEntries(Object.entries(runIds).map(([name, id]) => [id, name]));
    expect((reply.body as Page).items.map((item) => names[item.id])).toEqual(expected);
  });

  it('filters by submission time', async () => {
    const [row] = await sql<{ at: string }>(
      `SELECT to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
       FROM runs WHERE id = $1`,
      [runIds.running],
    );
    const at = row!.at;
    const from = (await list(`?from=${at}`)).body as Page;
    expect(from.items.map((item) => item.id)).toEqual([
      runIds.pending,
      runIds.cancelled,
      runIds.running,
    ]);
    const to = (await list(`?to=${at}`)).body as Page;
    expect(to.items.map((item) => item.id)).toEqual([runIds.failed, runIds.loaded]);
  });

  it('pages with an opaque cursor, every run once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const reply = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status).toBe(200);
      const page = reply.body as Page;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      if (cursor !== undefined) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor !== undefined);
    expect(seen).toEqual([
      runIds.pending,
      runIds.cancelled,
      runIds.running,
      runIds.failed,
      runIds.loaded,
    ]);
  });

  it.each([
    ['status', '?status=done'],
    ['limit', '?limit=0'],
    ['limit', '?limit=201'],
    ['cursor', '?cursor=bm90LWEtY3Vyc29y'],
    ['project', '?project=orders-sync'],
    ['agent', '?agent=1'],
    ['from', '?from=last-tuesday'],
    ['to', '?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z'],
    ['sort', '?sort=asc'],
  ])('refuses a bad %s with 400 ACTIVITY_FILTER_INVALID naming it', async (field, query) => {
    const reply = await list(query);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      error: {
        code: 'ACTIVITY_FILTER_INVALID',
        message: expect.stringMatching(new RegExp(`^${field} `)) as unknown,
        details: { field },
      },
    });
  });

  it('keeps the message and the detail lines encrypted; the API decrypts them', async () => {
    const [row] = await sql<{ message_ciphertext: string; key_version: number }>(
      `SELECT message_ciphertext, key_version FROM activity_log WHERE run_id = $1`,
      [runIds.failed],
    );
    expect(row!.message_ciphertext).toMatch(/^wft1\.\d+\./);
    expect(row!.message_ciphertext).not.toContain(secretMessage);
    const lines = await sql<{ text_ciphertext: string }>(
      `SELECT text_ciphertext FROM activity_details WHERE run_id = $1 ORDER BY seq`,
      [runIds.failed],
    );
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.text_ciphertext).toMatch(/^wft1\.\d+\./);
    // Neither plaintext is anywhere in the database (runs.message is no longer written).
    expect(await plaintextLeaks(server.controlPlane.dependencies.dataSource)).toEqual([]);

    const details = await api.http('GET', `${base()}/runs/${runIds.failed}/details`, admin);
    expect(details.status).toBe(200);
    expect(details.body).toEqual({
      items: [
        expect.objectContaining({ seq: 1, level: 'info', step: 'source', text: 'read 10 records' }),
        expect.objectContaining({ seq: 2, level: 'error', step: 'target', text: secretLine }),
      ],
    });
    const run = await api.http('GET', `${base()}/runs/${runIds.failed}`, admin);
    expect(run.body).toMatchObject({ status: 'failed', message: secretMessage, projectId });
  });

  it('stores a redelivered run.log event once', async () => {
    const id = randomUUID();
    const line = { at: new Date().toISOString(), level: 'warn', text: 'slow target' };
    for (let i = 0; i < 2; i += 1)
      await acme.event('run.log', { runId: runIds.running, agentId, messages: [line] }, { id });
    const details = await api.http('GET', `${base()}/runs/${runIds.running}/details`, admin);
    expect(details.body).toEqual({
      items: [
        {
          v: 1,
          runId: runIds.running,
          seq: 1,
          at: expect.any(String),
          level: 'warn',
          text: 'slow target',
        },
      ],
    });
  });

  it('retries a failed or cancelled run, and only those', async () => {
    const retried = await api.http('POST', `${base()}/runs/${runIds.failed}/retry`, admin);
    expect(retried.status).toBe(202);
    const { runId } = retried.body as { runId: string };
    const page = (await list(`?project=${projectId}&status=pending`)).body as Page;
    expect(page.items).toEqual([
      expect.objectContaining({
        id: runId,
        retryOf: runIds.failed,
        operationId: 'load-orders',
        projectName: 'orders-sync',
        revision: 2,
      }),
    ]);
    const refused = await api.http('POST', `${base()}/runs/${runIds.running}/retry`, admin);
    expect(refused.status).toBe(409);
    expect((refused.body as { error: { code: string } }).error.code).toBe('RUN_NOT_RETRYABLE');
    const missing = await api.http('POST', `${base()}/runs/${randomUUID()}/retry`, admin);
    expect(missing.status).toBe(404);
  });

  it('refuses a member without View Logs, and shows another organization nothing', async () => {
    for (const path of [
      `${base()}/activity`,
      `${base()}/activity/stream`,
      `${base()}/runs/${runIds.failed}/details`,
    ]) {
      expect((await api.http('GET', path, readOnly)).status).toBe(403);
      expect((await api.http('GET', path, outsider)).status).toBe(403);
    }
    const theirs = globexOrg.environments[0]!.id;
    const own = await api.http('GET', `/api/v1/environments/${theirs}/activity`, outsider);
    expect(own).toMatchObject({ status: 200, body: { items: [] } });
    // Below the HTTP guard, row-level security: globex asking for acme's environment sees nothing.
    const query = new ActivityQuery(
      server.controlPlane.dependencies.dataSource,
      server.controlPlane.dependencies.keys,
    );
    const page = await query.list(
      asOrgId(globexOrg.organization.id),
      acme.environmentId,
      parseListQuery({}),
    );
    expect(page.items).toEqual([]);
  });

  it('streams each change of a run as it happens, and resumes after the last event id', async () => {
    const stream = await openStream(
      server.url,
      `${base()}/activity/stream?operation=streamed`,
      admin,
    );
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const runId = await acme.submit('streamed');
    const submitted = await stream.next((event) => event.data.id === runId);
    expect(submitted).toMatchObject({ event: 'activity', data: { status: 'pending' } });
    await acme.event('run.started', { runId, agentId, attempt: 1 });
    const started = await stream.next((event) => event.data.status === 'running');
    expect(started.data).toMatchObject({ id: runId, agentId });
    stream.close();

    // A change while disconnected arrives after reconnecting with Last-Event-ID; nothing repeats.
    await finish(runId, 'succeeded');
    const resumed = await openStream(
      server.url,
      `${base()}/activity/stream?operation=streamed`,
      admin,
      started.id,
    );
    const next = await resumed.next(() => true);
    expect(next.data).toMatchObject({ id: runId, status: 'succeeded' });
    resumed.close();
  });

  it('refuses a bad Last-Event-ID, and more streams at once than an identity may hold', async () => {
    const bad = await openStream(server.url, `${base()}/activity/stream`, admin, 'nonsense');
    expect(bad.status).toBe(400);
    expect(bad.error).toMatchObject({
      code: 'ACTIVITY_FILTER_INVALID',
      details: { field: 'Last-Event-ID' },
    });
    const open = [];
    for (let i = 0; i < 5; i += 1)
      open.push(await openStream(server.url, `${base()}/activity/stream`, admin));
    expect(open.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    const sixth = await openStream(server.url, `${base()}/activity/stream`, admin);
    expect(sixth.status).toBe(429);
    expect(sixth.error).toMatchObject({ code: 'ACTIVITY_STREAMS_EXCEEDED' });
    for (const stream of open) stream.close();
    // A closed stream gives its slot back once the server noticed the client left.
    await eventually(async () => {
      const again = await openStream(server.url, `${base()}/activity/stream`, admin);
      again.close();
      return again.status === 200;
    });
  });

  it('ends open streams when the application shuts down', async () => {
    const stream = await openStream(server.url, `${base()}/activity/stream`, admin);
    expect(stream.status).toBe(200);
    const stopping = server.stop();
    stopped = true;
    await expect(stream.ended).resolves.toBe(true);
    await stopping;
    expect(server.controlPlane.dependencies.activity.streams.size).toBe(0);
  });
});

interface StreamEvent {
  id: string;
  event: string;
  data: ActivityRecordV1 & Record<string, unknown>;
}

/** An event-stream request read as a client would, with the events parsed. */
async function openStream(
  url: string,
  path: string,
  auth: Credentials,
  lastEventId?: string,
): Promise<{
  status: number;
  contentType: string;
  error?: unknown;
  next(match: (event: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  close(): void;
  ended: Promise<boolean>;
}> {
  const abort = new AbortController();
  const res = await fetch(`${url}${path}`, {
    headers: {
      ...(auth.cookie ? { cookie: auth.cookie } : {}),
      ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
    },
    signal: abort.signal,
  });
  const contentType = res.headers.get('content-type') ?? '';
  if (res.status !== 200) {
    const body = (await res.json()) as { error: unknown };
    return {
      status: res.status,
      contentType,
      error: body.error,
      next: () => Promise.reject(new Error('no stream')),
      close: () => undefined,
      ended: Promise.resolve(true),
    };
  }
  const events: StreamEvent[] = [];
  const waiting: Array<() => void> = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return true;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((line) => !line.startsWith(':') && line.includes(': '))
              .map((line) => [
                line.slice(0, line.indexOf(': ')),
                line.slice(line.indexOf(': ') + 2),
              ]),
          );
          if (fields.data !== undefined) {
            events.push({
              id: fields.id!,
              event: fields.event!,
              data: JSON.parse(fields.data) as StreamEvent['data'],
            });
            for (const wake of waiting.splice(0)) wake();
          }
        }
      }
    } catch {
      return false;
    }
  })();
  return {
    status: res.status,
    contentType,
    ended,
    close: () => abort.abort(),
    async next(match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = events.findIndex(match);
        if (index >= 0) return events.splice(0, index + 1).at(-1)!;
        if (Date.now() > deadline) throw new Error('no such event arrived on the stream');
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
