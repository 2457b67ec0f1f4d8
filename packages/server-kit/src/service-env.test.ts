import { createJsonLogger } from '@weft/log-schema';
import { ConfigError, validateEnv } from './config.js';
import { ServiceEnv, compileNatsSettings, compileTlsSettings } from './service-env.js';
import { StartupError, connectNatsAtBoot } from './startup.js';

const base = { NATS_URL: 'nats://127.0.0.1:4222' };
const env = (extra: Record<string, string>) => validateEnv(ServiceEnv, { ...base, ...extra });

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (ConfigError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('compileTlsSettings', () => {
  it('is plain HTTP without certificate settings, HTTPS with both', () => {
    expect(compileTlsSettings(env({}))).toBeUndefined();
    expect(
      compileTlsSettings(env({ TLS_CERT_FILE: '/tls/c.pem', TLS_KEY_FILE: '/tls/k.pem' })),
    ).toEqual({
      certFile: '/tls/c.pem',
      keyFile: '/tls/k.pem',
    });
    expect(
      compileTlsSettings(
        env({ TLS_CERT_FILE: 'c', TLS_KEY_FILE: 'k', TLS_KEY_PASSPHRASE_FILE: 'p' }),
      ),
    ).toEqual({ certFile: 'c', keyFile: 'k', passphraseFile: 'p' });
  });

  it('names the missing half of the pair, and a passphrase without a key', () => {
    expect(configError(() => compileTlsSettings(env({ TLS_CERT_FILE: 'c' }))).settings).toEqual([
      'TLS_KEY_FILE',
    ]);
    expect(configError(() => compileTlsSettings(env({ TLS_KEY_FILE: 'k' }))).message).toBe(
      'invalid configuration: TLS_CERT_FILE is required when the other of TLS_CERT_FILE and TLS_KEY_FILE is set',
    );
    expect(
      configError(() => compileTlsSettings(env({ TLS_KEY_PASSPHRASE_FILE: 'p' }))).settings,
    ).toEqual(['TLS_KEY_PASSPHRASE_FILE']);
  });
});

describe('compileNatsSettings and TLS', () => {
  it('asks for TLS with a tls:// URL or any NATS_TLS_* file, and not otherwise', () => {
    expect(compileNatsSettings(env({})).tls).toBeUndefined();
    expect(compileNatsSettings(env({ NATS_URL: 'nats://a:4222,tls://b:4222' })).tls).toEqual({});
    expect(compileNatsSettings(env({ NATS_TLS_CA_FILE: '/tls/ca.pem' })).tls).toEqual({
      caFile: '/tls/ca.pem',
    });
    expect(
      compileNatsSettings(env({ NATS_TLS_CERT_FILE: 'c.pem', NATS_TLS_KEY_FILE: 'k.pem' })).tls,
    ).toEqual({ certFile: 'c.pem', keyFile: 'k.pem' });
  });

  it('refuses a client certificate without its key', () => {
    expect(
      configError(() => compileNatsSettings(env({ NATS_TLS_CERT_FILE: 'c.pem' }))).settings,
    ).toEqual(['NATS_TLS_KEY_FILE']);
  });

  it('names the NATS_TLS_* setting whose file cannot be read, before dialling', async () => {
    const settings = compileNatsSettings(env({ NATS_TLS_CA_FILE: '/nonexistent/weft-ca.pem' }));
    const error = await connectNatsAtBoot(settings, {
      timeoutMs: 1000,
      name: 'test',
      logger: createJsonLogger({ service: 'test', level: 'error', write: () => undefined }),
    }).catch((e: unknown) => e);
    expect(StartupError.is(error)).toBe(true);
    expect((error as Error).message).toBe(
      'NATS_TLS_CA_FILE (/nonexistent/weft-ca.pem) cannot be read: ENOENT',
    );
  });
});
