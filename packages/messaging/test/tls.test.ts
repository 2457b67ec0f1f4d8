import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  startNats,
  type CertificateAuthority,
  type RunningNats,
} from '@weft/testing';
import { connectNats, MessagingError, natsHealth } from '../src/index.js';

async function failureOf(attempt: Promise<unknown>): Promise<MessagingError> {
  const error = await attempt.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!MessagingError.is(error)) throw new Error(`expected a MessagingError, got ${String(error)}`);
  return error;
}

let dir: string;
let ca: CertificateAuthority;
let client: { cert: string; key: string };
/** Serves TLS; clients need not present a certificate. */
let tlsNats: RunningNats;
/** Serves TLS and verifies client certificates against the CA (mutual TLS). */
let mutualNats: RunningNats;
/** Plain NATS, no TLS at all. */
let plainNats: RunningNats;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-messaging-tls-'));
  ca = await createCertificateAuthority({ commonName: 'Messaging test CA' });
  const server = await ca.issue({ hosts: ['127.0.0.1', 'localhost'] });
  client = await ca.issue({ hosts: ['weft-gateway'], usage: 'client' });
  const files = {
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server-key.pem'),
    caFile: join(dir, 'ca.pem'),
  };
  await writeFile(files.certFile, server.cert);
  await writeFile(files.keyFile, server.key, { mode: 0o600 });
  await writeFile(files.caFile, ca.cert);
  [tlsNats, mutualNats, plainNats] = await Promise.all([
    startNats({ tls: { certFile: files.certFile, keyFile: files.keyFile } }),
    startNats({ tls: { ...files, verifyClients: true } }),
    startNats(),
  ]);
});

afterAll(async () => {
  await Promise.all([tlsNats?.stop(), mutualNats?.stop(), plainNats?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('connectNats over TLS', () => {
  it('connects to a TLS server with the CA that issued its certificate', async () => {
    const nc = await connectNats({ url: tlsNats.url, name: 'tls-test', tls: { ca: ca.cert } });
    try {
      expect(nc.info?.tls_required).toBe(true);
      expect((await natsHealth(nc)).up).toBe(true);
    } finally {
      await nc.close();
    }
  });

  it('upgrades a nats:// URL to TLS when a CA is given', async () => {
    const url = tlsNats.url.replace('tls://', 'nats://');
    const nc = await connectNats({ url, name: 'tls-test', tls: { ca: ca.cert } });
    expect(nc.info?.tls_required).toBe(true);
    await nc.close();
  });

  it('refuses a server certificate it cannot verify, naming TLS and the way out', async () => {
    const withoutCa = await failureOf(
      connectNats({ url: tlsNats.url, name: 'tls-test', timeoutMs: 3000 }),
    );
    expect(withoutCa.code).toBe('NATS_UNREACHABLE');
    expect(withoutCa.message).toContain(`TLS with NATS at ${tlsNats.url} failed`);
    expect(withoutCa.message).toContain('set the CA that issued it');

    const stranger = await createCertificateAuthority();
    const wrongCa = await failureOf(
      connectNats({
        url: tlsNats.url,
        name: 'tls-test',
        timeoutMs: 3000,
        tls: { ca: stranger.cert },
      }),
    );
    expect(wrongCa.message).toContain('TLS with NATS');
    expect(wrongCa.message).toContain("the server's certificate was not accepted");
  });

  it('refuses to talk in clear to a server that does not offer TLS when TLS is asked for', async () => {
    const url = plainNats.url.replace('nats://', 'tls://');
    const error = await failureOf(
      connectNats({ url, name: 'tls-test', timeoutMs: 3000, tls: { ca: ca.cert } }),
    );
    expect(error.code).toBe('NATS_UNREACHABLE');
    expect(error.message).toContain('the server does not offer TLS, which this client requires');
  });

  it('presents a client certificate to a server that verifies clients (mutual TLS)', async () => {
    const anonymous = await failureOf(
      connectNats({ url: mutualNats.url, name: 'tls-test', timeoutMs: 3000, tls: { ca: ca.cert } }),
    );
    expect(anonymous.code).toBe('NATS_UNREACHABLE');
    expect(anonymous.message).toContain('this client needs one');

    const nc = await connectNats({
      url: mutualNats.url,
      name: 'tls-test',
      tls: { ca: ca.cert, ...client },
    });
    expect((await natsHealth(nc)).up).toBe(true);
    await nc.close();
  });

  it('never quotes key material in its errors', async () => {
    const error = await failureOf(
      connectNats({ url: tlsNats.url, name: 'tls-test', tls: { cert: client.cert } }),
    );
    expect(error.message).toContain('needs its key');
    const pem = await readFile(join(dir, 'server-key.pem'), 'utf8');
    expect(error.message).not.toContain(pem.split('\n')[1]);
  });
});
