import type { ConnectorContext, ConnectorRecord, WriteSummary } from '../../contract.js';
import { ConnectorError } from '../../errors.js';
import type { TokenCache } from './auth.js';
import type { HttpConnectorConfig } from './config.js';
import { openSession, withQuery } from './session.js';

type Failure = { index: number; reason: string };

/**
 * Sends records as JSON: one array per batch (split at body.batchSize) or one request per record.
 * A record the endpoint rejects (a 4xx other than 401/403) counts as failed and the write goes on;
 * auth failures, exhausted retries and cancellation stop the write with their error.
 */
export async function writeHttp(
  config: HttpConnectorConfig,
  batches: AsyncIterable<readonly ConnectorRecord[]>,
  ctx: ConnectorContext,
  tokens: TokenCache,
): Promise<WriteSummary> {
  const session = openSession(config, ctx, tokens);
  const method = config.method ?? 'POST';
  const url = withQuery(config.url, config.query);
  const failures: Failure[] = [];
  let written = 0;
  let index = 0;

  async function send(records: readonly ConnectorRecord[], payload: unknown): Promise<void> {
    const first = index;
    index += records.length;
    const extra: Record<string, string> = config.idempotencyHeader
      ? { [config.idempotencyHeader.toLowerCase()]: `${ctx.idempotencyKey}:${first}` }
      : {};
    try {
      await session.call(url, method, JSON.stringify(payload), extra);
      written += records.length;
    } catch (error) {
      if (!ConnectorError.is(error) || !isRejection(error)) throw error;
      records.forEach((_record, offset) =>
        failures.push({ index: first + offset, reason: error.message }),
      );
    }
  }

  try {
    for await (const batch of batches) {
      if (ctx.signal.aborted) throw new ConnectorError('cancelled', 'the run was cancelled');
      if (config.body.mode === 'per-record') {
        for (const record of batch) {
          if (ctx.signal.aborted) throw new ConnectorError('cancelled', 'the run was cancelled');
          await send([record], record);
        }
      } else {
        for (let at = 0; at < batch.length; at += config.body.batchSize) {
          const chunk = batch.slice(at, at + config.body.batchSize);
          await send(chunk, chunk);
        }
      }
    }
  } finally {
    await session.close();
  }
  return { written, failed: failures.length, ...(failures.length > 0 ? { failures } : {}) };
}

// The endpoint understood the request and refused these records: other records may still pass.
function isRejection(error: ConnectorError): boolean {
  return (error.code === 'remote_error' || error.code === 'not_found') && !error.retryable;
}
