import { readFile } from 'node:fs/promises';
import type { NatsConnection } from 'nats';
import { connectNats, natsHealth, type ConnectNatsOptions } from '@weft/messaging';
import type { Logger } from '@weft/log-schema';
import type { DependencyCheck } from './readiness.js';
import type { NatsSettings, NatsTlsFiles } from './service-env.js';

const STARTUP_ERROR = Symbol.for('weft.server-kit.startup-error');

/** A dependency cannot be reached at boot. The message is one line naming the setting to fix. */
export class StartupError extends Error {
  readonly [STARTUP_ERROR] = true;
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
  static is(value: unknown): value is StartupError {
    return typeof value === 'object' && value !== null && STARTUP_ERROR in value;
  }
}

/**
 * Connects to NATS with a bounded first attempt; a failure names NATS_URL (credentials
 * stripped), or the NATS_TLS_* setting whose file cannot be read.
 */
export async function connectNatsAtBoot(
  settings: NatsSettings,
  options: { timeoutMs: number; logger: Logger; name: string },
): Promise<NatsConnection> {
  const tls = settings.tls !== undefined ? await readNatsTlsFiles(settings.tls) : undefined;
  try {
    return await connectNats({
      url: settings.servers.join(','),
      name: options.name,
      ...(settings.user !== undefined ? { user: settings.user, pass: settings.password } : {}),
      ...(tls !== undefined ? { tls } : {}),
      timeoutMs: options.timeoutMs,
      logger: options.logger,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(`cannot connect to NATS at NATS_URL: ${reason}`);
  }
}

async function readNatsTlsFiles(
  files: NatsTlsFiles,
): Promise<NonNullable<ConnectNatsOptions['tls']>> {
  const read = async (setting: string, path: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new StartupError(
        `${setting} (${path}) cannot be read: ${typeof code === 'string' ? code : 'read failed'}`,
      );
    }
  };
  return {
    ...(files.caFile !== undefined ? { ca: await read('NATS_TLS_CA_FILE', files.caFile) } : {}),
    ...(files.certFile !== undefined
      ? { cert: await read('NATS_TLS_CERT_FILE', files.certFile) }
      : {}),
    ...(files.keyFile !== undefined ? { key: await read('NATS_TLS_KEY_FILE', files.keyFile) } : {}),
  };
}

export function natsDependencyCheck(nats: NatsConnection): DependencyCheck {
  return {
    name: 'nats',
    check: async () => {
      const health = await natsHealth(nats);
      if (!health.up) throw new Error(health.detail ?? 'NATS is down');
    },
  };
}

/**
 * Drains a NATS connection (flushing what is pending) but never waits longer than `timeoutMs`:
 * with the server gone, a drain would wait for a reconnect that may never come.
 */
export async function closeNats(nats: NatsConnection, timeoutMs = 5000): Promise<void> {
  if (nats.isClosed()) return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    await Promise.race([nats.drain(), timedOut]);
  } catch {
    // Draining fails on a connection that is already closing; closing below is what matters.
  } finally {
    clearTimeout(timer);
  }
  if (!nats.isClosed()) await nats.close();
}
