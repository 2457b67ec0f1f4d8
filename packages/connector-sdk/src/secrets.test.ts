import { ConnectorError } from './errors.js';
import { isSecretReference, redactConfig, resolveSecret } from './secrets.js';

const ctx = {
  secrets: { get: (name: string) => (name === 'DB_PASSWORD' ? 'hunter2' : undefined) },
};

describe('resolveSecret', () => {
  it('returns literals as they are and resolves references', () => {
    expect(resolveSecret('plain', ctx)).toBe('plain');
    expect(resolveSecret({ secret: 'DB_PASSWORD' }, ctx, 'password')).toBe('hunter2');
  });

  it('names a missing secret and the field, as invalid_config', () => {
    const attempt = () => resolveSecret({ secret: 'MISSING' }, ctx, 'password');
    expect(attempt).toThrow(
      'password references secret MISSING, which is not available to this run',
    );
    try {
      attempt();
    } catch (error) {
      expect(ConnectorError.is(error) && error.code).toBe('invalid_config');
    }
  });

  it('recognises only exact { secret } objects as references', () => {
    expect(isSecretReference({ secret: 'A' })).toBe(true);
    expect(isSecretReference({ secret: 'A', extra: 1 })).toBe(false);
    expect(isSecretReference({ secret: 1 })).toBe(false);
    expect(isSecretReference(['secret'])).toBe(false);
  });
});

describe('redactConfig', () => {
  it('hides literal secrets under secret-looking names and keeps references', () => {
    const config = {
      url: 'https://api.example.com',
      auth: { kind: 'basic', username: 'ann', password: 'hunter2' },
      headers: { 'X-Api-Key': 'k-123', Accept: 'application/json' },
      clientSecret: { secret: 'CLIENT_SECRET' },
      list: [{ token: 't' }],
    };
    expect(redactConfig(config)).toEqual({
      url: 'https://api.example.com',
      auth: { kind: 'basic', username: 'ann', password: '[redacted]' },
      headers: { 'X-Api-Key': '[redacted]', Accept: 'application/json' },
      clientSecret: { secret: 'CLIENT_SECRET' },
      list: [{ token: '[redacted]' }],
    });
    expect(JSON.stringify(redactConfig(config))).not.toContain('hunter2');
  });
});

describe('ConnectorError', () => {
  it('is recognised by brand across copies and defaults retryable by code', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('weft.connector.error')]: true });
    expect(ConnectorError.is(foreign)).toBe(true);
    expect(ConnectorError.is(new Error('x'))).toBe(false);
    expect(new ConnectorError('timeout', 't').retryable).toBe(true);
    expect(new ConnectorError('remote_error', 'r').retryable).toBe(true);
    expect(new ConnectorError('remote_error', 'r', { retryable: false }).retryable).toBe(false);
    expect(new ConnectorError('egress_denied', 'e').retryable).toBe(false);
  });
});
