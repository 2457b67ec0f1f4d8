import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { INestApplication } from '@nestjs/common';
import type { TlsSettings } from './service-env.js';
import { StartupError } from './startup.js';

/**
 * TLS 1.2 suites: forward secrecy (ECDHE) and AEAD (AES-GCM, ChaCha20-Poly1305) only — no RSA
 * key exchange, no CBC, no SHA-1 MACs. The TLS 1.3 suites are named too: Node reads TLS_* names
 * in this list as the 1.3 suites, and all three are strong.
 */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** Key-exchange groups, strongest and fastest first. */
export const TLS_ECDH_CURVES = 'X25519:P-256:P-384';

/** The certificate, key and passphrase read from the files TlsSettings names. Keep in memory only. */
export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
  passphrase?: string;
}

/**
 * Node TLS server options for Weft's servers: TLS 1.2 at least (1.3 is negotiated whenever
 * the client has it), the suites of TLS_CIPHERS in the server's order, TLS_ECDH_CURVES.
 */
export function hardenedTlsOptions(credentials: TlsCredentials): SecureContextOptions {
  return {
    cert: credentials.cert,
    key: credentials.key,
    ...(credentials.passphrase !== undefined ? { passphrase: credentials.passphrase } : {}),
    minVersion: 'TLSv1.2',
    ciphers: TLS_CIPHERS,
    ecdhCurve: TLS_ECDH_CURVES,
    honorCipherOrder: true,
  };
}

/**
 * Reads and checks the certificate and key: both must parse, belong together and be usable by
 * OpenSSL under hardenedTlsOptions. Throws StartupError naming the setting at fault, never
 * quoting a file's content.
 */
export async function loadTlsCredentials(settings: TlsSettings): Promise<TlsCredentials> {
  const cert = await readSettingFile('TLS_CERT_FILE', settings.certFile);
  const key = await readSettingFile('TLS_KEY_FILE', settings.keyFile);
  const passphrase =
    settings.passphraseFile !== undefined
      ? (await readSettingFile('TLS_KEY_PASSPHRASE_FILE', settings.passphraseFile))
          .toString('utf8')
          .replace(/\r?\n$/, '')
      : undefined;

  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new StartupError('TLS_CERT_FILE does not hold a PEM certificate');
  }
  if (Date.parse(certificate.validTo) <= Date.now()) {
    throw new StartupError(
      `TLS_CERT_FILE holds a certificate that expired on ${certificate.validTo}`,
    );
  }
  const privateKey = parsePrivateKey(key, passphrase);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new StartupError(
      'TLS_KEY_FILE does not hold the private key of the TLS_CERT_FILE certificate',
    );
  }
  const credentials: TlsCredentials = {
    cert,
    key,
    ...(passphrase !== undefined ? { passphrase } : {}),
  };
  try {
    createSecureContext(hardenedTlsOptions(credentials));
  } catch (error) {
    // OpenSSL's reason (e.g. "ee key too small") names the problem, never the key material.
    throw new StartupError(
      `TLS_CERT_FILE and TLS_KEY_FILE cannot be used: ${(error as Error).message}`,
    );
  }
  return credentials;
}

function parsePrivateKey(key: Buffer, passphrase: string | undefined): KeyObject {
  const pem = key.toString('latin1');
  if (passphrase === undefined && /BEGIN ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new StartupError('TLS_KEY_FILE is encrypted: set TLS_KEY_PASSPHRASE_FILE');
  }
  try {
    return createPrivateKey({ key, ...(passphrase !== undefined ? { passphrase } : {}) });
  } catch {
    throw new StartupError(
      passphrase !== undefined
        ? 'TLS_KEY_FILE does not hold a PEM private key that TLS_KEY_PASSPHRASE_FILE opens'
        : 'TLS_KEY_FILE does not hold a PEM private key',
    );
  }
}

async function readSettingFile(setting: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new StartupError(
      `${setting} (${path}) cannot be read: ${typeof code === 'string' ? code : 'read failed'}`,
    );
  }
}

/** An application served over HTTPS by `listenHttps`. */
export interface HttpsListener {
  server: Server;
  /** `https://host:port` as bound (the real port when 0 was asked for). */
  url: string;
  /**
   * Reads the files again and serves new connections with them; connections already open keep
   * theirs. On a bad file it throws StartupError and the server keeps the old certificate.
   */
  reload(): Promise<void>;
}

/**
 * Serves a Nest application over HTTPS with hardenedTlsOptions. The Nest application is
 * initialised but never listens itself: its request handler is mounted on a node:https server,
 * because the apps build their Nest application before they know how it will be served.
 */
export async function listenHttps(
  app: INestApplication,
  options: { port: number; host: string; tls: TlsSettings },
): Promise<HttpsListener> {
  const credentials = await loadTlsCredentials(options.tls);
  await app.init();
  const handler = app.getHttpAdapter().getInstance() as Parameters<typeof createServer>[1];
  const server = createServer(hardenedTlsOptions(credentials), handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    url: `https://${host}:${port}`,
    async reload() {
      server.setSecureContext(hardenedTlsOptions(await loadTlsCredentials(options.tls)));
    },
  };
}
