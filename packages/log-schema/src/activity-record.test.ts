import { randomUUID } from 'node:crypto';
import { ACTIVITY_STATUSES, ACTIVITY_SUBMITTER_KINDS, parseActivityRecord } from './index.js';
import { refusal, withField } from '../test/support.js';

const submitted = {
  v: 1,
  id: randomUUID(),
  orgId: randomUUID(),
  environmentId: randomUUID(),
  operationId: randomUUID(),
  status: 'submitted',
  submittedAt: '2024-06-01T12:00:00.000Z',
  submittedBy: randomUUID(),
  recordsRead: 0,
  recordsWritten: 0,
  recordsFailed: 0,
};

describe('parseActivityRecord', () => {
  it('accepts a record that has not started', () => {
    expect(parseActivityRecord(submitted)).toEqual(submitted);
  });

  it('accepts a finished record with every optional field', () => {
    const finished = {
      ...submitted,
      status: 'failed',
      agentId: 'agent-1',
      startedAt: '2024-06-01T12:00:01.000Z',
      completedAt: '2024-06-01T12:05:00.000Z',
      recordsRead: 1200,
      recordsWritten: 1190,
      recordsFailed: 10,
      message: 'target rejected 10 records',
    };
    expect(parseActivityRecord(finished)).toEqual(finished);
  });

  it('reads a database row: null optional fields are absent, unknown columns dropped', () => {
    const row = {
      ...submitted,
      agentId: null,
      startedAt: null,
      completedAt: null,
      message: null,
      partition: 3,
    };
    expect(parseActivityRecord(row)).toEqual(submitted);
  });

  it.each(ACTIVITY_STATUSES.map((status) => [status]))('accepts status %s', (status) => {
    expect(parseActivityRecord({ ...submitted, status }).status).toBe(status);
  });

  it.each([
    ['v', undefined],
    ['id', undefined],
    ['orgId', ''],
    ['environmentId', 7],
    ['operationId', 'a b'],
    ['agentId', ''],
    ['status', 'done'],
    ['status', 'SUCCEEDED'],
    ['submittedAt', undefined],
    ['submittedAt', '01/06/2024'],
    ['startedAt', '2024-06-31T00:00:00Z'],
    ['completedAt', 0],
    ['submittedBy', undefined],
    ['recordsRead', -1],
    ['recordsWritten', 1.5],
    ['recordsFailed', '3'],
    ['recordsRead', 2 ** 53],
    ['recordsFailed', undefined],
    ['message', 42],
    ['message', 'x'.repeat(65_537)],
  ])('refuses a bad %s (case %#), naming the field', (field, value) => {
    const error = refusal(() => parseActivityRecord(withField(submitted, field, value)));
    expect(error.code).toBe('INVALID_ACTIVITY_RECORD');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`"${field}"`);
  });

  it('refuses a non-object', () => {
    expect(refusal(() => parseActivityRecord(undefined)).code).toBe('INVALID_ACTIVITY_RECORD');
  });
});

describe('parseActivityRecord, the fields of project runs', () => {
  const projectRun = {
    ...submitted,
    status: 'failed',
    groupId: randomUUID(),
    projectId: randomUUID(),
    projectName: 'orders-sync',
    revision: 3,
    submittedByKind: 'chain',
    errorCode: 'attempts_exhausted',
    parentRunId: randomUUID(),
    retryOf: randomUUID(),
    updatedAt: '2024-06-01T12:06:00.000Z',
  };

  it('keeps every optional field of a run of a deployed project', () => {
    expect(parseActivityRecord(projectRun)).toEqual(projectRun);
  });

  it('reads a record written before those fields existed (v 1 stays compatible)', () => {
    const parsed = parseActivityRecord(submitted);
    expect(Object.keys(parsed).sort()).toEqual(Object.keys(submitted).sort());
  });

  it.each([
    ['revision', 0],
    ['revision', 2.5],
    ['revision', '3'],
    ['submittedByKind', 'robot'],
    ['projectName', 'two words'],
    ['errorCode', ''],
    ['groupId', 5],
    ['updatedAt', 'yesterday'],
  ])('refuses a bad %s (case %#), naming the field', (field, value) => {
    const error = refusal(() => parseActivityRecord(withField(projectRun, field, value)));
    expect(error.code).toBe('INVALID_ACTIVITY_RECORD');
    expect(error.field).toBe(field);
  });

  it.each(ACTIVITY_SUBMITTER_KINDS.map((kind) => [kind]))('accepts submitter kind %s', (kind) => {
    expect(parseActivityRecord({ ...submitted, submittedByKind: kind }).submittedByKind).toBe(kind);
  });
});
