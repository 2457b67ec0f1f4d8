import { SecretValue } from '../config/secret-value.js';
import { completionBody, parseWorkAnswer, parseWorkAnswers } from './work-protocol.js';

const records = { read: 3, written: 2, failed: 1 };

describe('completionBody', () => {
  it('keeps error codes and messages within what the gateway accepts', () => {
    const body = completionBody(
      'lease-1',
      { status: 'failed', errorCode: 'pg: 23505 unique', message: 'x'.repeat(5000), records },
      true,
    );
    expect(body).toEqual({
      lease: 'lease-1',
      status: 'failed',
      records,
      error: { code: 'pg__23505_unique', message: 'x'.repeat(2000) },
    });
    expect(
      completionBody('l', { status: 'failed', errorCode: '', message: 'm', records }, false),
    ).toMatchObject({ error: { code: 'run-failed' } });
  });

  it('sends no error for a succeeded or cancelled run', () => {
    expect(completionBody('l', { status: 'cancelled', records }, true)).toEqual({
      lease: 'l',
      status: 'cancelled',
      records,
    });
  });
});

describe('parseWorkAnswer', () => {
  const answer = {
    lease: 'lease-1',
    leaseSeconds: 30,
    run: {
      runId: 'r1',
      operationId: 'o1',
      environmentId: 'e1',
      attempt: 1,
      maxAttempts: 3,
      idempotencyKey: 'run-r1',
      operation: { version: 1 },
    },
  };

  it('turns the answer into a run assignment holding the lease as a secret', () => {
    const run = parseWorkAnswer(answer);
    expect(run.lease).toBeInstanceOf(SecretValue);
    expect(run.lease.reveal()).toBe('lease-1');
    expect(run).toMatchObject({ runId: 'r1', attempt: 1, leaseSeconds: 30 });
  });

  it.each([
    [{ ...answer, lease: '' }, 'lease must be a string'],
    [{ ...answer, leaseSeconds: 0 }, 'leaseSeconds must be a positive number'],
    [{ ...answer, run: { ...answer.run, attempt: 0 } }, 'attempt must be a positive integer'],
    [{ ...answer, run: { ...answer.run, operation: undefined } }, 'run.operation is missing'],
  ])('refuses a malformed answer (%#)', (body, reason) => {
    const parse = () =>
      parseWorkAnswer(
        JSON.parse(JSON.stringify(body)) as unknown, // drops undefined like the wire would
      );
    expect(parse).toThrow(reason);
  });

  it('reads every run of a batched answer, and refuses an empty or missing list', () => {
    const second = { ...answer, lease: 'lease-2', run: { ...answer.run, runId: 'r2' } };
    expect(parseWorkAnswers({ runs: [answer, second] }).map((run) => run.runId)).toEqual([
      'r1',
      'r2',
    ]);
    expect(() => parseWorkAnswers({ runs: [] })).toThrow('runs must be a non-empty list');
    expect(() => parseWorkAnswers(answer)).toThrow('runs must be a non-empty list');
  });
});
