import { noopLogger } from '@weft/log-schema';
import { asOrgId } from '../database/tenant.js';
import { ActivityStreams, type StreamTarget } from './activity-streams.js';

function target(): StreamTarget & { text: string; ended: boolean } {
  return {
    text: '',
    ended: false,
    buffered: 0,
    begin() {},
    write(chunk: string) {
      this.text += chunk;
    },
    end() {
      this.ended = true;
    },
  };
}

describe('activity streams', () => {
  const position = {
    updatedAt: '2026-11-25T00:00:00.000000Z',
    runId: '00000000-0000-4000-8000-000000000001',
  };
  const query = {
    changes: async () => [],
    streamStart: async () => position,
  } as never;
  const request = (identity: string) => ({
    identity,
    orgId: asOrgId('00000000-0000-4000-8000-00000000000a'),
    environmentId: '00000000-0000-4000-8000-00000000000b',
    filters: {} as never,
    signal: new AbortController().signal,
  });

  it('ends a stream after its lifetime, so the client comes back through authentication', async () => {
    const streams = new ActivityStreams(query, noopLogger, { maxLifetimeMs: 50, pollMs: 10 });
    const out = target();
    await streams.open(request('user:1'), out);
    expect(streams.size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(out.ended).toBe(true);
    expect(out.text).toContain('retry: ');
    expect(streams.size).toBe(0);
  });

  it('holds at most maxPerIdentity streams per identity', async () => {
    const streams = new ActivityStreams(query, noopLogger, { maxPerIdentity: 1, pollMs: 10 });
    await streams.open(request('user:2'), target());
    await expect(streams.open(request('user:2'), target())).rejects.toThrow(/at most 1 activity/);
    await streams.open(request('user:3'), target());
    await streams.closeAll();
    expect(streams.size).toBe(0);
  });
});
