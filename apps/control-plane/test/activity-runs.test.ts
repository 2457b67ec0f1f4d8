// How runs write the activity log: in the same transaction as each change of the run (a change
// rolled back leaves no trace), the fields of project runs, chained runs submitted inside the
// transaction that recorded an outcome, and retries.
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { DataSource } from 'typeorm';
import { parseListQuery } from '../src/activity/activity-filters.js';
import { ActivityQuery } from '../src/activity/activity-query.js';
import { createDataSource } from '../src/database/data-source.js';
import { inTenant } from '../src/database/tenant.js';
import { RunError } from '../src/runs/runs.js';
import type { RunFinishedHook } from '../src/runs/run-events.js';
import { activityFixture, type ActivityFixture } from './activity-support.js';
import { bootstrapOrganizations, organization, sqlRows, testOrgKeys } from './support.js';

describe('runs and their activity rows', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let acme: ActivityFixture;
  let query: ActivityQuery;
  const agentId = randomUUID();
  const record = async (runId: string) =>
    (await query.list(acme.orgId, acme.environmentId, parseListQuery({ limit: '200' }))).items.find(
      (item) => item.id === runId,
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    const [org] = await bootstrapOrganizations(database.url, [organization('acme')]);
    dataSource = createDataSource({ url: database.url, poolSize: 4 });
    await dataSource.initialize();
    const keys = testOrgKeys(dataSource);
    acme = await activityFixture(dataSource, keys, org!);
    query = new ActivityQuery(dataSource, keys);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('writes the activity row with the run, and not at all when the submission rolls back', async () => {
    const runId = await acme.submit('load-orders', {
      project: { id: randomUUID(), name: 'orders-sync', revision: 4 },
      submittedByKind: 'schedule',
    });
    expect(await record(runId)).toMatchObject({
      status: 'pending',
      projectName: 'orders-sync',
      revision: 4,
      submittedByKind: 'schedule',
      submittedBy: acme.admin.id,
    });
    const before = await sqlRows(database.url, `SELECT count(*)::int AS n FROM activity_log`);
    await expect(
      inTenant(dataSource, acme.orgId, async (tx) => {
        await acme.runs.submitIn(
          tx,
          {
            environmentId: acme.environmentId,
            groupId: acme.groupId,
            operationId: 'doomed',
            operation: { version: 1 },
          },
          acme.admin,
        );
        throw new Error('the caller gave up');
      }),
    ).rejects.toThrow('the caller gave up');
    expect(await sqlRows(database.url, `SELECT count(*)::int AS n FROM activity_log`)).toEqual(
      before,
    );
  });

  it('refuses a malformed project, parent or submitter kind with VALIDATION_FAILED', async () => {
    for (const extra of [
      { project: { id: 'nope', name: 'p', revision: 1 } },
      { project: { id: randomUUID(), name: 'p', revision: 0 } },
      { parentRunId: 'x' },
      { submittedByKind: 'robot' as never },
    ]) {
      const refused = await acme.submit('bad', extra).catch((error: unknown) => error);
      expect(RunError.is(refused) && refused.code).toBe('VALIDATION_FAILED');
    }
  });

  it('calls onRunFinished inside the transaction that records the outcome', async () => {
    const first = await acme.submit('first');
    const chained: string[] = [];
    const onRunFinished: RunFinishedHook = async (tx, finished) => {
      expect(finished).toEqual({ orgId: acme.orgId, runId: first, status: 'succeeded' });
      const { runId } = await acme.runs.submitIn(
        tx,
        {
          environmentId: acme.environmentId,
          groupId: acme.groupId,
          operationId: 'second',
          operation: { version: 1 },
          parentRunId: finished.runId,
          submittedByKind: 'chain',
        },
        { type: 'system', id: 'chain' },
      );
      chained.push(runId);
    };
    await acme.event('run.started', { runId: first, agentId, attempt: 1 });
    await acme.event(
      'run.finished',
      { runId: first, agentId, attempt: 1, status: 'succeeded', records: { read: 1, written: 1 } },
      { effects: { onRunFinished } },
    );
    expect(chained).toHaveLength(1);
    expect(await record(chained[0]!)).toMatchObject({
      status: 'pending',
      parentRunId: first,
      submittedByKind: 'chain',
      submittedBy: 'chain',
    });
    // Its outbox row is there, for the relay to publish.
    expect(
      await sqlRows(database.url, `SELECT count(*)::int AS n FROM run_outbox WHERE run_id = $1`, [
        chained[0],
      ]),
    ).toEqual([{ n: 1 }]);
    // A second delivery of the same outcome changes nothing and starts nothing.
    await acme.event(
      'run.finished',
      { runId: first, agentId, attempt: 1, status: 'succeeded' },
      { effects: { onRunFinished } },
    );
    expect(chained).toHaveLength(1);
  });

  it('rolls the outcome back when onRunFinished fails, so the event is applied again later', async () => {
    const runId = await acme.submit('flaky-chain');
    await acme.event('run.started', { runId, agentId, attempt: 1 });
    const failing: RunFinishedHook = () => Promise.reject(new Error('chain store unavailable'));
    await expect(
      acme.event(
        'run.finished',
        { runId, agentId, attempt: 1, status: 'failed', error: { code: 'x', message: 'boom' } },
        { effects: { onRunFinished: failing } },
      ),
    ).rejects.toThrow('chain store unavailable');
    expect(await record(runId)).toMatchObject({ status: 'running' });
    expect((await record(runId))?.message).toBeUndefined();
    await acme.event('run.finished', {
      runId,
      agentId,
      attempt: 1,
      status: 'failed',
      error: { code: 'x', message: 'boom' },
    });
    expect(await record(runId)).toMatchObject({
      status: 'failed',
      errorCode: 'x',
      message: 'boom',
    });
  });

  it('records giving up with its cause as the message', async () => {
    const runId = await acme.submit('unlucky');
    await acme.event('run.gave-up', {
      runId,
      attempt: 3,
      cause: 'no agent finished it in 3 tries',
    });
    expect(await record(runId)).toMatchObject({
      status: 'failed',
      errorCode: 'attempts_exhausted',
      message: 'no agent finished it in 3 tries',
    });
    // runs.message is no longer written: the message lives encrypted in the activity log.
    expect(await sqlRows(database.url, `SELECT message FROM runs WHERE id = $1`, [runId])).toEqual([
      { message: null },
    ]);
  });

  it('retries a cancelled run with the same operation, and refuses one still pending', async () => {
    const pending = await acme.submit('retry-me');
    const refused = await acme.runs
      .retry(acme.orgId, acme.environmentId, pending, acme.admin)
      .catch((error: unknown) => error);
    expect(RunError.is(refused) && refused.code).toBe('RUN_NOT_RETRYABLE');
    await acme.runs.cancel(acme.orgId, acme.environmentId, pending, acme.admin);
    expect(await record(pending)).toMatchObject({ status: 'cancelled', errorCode: 'cancelled' });
    const { runId } = await acme.runs.retry(acme.orgId, acme.environmentId, pending, acme.admin);
    expect(await record(runId)).toMatchObject({
      status: 'pending',
      operationId: 'retry-me',
      retryOf: pending,
      groupId: acme.groupId,
    });
    const audit = await sqlRows(
      database.url,
      `SELECT action, details->>'retryOf' AS "retryOf" FROM audit_events WHERE target_id = $1`,
      [runId],
    );
    expect(audit).toEqual([{ action: 'run.retry', retryOf: pending }]);
  });
});
