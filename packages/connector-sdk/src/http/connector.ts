import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import type { EgressGuard } from '../contract.js';

export interface TlsOptions {
  readonly ca?: readonly string[];
  readonly cert?: string;
  readonly key?: string;
}

/**
 * An undici `connect` that asks the egress guard first and then dials the address the guard
 * approved, never the name again (DNS rebinding). TLS still verifies the certificate against the
 * original host name (servername).
 */
export function guardedConnector(
  egress: EgressGuard,
  tls: TlsOptions,
  timeoutMs: number,
): buildConnector.connector {
  const dial = buildConnector({
    timeout: timeoutMs,
    ...(tls.ca ? { ca: [...tls.ca] } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
  });
  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    egress.resolve(host, port).then(
      ({ address }) => {
        const servername = options.servername ?? (isIP(host) === 0 ? host : undefined);
        dial({ ...options, hostname: address, ...(servername ? { servername } : {}) }, callback);
      },
      (error: unknown) => callback(error as Error, null),
    );
  };
}
