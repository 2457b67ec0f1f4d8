import { existsSync } from 'node:fs';
import { connectorContext } from './context.js';

describe('connectorContext', () => {
  it('builds a private-agent context with a work folder it can clean up', async () => {
    const ctx = connectorContext({ secrets: { A: '1' } });
    expect(ctx.agentKind).toBe('private');
    expect(ctx.secrets.get('A')).toBe('1');
    expect(ctx.secrets.get('toString')).toBeUndefined();
    expect(existsSync(ctx.workDir)).toBe(true);
    await expect(ctx.egress.resolve('127.0.0.1', 80)).resolves.toEqual({
      address: '127.0.0.1',
      family: 4,
    });
    ctx.logger.warn('careful', { n: 1 });
    expect(ctx.logs).toEqual([{ level: 'warn', message: 'careful', fields: { n: 1 } }]);
    ctx.abort();
    expect(ctx.signal.aborted).toBe(true);
    ctx.cleanup();
    expect(existsSync(ctx.workDir)).toBe(false);
  });

  it('gives a cloud context a cloud egress policy', async () => {
    const ctx = connectorContext({ agentKind: 'cloud' });
    await expect(ctx.egress.resolve('127.0.0.1', 80)).rejects.toMatchObject({
      code: 'egress_denied',
    });
    ctx.cleanup();
  });
});
