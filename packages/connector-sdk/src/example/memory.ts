// A complete connector in the shape a third-party author writes one. Outside this repository the
// imports read `from '@weft/connector-sdk'`; here they point at the files behind that entry point.
import type {
  ConnectorContext,
  ConnectorDefinition,
  ConnectorRecord,
  WriteSummary,
} from '../contract.js';
import { ConnectorError } from '../errors.js';

export interface MemoryConnectorConfig {
  /** Which collection of the store to read or write. */
  readonly collection: string;
  /** The field that identifies a record: writing a record with a known key replaces it (an upsert). */
  readonly key: string;
  readonly batchSize: number;
}

/** Collections of records, by name. */
export type MemoryStore = Map<string, Map<string, ConnectorRecord>>;

/**
 * 'example.memory': reads and upserts records in an in-process store. Useful in tests and as a
 * template: validate without I/O, read in batches, honour the signal, report per-record failures
 * without quoting the data.
 */
export function createMemoryConnector(
  store: MemoryStore = new Map(),
): ConnectorDefinition<MemoryConnectorConfig> {
  return {
    type: 'example.memory',
    description: 'Reads and upserts records in an in-process store (example and tests)',
    validate(config: unknown): MemoryConnectorConfig {
      if (typeof config !== 'object' || config === null) {
        throw new ConnectorError('invalid_config', 'the configuration must be an object');
      }
      const { collection, key = 'id', batchSize = 1000 } = config as Record<string, unknown>;
      if (typeof collection !== 'string' || !/^[\w.-]{1,100}$/.test(collection)) {
        throw new ConnectorError(
          'invalid_config',
          'collection must be 1-100 letters, digits, dots, dashes or underscores',
        );
      }
      if (typeof key !== 'string' || key === '')
        throw new ConnectorError('invalid_config', 'key must be a field name');
      if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
        throw new ConnectorError('invalid_config', 'batchSize must be a positive integer');
      }
      return { collection, key, batchSize };
    },

    async *read(
      config: MemoryConnectorConfig,
      ctx: ConnectorContext,
    ): AsyncIterable<readonly ConnectorRecord[]> {
      const records = [...(store.get(config.collection)?.values() ?? [])];
      for (let at = 0; at < records.length; at += config.batchSize) {
        if (ctx.signal.aborted) throw new ConnectorError('cancelled', 'the run was cancelled');
        yield records.slice(at, at + config.batchSize).map((record) => structuredClone(record));
      }
      ctx.logger.debug('read finished', { collection: config.collection, records: records.length });
    },

    async write(config, batches, ctx): Promise<WriteSummary> {
      const collection = store.get(config.collection) ?? new Map<string, ConnectorRecord>();
      store.set(config.collection, collection);
      const failures: Array<{ index: number; reason: string }> = [];
      let written = 0;
      let index = 0;
      for await (const batch of batches) {
        if (ctx.signal.aborted) throw new ConnectorError('cancelled', 'the run was cancelled');
        for (const record of batch) {
          const id = record[config.key];
          if (typeof id === 'string' || typeof id === 'number') {
            // Keyed by the record's own id: replaying the same run (same idempotencyKey) cannot duplicate.
            collection.set(String(id), structuredClone(record));
            written += 1;
          } else {
            failures.push({ index, reason: `record has no string or number ${config.key} field` });
          }
          index += 1;
        }
      }
      ctx.logger.info('write finished', {
        collection: config.collection,
        written,
        failed: failures.length,
      });
      return { written, failed: failures.length, ...(failures.length > 0 ? { failures } : {}) };
    },
  };
}
