import { randomUUID } from 'node:crypto';
import { ActivityError } from './activity-error.js';
import { encodeCursor, parseListQuery, parseStreamQuery } from './activity-filters.js';

function refusal(parse: () => unknown): ActivityError {
  try {
    parse();
  } catch (error) {
    if (ActivityError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const position = { time: '2025-03-31T10:00:00.123456Z', runId: randomUUID() };

describe('activity list parameters', () => {
  it('default to the 50 newest runs with no filter', () => {
    expect(parseListQuery({})).toEqual({ filters: {}, limit: 50 });
  });

  it('read every filter, the page size and the cursor', () => {
    const project = randomUUID();
    const agent = randomUUID().toUpperCase();
    const parsed = parseListQuery({
      project,
      operation: 'load-orders',
      status: 'failed,cancelled',
      agent,
      from: '2025-03-01T00:00:00Z',
      to: '2025-03-31T00:00:00+02:00',
      limit: '200',
      cursor: encodeCursor('list', position),
    });
    expect(parsed).toEqual({
      filters: {
        projectId: project,
        operationId: 'load-orders',
        statuses: ['failed', 'cancelled'],
        agentId: agent.toLowerCase(),
        from: new Date('2025-03-01T00:00:00Z'),
        to: new Date('2025-03-30T22:00:00Z'),
      },
      limit: 200,
      after: position,
    });
  });

  it('take a status given twice as one list', () => {
    expect(parseListQuery({ status: ['running', 'pending,running'] }).filters.statuses).toEqual([
      'running',
      'pending',
    ]);
  });

  it.each([
    ['project', { project: 'orders-sync' }],
    ['agent', { agent: '42' }],
    ['operation', { operation: '' }],
    ['operation', { operation: 'x'.repeat(201) }],
    ['operation', { operation: ['a', 'b'] }],
    ['status', { status: 'done' }],
    ['status', { status: 'failed,' }],
    ['from', { from: 'yesterday' }],
    ['from', { from: '2025-03-01' }],
    ['to', { to: '2025-02-30T00:00:00Z' }],
    ['to', { from: '2025-03-02T00:00:00Z', to: '2025-03-01T00:00:00Z' }],
    ['limit', { limit: '0' }],
    ['limit', { limit: '201' }],
    ['limit', { limit: '5.5' }],
    ['limit', { limit: '-1' }],
    ['cursor', { cursor: 'not a cursor' }],
    ['cursor', { cursor: Buffer.from('{"k":"l"}').toString('base64url') }],
    ['cursor', { cursor: encodeCursor('stream', position) }],
    ['cursor', { cursor: encodeCursor('list', { ...position, time: '2025-03-31T10:00:00Z' }) }],
    ['cursor', { cursor: 'e'.repeat(500) }],
    ['stauts', { stauts: 'failed' }],
  ])('refuse a bad %s (case %#) with ACTIVITY_FILTER_INVALID naming it', (field, query) => {
    const error = refusal(() => parseListQuery(query));
    expect(error).toMatchObject({ code: 'ACTIVITY_FILTER_INVALID', field });
    expect(error.message.startsWith(`${field} `)).toBe(true);
  });
});

describe('activity stream parameters', () => {
  it('resume after the change named by Last-Event-ID', () => {
    expect(parseStreamQuery({ status: 'failed' }, encodeCursor('stream', position))).toEqual({
      filters: { statuses: ['failed'] },
      after: position,
    });
    expect(parseStreamQuery({}, undefined)).toEqual({ filters: {} });
  });

  it.each([
    ['Last-Event-ID', {}, 'garbage!'],
    ['Last-Event-ID', {}, encodeCursor('list', position)],
    ['Last-Event-ID', {}, ['a', 'b']],
    ['limit', { limit: '10' }, undefined],
    ['cursor', { cursor: encodeCursor('list', position) }, undefined],
  ])('refuse a bad %s (case %#)', (field, query, lastEventId) => {
    expect(refusal(() => parseStreamQuery(query, lastEventId))).toMatchObject({
      code: 'ACTIVITY_FILTER_INVALID',
      field,
    });
  });
});
