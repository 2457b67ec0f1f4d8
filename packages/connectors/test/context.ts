import { lookup } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import {
  ConnectorError,
  type ConnectorContext,
  type ConnectorLogger,
  type EgressGuard,
} from '@weft/connector-sdk';

/**
 * A stand-in for the SDK's egress policy: names in `aliases` resolve to the given address (so a
 * test proves the connector connects to what the guard returned, not to a fresh DNS answer), and
 * only hosts in `allow` are let through. Every call is recorded.
 */
export class TestEgress implements EgressGuard {
  readonly calls: { host: string; port: number }[] = [];
  constructor(
    private readonly allow: ReadonlySet<string>,
    private readonly aliases: ReadonlyMap<string, string> = new Map(),
  ) {}
  async resolve(host: string, port: number): Promise<{ address: string; family: 4 | 6 }> {
    this.calls.push({ host, port });
    if (!this.allow.has(host))
      throw new ConnectorError('egress_denied', `host ${host} is not allowed`);
    const alias = this.aliases.get(host);
    if (alias !== undefined) return { address: alias, family: 4 };
    const { address, family } = await lookup(host, { family: 4 });
    return { address, family: family === 6 ? 6 : 4 };
  }
}

export interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

export function testContext(options: {
  egress?: EgressGuard;
  secrets?: Record<string, string>;
  agentKind?: 'cloud' | 'private';
  signal?: AbortSignal;
  idempotencyKey?: string;
  logs?: LogLine[];
}): ConnectorContext {
  const logs = options.logs ?? [];
  const log =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      logs.push({ level, message, ...(fields === undefined ? {} : { fields }) });
    };
  const logger: ConnectorLogger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  const secrets = options.secrets ?? {};
  return {
    runId: 'run-1',
    idempotencyKey: options.idempotencyKey ?? 'run-1-key',
    signal: options.signal ?? new AbortController().signal,
    logger,
    secrets: { get: (name) => secrets[name] },
    egress: options.egress ?? new TestEgress(new Set(['127.0.0.1'])),
    agentKind: options.agentKind ?? 'private',
    workDir: tmpdir(),
  };
}

export async function collect<T>(batches: AsyncIterable<readonly T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const batch of batches) out.push([...batch]);
  return out;
}

export async function* batchesOf<T>(items: readonly T[], size: number): AsyncGenerator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** Catches the rejection of an async call, for asserting on its ConnectorError code. */
export async function failure(run: () => Promise<unknown>): Promise<ConnectorError> {
  try {
    await run();
  } catch (error) {
    if (ConnectorError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a ConnectorError, got success');
}
