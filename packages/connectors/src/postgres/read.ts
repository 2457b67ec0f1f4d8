import type { ConnectorContext, ConnectorRecord } from '@weft/connector-sdk';
import { throwIfCancelled } from '../internal/run.js';
import type { PostgresConfig, PostgresRead } from './config.js';
import { connectPostgres, toConnectorError } from './connect.js';

const CURSOR = 'weft_read_cursor';

/**
 * Streams the query's rows through a server-side cursor (DECLARE … FETCH), so memory holds one
 * batch whatever the result's size. The transaction is READ ONLY: a read query cannot change data.
 */
export async function* readPostgres(
  config: PostgresConfig,
  read: PostgresRead,
  ctx: ConnectorContext,
): AsyncGenerator<ConnectorRecord[]> {
  throwIfCancelled(ctx.signal);
  const client = await connectPostgres(config, ctx);
  // Cancelling ends the connection: a FETCH in flight stops at once instead of finishing a batch.
  const onAbort = (): void => void client.end().catch(() => undefined);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      await client.query('BEGIN READ ONLY');
      await client.query({
        text: `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${read.query}`,
        values: [...read.params],
      });
    } catch (error) {
      throwIfCancelled(ctx.signal);
      throw toConnectorError(error, 'query');
    }
    for (;;) {
      throwIfCancelled(ctx.signal);
      let rows: ConnectorRecord[];
      try {
        rows = (await client.query(`FETCH FORWARD ${read.batchSize} FROM ${CURSOR}`))
          .rows as ConnectorRecord[];
      } catch (error) {
        throwIfCancelled(ctx.signal);
        throw toConnectorError(error, 'fetch');
      }
      if (rows.length === 0) break;
      yield rows;
      if (rows.length < read.batchSize) break;
    }
    await client.query('COMMIT').catch(() => undefined);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
}
