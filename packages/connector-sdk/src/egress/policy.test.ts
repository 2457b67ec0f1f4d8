import { ConnectorError } from '../errors.js';
import { createEgressGuard, type HostResolver } from './policy.js';

const dns: Record<string, string[]> = {
  'api.example.com': ['93.184.215.14'],
  'metadata.example.com': ['169.254.169.254'],
  'mixed.example.com': ['93.184.215.14', '10.0.0.7'],
  'db.corp.example': ['10.1.2.3'],
  'v6.example.com': ['2606:4700::6810:84e5'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
};
const queried: string[] = [];
const resolver: HostResolver = async (host) => {
  queried.push(host);
  const found = dns[host];
  if (!found) throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

async function refusal(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!ConnectorError.is(error)) throw new Error('expected a ConnectorError');
  return error;
}

describe('cloud agent egress', () => {
  const cloud = createEgressGuard({ agentKind: 'cloud', resolver });

  it('allows public names and addresses and returns the checked address', async () => {
    await expect(cloud.resolve('api.example.com', 443)).resolves.toEqual({
      address: '93.184.215.14',
      family: 4,
    });
    await expect(cloud.resolve('v6.example.com', 443)).resolves.toEqual({
      address: '2606:4700::6810:84e5',
      family: 6,
    });
    await expect(cloud.resolve('8.8.8.8', 53)).resolves.toEqual({ address: '8.8.8.8', family: 4 });
  });

  it('refuses the metadata address with a message naming the category and the remedy', async () => {
    const error = await refusal(cloud.resolve('169.254.169.254', 80));
    expect(error.code).toBe('egress_denied');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'egress to 169.254.169.254 (link-local) refused for a cloud agent; an administrator can allow-list it',
    );
  });

  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '[::1]',
    '::ffff:169.254.169.254',
    '64:ff9b::10.0.0.1',
    '0.0.0.0',
  ])('refuses %s', async (host) => {
    expect((await refusal(cloud.resolve(host, 80))).code).toBe('egress_denied');
  });

  it('refuses a name that resolves to an internal address, naming both', async () => {
    const error = await refusal(cloud.resolve('metadata.example.com', 80));
    expect(error.message).toContain('metadata.example.com (169.254.169.254) (link-local)');
    expect((await refusal(cloud.resolve('mapped.example.com', 80))).message).toContain(
      'IPv4-mapped',
    );
  });

  it('refuses a name when any one of its addresses is refused', async () => {
    expect((await refusal(cloud.resolve('mixed.example.com', 443))).message).toContain('10.0.0.7');
  });

  it('reports unknown names and bad ports as such', async () => {
    expect((await refusal(cloud.resolve('missing.example.com', 443))).code).toBe('not_found');
    expect((await refusal(cloud.resolve('api.example.com', 0))).code).toBe('invalid_config');
  });
});

describe('allow and deny lists', () => {
  it('lets a cloud agent reach allow-listed CIDRs, addresses and host names', async () => {
    const guard = createEgressGuard({
      agentKind: 'cloud',
      allow: ['10.1.0.0/16', '169.254.169.254', '*.corp.example'],
      resolver,
    });
    await expect(guard.resolve('10.1.9.9', 5432)).resolves.toEqual({
      address: '10.1.9.9',
      family: 4,
    });
    await expect(guard.resolve('::ffff:10.1.9.9', 5432)).resolves.toMatchObject({ family: 6 });
    await expect(guard.resolve('169.254.169.254', 80)).resolves.toMatchObject({ family: 4 });
    await expect(guard.resolve('db.corp.example', 5432)).resolves.toEqual({
      address: '10.1.2.3',
      family: 4,
    });
    expect((await refusal(guard.resolve('10.2.0.1', 5432))).code).toBe('egress_denied');
    // *.suffix does not match the bare suffix.
    expect(guard.check('corp.example', '10.9.9.9').allowed).toBe(false);
  });

  it('lets a private agent reach internal addresses but not what the organization denies', async () => {
    const guard = createEgressGuard({
      agentKind: 'private',
      deny: ['169.254.0.0/16', 'secret.corp.example'],
      resolver,
    });
    await expect(guard.resolve('127.0.0.1', 8080)).resolves.toEqual({
      address: '127.0.0.1',
      family: 4,
    });
    await expect(guard.resolve('db.corp.example', 5432)).resolves.toEqual({
      address: '10.1.2.3',
      family: 4,
    });
    const error = await refusal(guard.resolve('metadata.example.com', 80));
    expect(error.message).toBe(
      'egress to metadata.example.com (169.254.169.254) refused: the organization denies it',
    );
    queried.length = 0;
    expect((await refusal(guard.resolve('SECRET.corp.example.', 443))).code).toBe('egress_denied');
    expect(queried).toEqual([]);
  });

  it('deny wins over allow', () => {
    const guard = createEgressGuard({
      agentKind: 'cloud',
      allow: ['10.0.0.0/8'],
      deny: ['10.0.0.5'],
      resolver,
    });
    expect(guard.check('10.0.0.4', '10.0.0.4')).toEqual({ allowed: true });
    expect(guard.check('10.0.0.5', '10.0.0.5')).toEqual({
      allowed: false,
      reason: 'denied by the organization',
    });
  });

  it('rejects malformed list entries, naming the entry', () => {
    expect(() => createEgressGuard({ agentKind: 'cloud', allow: ['10.0.0.0/33'] })).toThrow(
      'allow[0]',
    );
    expect(() =>
      createEgressGuard({ agentKind: 'cloud', deny: ['ok.example', 'not a host'] }),
    ).toThrow('deny[1]');
    expect(() => createEgressGuard({ agentKind: 'cloud', allow: ['host.example/8'] })).toThrow(
      'allow[0]',
    );
  });
});
