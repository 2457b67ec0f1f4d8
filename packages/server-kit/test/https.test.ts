import 'reflect-metadata';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type ConnectionOptions } from 'node:tls';
import { Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createJsonLogger } from '@weft/log-schema';
import { createCertificateAuthority, type CertificateAuthority } from '@weft/testing';
import {
  ServiceModule,
  StartupError,
  configureHttpApplication,
  hardenedTlsOptions,
  listenHttps,
  loadTlsCredentials,
  type HttpsListener,
  type TlsSettings,
} from '../src/index.js';

const logger = createJsonLogger({ service: 'test', level: 'error', write: () => undefined });

@Module({
  imports: [
    ServiceModule.register({ logger, checks: [{ name: 'fast', check: async () => undefined }] }),
  ],
})
class AppModule {}

let dir: string;
let ca: CertificateAuthority;
let tls: TlsSettings;
let app: INestApplication;
let listener: HttpsListener;
let port: number;

/** Handshakes with the server and reports the negotiated protocol and suite, or the error code. */
function handshake(
  options: ConnectionOptions = {},
): Promise<{ protocol?: string; cipher?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect(
      { host: '127.0.0.1', port, ca: ca.cert, servername: 'localhost', ...options },
      () => {
        resolve({ protocol: socket.getProtocol() ?? undefined, cipher: socket.getCipher().name });
        socket.end();
      },
    );
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    );
  });
}

function get(path: string): Promise<{ status: number; body: unknown; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, ca: ca.cert, servername: 'localhost', agent: false },
      (res) => {
        const serial = (
          res.socket as unknown as { getPeerCertificate(): { serialNumber: string } }
        ).getPeerCertificate().serialNumber;
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), serial }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function writeCertificate(
  name: string,
  keyAlgorithm: 'rsa-2048' | 'ecdsa-p256' = 'rsa-2048',
): Promise<TlsSettings> {
  const leaf = await ca.issue({ hosts: ['localhost', '127.0.0.1'], keyAlgorithm });
  const settings = { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}-key.pem`) };
  await writeFile(settings.certFile, leaf.cert);
  await writeFile(settings.keyFile, leaf.key, { mode: 0o600 });
  return settings;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-https-'));
  ca = await createCertificateAuthority();
  // RSA, so that a refused RSA key exchange is the cipher policy at work, not the key type.
  tls = await writeCertificate('server');
  const ref = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = ref.createNestApplication({ logger: false });
  configureHttpApplication(app, { logger, title: 'test', description: 'test' });
  listener = await listenHttps(app, { port: 0, host: '127.0.0.1', tls });
  port = (listener.server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => listener?.server.close(resolve));
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('listenHttps', () => {
  it('negotiates TLS 1.3 with a current client', async () => {
    expect(listener.url).toBe(`https://127.0.0.1:${port}`);
    expect(await handshake()).toMatchObject({ protocol: 'TLSv1.3' });
  });

  it('accepts TLS 1.2 only with ECDHE and an AEAD suite', async () => {
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toEqual({
      protocol: 'TLSv1.2',
      cipher: 'ECDHE-RSA-AES256-GCM-SHA384',
    });
    expect(
      await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' }),
    ).toMatchObject({
      protocol: 'TLSv1.2',
    });
  });

  it('refuses TLS 1.1 and older', async () => {
    // OpenSSL's own floor would stop the client first; lower it so the server is what refuses.
    const result = await handshake({
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    expect(result.error).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  it('refuses TLS 1.2 clients offering only RSA key exchange or CBC suites, which Node alone would accept', async () => {
    const weak = ['AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384'];
    // The same certificate under Node's default server settings: each suite works there.
    const credentials = await loadTlsCredentials(tls);
    const lenient = createServer({ cert: credentials.cert, key: credentials.key }, (socket) =>
      socket.end(),
    );
    await new Promise<void>((resolve) => lenient.listen(0, '127.0.0.1', resolve));
    const hardenedPort = port;
    try {
      port = (lenient.address() as { port: number }).port;
      for (const ciphers of weak) {
        expect(await handshake({ maxVersion: 'TLSv1.2', ciphers })).toMatchObject({
          cipher: ciphers,
        });
      }
    } finally {
      port = hardenedPort;
      await new Promise((resolve) => lenient.close(resolve));
    }
    for (const ciphers of weak) {
      expect((await handshake({ maxVersion: 'TLSv1.2', ciphers })).error).toBe(
        'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      );
    }
  });

  it('does not answer plain HTTP on the HTTPS port', async () => {
    const outcome = await fetch(`http://127.0.0.1:${port}/health`, {
      signal: AbortSignal.timeout(3000),
    }).then(
      (res) => `status ${res.status}`,
      (error: Error) => `failed: ${error.message}`,
    );
    expect(outcome).toMatch(/^failed/);
  });

  it('serves liveness and readiness over HTTPS', async () => {
    expect(await get('/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await get('/ready')).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { fast: 'up' } },
    });
  });

  it('reloads the certificate for new connections, and keeps the old one when the new files are bad', async () => {
    const before = (await get('/health')).serial;
    const next = await writeCertificate('next', 'ecdsa-p256');
    const served = { ...tls };
    tls.certFile = next.certFile;
    tls.keyFile = next.keyFile;
    try {
      await listener.reload();
      const after = (await get('/health')).serial;
      expect(after).not.toBe(before);
      expect(after).toBe(
        new X509Certificate(await import('node:fs').then((fs) => fs.readFileSync(next.certFile)))
          .serialNumber,
      );

      tls.keyFile = join(dir, 'missing-key.pem');
      await expect(listener.reload()).rejects.toThrow('TLS_KEY_FILE');
      expect((await get('/health')).serial).toBe(after);
    } finally {
      Object.assign(tls, served);
    }
  });
});

describe('loadTlsCredentials', () => {
  async function failure(settings: TlsSettings): Promise<string> {
    const error = await loadTlsCredentials(settings).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!StartupError.is(error)) throw new Error(`expected a StartupError, got ${String(error)}`);
    return error.message;
  }

  it('names the setting whose file is missing or unusable, never quoting the key', async () => {
    const other = await writeCertificate('other');
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'not a pem file');
    const keyPem = (await loadTlsCredentials(tls)).key.toString();

    const messages = [
      await failure({ certFile: join(dir, 'nope.pem'), keyFile: tls.keyFile }),
      await failure({ certFile: tls.certFile, keyFile: join(dir, 'nope-key.pem') }),
      await failure({ certFile: garbage, keyFile: tls.keyFile }),
      await failure({ certFile: tls.certFile, keyFile: garbage }),
      await failure({ certFile: tls.certFile, keyFile: other.keyFile }),
    ];
    expect(messages).toEqual([
      `TLS_CERT_FILE (${join(dir, 'nope.pem')}) cannot be read: ENOENT`,
      `TLS_KEY_FILE (${join(dir, 'nope-key.pem')}) cannot be read: ENOENT`,
      'TLS_CERT_FILE does not hold a PEM certificate',
      'TLS_KEY_FILE does not hold a PEM private key',
      'TLS_KEY_FILE does not hold the private key of the TLS_CERT_FILE certificate',
    ]);
    const keyBody = keyPem.split('\n')[1] ?? '';
    expect(keyBody.length).toBeGreaterThan(20);
    for (const message of messages) expect(message).not.toContain(keyBody);
  });

  it('opens an encrypted key with TLS_KEY_PASSPHRASE_FILE', async () => {
    const plain = await loadTlsCredentials(tls);
    const encrypted = createPrivateKey(plain.key).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'correct horse battery',
    });
    const keyFile = join(dir, 'encrypted-key.pem');
    const passphraseFile = join(dir, 'passphrase');
    const wrongFile = join(dir, 'wrong-passphrase');
    await writeFile(keyFile, encrypted, { mode: 0o600 });
    await writeFile(passphraseFile, 'correct horse battery\n', { mode: 0o600 });
    await writeFile(wrongFile, 'wrong horse\n', { mode: 0o600 });

    expect(await failure({ certFile: tls.certFile, keyFile })).toBe(
      'TLS_KEY_FILE is encrypted: set TLS_KEY_PASSPHRASE_FILE',
    );
    const wrong = await failure({ certFile: tls.certFile, keyFile, passphraseFile: wrongFile });
    expect(wrong).toBe(
      'TLS_KEY_FILE does not hold a PEM private key that TLS_KEY_PASSPHRASE_FILE opens',
    );
    expect(wrong).not.toContain('wrong horse');
    const opened = await loadTlsCredentials({ certFile: tls.certFile, keyFile, passphraseFile });
    expect(opened.passphrase).toBe('correct horse battery');
    expect(hardenedTlsOptions(opened)).toMatchObject({
      minVersion: 'TLSv1.2',
      honorCipherOrder: true,
      ecdhCurve: 'X25519:P-256:P-384',
    });
  });
});
