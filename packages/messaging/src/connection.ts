import { randomInt } from 'node:crypto';
import { connect, type NatsConnection, type Status } from 'nats';
import { MessagingError } from './errors.js';
import { probeNatsServer } from './internal/probe.js';
import { parseNatsServers, redactNatsUrl, redactText } from './nats-urls.js';

/** The logging the connection helpers need; adapt the app's logger to it. */
export interface MessagingLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ConnectNatsOptions {
  /** One URL or several separated by commas (`nats://` or `tls://`). Credentials in it are honoured and never logged. */
  url: string;
  /** The connection name the server shows in its monitoring: which app and instance this is. */
  name: string;
  user?: string;
  pass?: string;
  token?: string;
  /** Bound on the first connection attempt. Default 5000 ms. */
  timeoutMs?: number;
  /** Wait between reconnection attempts once connected. Default 2000 ms (nats.js's, with jitter). */
  reconnectTimeWaitMs?: number;
  /**
   * TLS, PEM contents (not paths): `ca` to verify the server with (default: the system's
   * trust store), `cert` and `key` for servers that verify clients. Given, or with a `tls://`
   * URL, TLS is required: a server that does not offer it is refused. The server's INFO comes
   * in clear and the client then upgrades (nats-server's default; `handshake_first` servers are
   * not supported).
   */
  tls?: NatsTlsOptions;
  logger?: MessagingLogger;
}

export interface NatsTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface NatsHealth {
  up: boolean;
  /** Why it is down, or nothing. */
  detail?: string;
  /** Round-trip time to the server, when up. */
  rttMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_HEALTH_TIMEOUT_MS = 1000;

/**
 * Connects to NATS. The first attempt is bounded (`timeoutMs`, each server tried once): a
 * service that cannot reach NATS at boot fails fast with `NATS_UNREACHABLE` instead of
 * hanging. Once connected, the client reconnects forever and reports every status change
 * to the logger.
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const servers = parseNatsServers(options.url);
  const where = servers.map(redactNatsUrl).join(',');
  const secrets = [options.pass, options.token, ...servers.flatMap(credentialsOf)];
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const logger = options.logger;
  const tls =
    options.tls !== undefined || servers.some((server) => server.startsWith('tls://'))
      ? { ...options.tls }
      : undefined;
  if ((tls?.cert === undefined) !== (tls?.key === undefined)) {
    throw new MessagingError(
      'NATS_UNREACHABLE',
      'a NATS TLS client certificate needs its key, and a key its certificate',
    );
  }

  const deadline = Date.now() + timeoutMs;
  // Probed in parallel, each with the whole budget, going on as soon as one answers: one
  // silent server of a cluster must not use up the time of the healthy ones.
  const reasons: string[] = [];
  const answered: string[] = [];
  await new Promise<void>((resolve) => {
    let pending = servers.length;
    for (const server of servers) {
      const settle = (reason: string | undefined) => {
        if (reason === undefined) {
          answered.push(server);
          return resolve();
        }
        reasons.push(`${redactNatsUrl(server)}: ${reason}`);
        if (--pending === 0) resolve();
      };
      probeNatsServer(server, timeoutMs).then(settle, (error: unknown) => settle(String(error)));
    }
  });
  if (reasons.length === servers.length) {
    throw new MessagingError(
      'NATS_UNREACHABLE',
      `could not connect to NATS at ${where} within ${timeoutMs} ms (${reasons.join('; ')})`,
    );
  }

  let nc: NatsConnection;
  try {
    nc = await connect({
      // The server that answered first leads, so nats.js does not dial a silent one (its
      // socket would leak); the rest keep their shuffled order for reconnects.
      servers: [...answered, ...shuffle(servers.filter((s) => !answered.includes(s)))],
      noRandomize: true,
      name: options.name,
      user: options.user,
      pass: options.pass,
      token: options.token,
      timeout: Math.max(500, deadline - Date.now()),
      waitOnFirstConnect: false,
      maxReconnectAttempts: -1,
      // nats.js copies undefined over its defaults, and an undefined wait stalls reconnection.
      ...(options.reconnectTimeWaitMs !== undefined
        ? { reconnectTimeWait: options.reconnectTimeWaitMs }
        : {}),
      ...(tls !== undefined ? { tls } : {}),
      // Replies come back on a prefix only this user may subscribe to (see infra/nats).
      ...(options.user !== undefined ? { inboxPrefix: `_INBOX.${options.user}` } : {}),
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = redactText(error instanceof Error ? error.message : String(error), secrets);
    if (code === 'AUTHORIZATION_VIOLATION' || code === 'BAD_AUTHENTICATION') {
      throw new MessagingError(
        'NATS_AUTH_FAILED',
        `NATS at ${where} refused the credentials of ${options.name}`,
        {
          cause: error,
        },
      );
    }
    const tlsProblem = describeTlsFailure(
      error,
      reason,
      tls !== undefined,
      tls?.cert !== undefined,
    );
    if (tlsProblem !== undefined) {
      throw new MessagingError(
        'NATS_UNREACHABLE',
        `TLS with NATS at ${where} failed: ${tlsProblem}`,
        {
          cause: error,
        },
      );
    }
    throw new MessagingError(
      'NATS_UNREACHABLE',
      `could not connect to NATS at ${where} within ${timeoutMs} ms: ${reason}`,
      {
        cause: error,
      },
    );
  }

  logger?.info('connected to NATS', { server: redactNatsUrl(nc.getServer()), name: options.name });
  if (logger) void reportStatus(nc, logger, secrets);
  return nc;
}

/**
 * Whether the connection can reach the server right now, answered within `timeoutMs`
 * (default 1000 ms) so that a readiness probe never hangs: a disconnected client answers
 * at once, a silent server after the timeout.
 */
export async function natsHealth(
  nc: NatsConnection,
  options: { timeoutMs?: number } = {},
): Promise<NatsHealth> {
  if (nc.isClosed()) return { up: false, detail: 'connection closed' };
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([nc.rtt(), timeout]);
    if (outcome === 'timeout')
      return { up: false, detail: `no answer from NATS within ${timeoutMs} ms` };
    return { up: true, rttMs: outcome };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      up: false,
      detail: code === 'DISCONNECT' ? 'disconnected; reconnecting' : redactText(String(error), []),
    };
  } finally {
    clearTimeout(timer);
  }
}

async function reportStatus(
  nc: NatsConnection,
  logger: MessagingLogger,
  secrets: (string | undefined)[],
): Promise<void> {
  void nc.closed().then((error) => {
    if (error)
      logger.error('NATS connection closed by an error', {
        error: redactText(error.message, secrets),
      });
    else logger.info('NATS connection closed');
  });
  try {
    for await (const status of nc.status()) logStatus(status, logger, secrets);
  } catch (error) {
    logger.error('NATS status reporting stopped', { error: redactText(String(error), secrets) });
  }
}

function logStatus(status: Status, logger: MessagingLogger, secrets: (string | undefined)[]): void {
  const data =
    typeof status.data === 'object' ? status.data : redactText(String(status.data), secrets);
  switch (status.type) {
    case 'disconnect':
      logger.warn('NATS connection lost; reconnecting', { server: data });
      break;
    case 'reconnect':
      logger.info('NATS connection restored', { server: data });
      break;
    case 'ldm':
      logger.warn('NATS server entering lame duck mode; will move to another server', {
        server: data,
      });
      break;
    case 'error':
      logger.error('NATS reported an error', { error: data, permission: status.permissionContext });
      break;
    case 'staleConnection':
      logger.warn('NATS connection stale (pings unanswered)', { server: data });
      break;
    default:
      logger.debug(`NATS status: ${status.type}`, { data });
  }
}

/**
 * Why the TLS part of a connection failed, in words an operator can act on; else undefined.
 * `reason` is the error's message with credentials already redacted.
 */
function describeTlsFailure(
  error: unknown,
  reason: string,
  tlsRequired: boolean,
  hasClientCertificate: boolean,
): string | undefined {
  const code = String((error as { code?: unknown }).code ?? '');
  if (
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code) ||
    /certificate/i.test(reason)
  ) {
    return `the server's certificate was not accepted (${code || reason}); set the CA that issued it`;
  }
  // nats.js: the client asked for TLS and the server's INFO does not offer it.
  if (code === 'SERVER_OPT_NA' && /tls/i.test(reason)) {
    return 'the server does not offer TLS, which this client requires (a tls:// URL or a TLS CA or client certificate is configured)';
  }
  if (code === 'TIMEOUT' && tlsRequired && !hasClientCertificate) {
    // A server that verifies clients drops a client without a certificate after the handshake,
    // and nats.js only sees its retries time out.
    return `no answer after the TLS handshake; if the server verifies client certificates, this client needs one`;
  }
  return undefined;
}

function credentialsOf(server: string): string[] {
  try {
    const url = new URL(server);
    return [
      decodeURIComponent(url.username),
      decodeURIComponent(url.password),
      url.username,
      url.password,
    ].filter(Boolean);
  } catch {
    return [];
  }
}

function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
