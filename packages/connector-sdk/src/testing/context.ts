import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ConnectorContext, ConnectorLogger, ConnectorRecord } from '../contract.js';
import { createEgressGuard } from '../egress/policy.js';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

export interface ConnectorContextOverrides extends Partial<Omit<ConnectorContext, 'secrets'>> {
  /** Plain name → value pairs, or a full secrets accessor. */
  readonly secrets?: Readonly<Record<string, string>> | ConnectorContext['secrets'];
}

/** A ConnectorContext for tests, with what the connector logged and ways to cancel and clean up. */
export interface TestConnectorContext extends ConnectorContext {
  readonly logs: LogEntry[];
  /** Aborts ctx.signal (only when the signal was not overridden). */
  abort(reason?: unknown): void;
  /** Deletes the work folder the kit created (not one passed in). */
  cleanup(): void;
}

/**
 * Builds a ConnectorContext for tests. Defaults: a private agent with an egress guard that allows
 * everything, no secrets, a fresh run id and idempotency key, a fresh temporary work folder and a
 * logger that records into `logs`.
 */
export function connectorContext(overrides: ConnectorContextOverrides = {}): TestConnectorContext {
  const controller = new AbortController();
  const logs: LogEntry[] = [];
  const log =
    (level: LogEntry['level']) =>
    (message: string, fields?: Record<string, unknown>): void => {
      logs.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const logger: ConnectorLogger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  const agentKind = overrides.agentKind ?? 'private';
  const ownWorkDir =
    overrides.workDir === undefined ? mkdtempSync(join(tmpdir(), 'weft-connector-')) : undefined;
  const { secrets } = overrides;
  const secretsAccessor: ConnectorContext['secrets'] =
    secrets === undefined
      ? { get: () => undefined }
      : typeof secrets.get === 'function'
        ? (secrets as ConnectorContext['secrets'])
        : {
            get: (name: string) =>
              Object.hasOwn(secrets, name)
                ? (secrets as Readonly<Record<string, string>>)[name]
                : undefined,
          };
  return {
    runId: overrides.runId ?? randomUUID(),
    idempotencyKey: overrides.idempotencyKey ?? randomUUID(),
    signal: overrides.signal ?? controller.signal,
    logger: overrides.logger ?? logger,
    secrets: secretsAccessor,
    egress: overrides.egress ?? createEgressGuard({ agentKind }),
    agentKind,
    workDir: overrides.workDir ?? ownWorkDir ?? '',
    logs,
    abort: (reason?: unknown) => controller.abort(reason),
    cleanup: () => {
      if (ownWorkDir) rmSync(ownWorkDir, { recursive: true, force: true });
    },
  };
}

/** Drains a read into one array of batches. */
export async function collectBatches(
  batches: AsyncIterable<readonly ConnectorRecord[]>,
): Promise<ConnectorRecord[][]> {
  const all: ConnectorRecord[][] = [];
  for await (const batch of batches) all.push([...batch]);
  return all;
}

/** Feeds records to write() in batches of `size`. */
export async function* batchesOf(
  records: readonly ConnectorRecord[],
  size = 1000,
): AsyncIterable<readonly ConnectorRecord[]> {
  for (let at = 0; at < records.length; at += size) yield records.slice(at, at + size);
}
