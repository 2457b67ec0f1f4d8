// Restore into an EMPTY database, in ONE transaction: the backup's migrations, then every
// table's rows (COPY FROM, foreign-key order), sequence positions, then this build's newer
// migrations. Any failure — wrong key, tampering, truncation, a refused row — rolls it all
// back, leaving the target as empty as it was, so the restore can simply be retried.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { KeyProvider } from '@weft/crypto';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, MigrationExecutor, type DataSourceOptions, type QueryRunner } from 'typeorm';
import { MIGRATIONS, createDataSource } from '../database/data-source.js';
import {
  copyInStatement,
  publicRelations,
  qualified,
  readTables,
  type SequencePosition,
} from './catalog.js';
import { BackupError, databaseFailure } from './errors.js';
import type { BackupHeader, BackupTable } from './format.js';
import { FrameType, parseJsonPayload, type Frame } from './frames.js';
import { openBackup } from './read-backup.js';
import { resolveStorage, type BackupLogger, type BackupStorage } from './store.js';

export interface RestoreBackupOptions extends BackupStorage {
  readonly backupId: string;
  /** Must hold an empty `public` schema; its role must be able to create the schema. */
  readonly targetDatabaseUrl: string;
  readonly keyProvider: KeyProvider;
  readonly logger?: BackupLogger;
}

export interface RestoreSummary {
  readonly backupId: string;
  readonly tables: number;
  readonly rows: number;
  readonly sequences: number;
  /** Applied before the data: exactly the migrations the backup's database had. */
  readonly migrationsFromBackup: readonly string[];
  /** This build's newer migrations, applied after the data (they may transform it). */
  readonly migrationsAppliedAfter: readonly string[];
}

export async function restoreBackup(options: RestoreBackupOptions): Promise<RestoreSummary> {
  const storage = resolveStorage(options);
  const { backupId, logger } = options;
  logger?.info('restore started', { backupId });
  try {
    const opened = await openBackup(storage, backupId, options.keyProvider);
    try {
      const plan = planMigrations(opened.header);
      const summary = await intoEmptyDatabase(options.targetDatabaseUrl, async (runner, client) => {
        const executor = new MigrationExecutor(runner.connection, runner);
        const available = new Map((await executor.getPendingMigrations()).map((m) => [m.name, m]));
        const apply = async (names: readonly string[]): Promise<void> => {
          for (const name of names) {
            const migration = available.get(name);
            if (!migration)
              throw new BackupError('BACKUP_INCOMPATIBLE', `migration ${name} is missing`);
            await executor.executeMigration(migration);
          }
        };
        await inDatabase("applying the backup's migrations failed", () => apply(plan.before));
        await checkSchema(client, opened.header);
        const loaded = await loadData(client, opened.header, opened.frames);
        await inDatabase('applying newer migrations failed', () => apply(plan.after));
        return {
          backupId,
          ...loaded,
          migrationsFromBackup: plan.before,
          migrationsAppliedAfter: plan.after,
        };
      });
      logger?.info('restore completed', {
        backupId,
        tables: summary.tables,
        rows: summary.rows,
        migrationsAppliedAfter: summary.migrationsAppliedAfter.length,
      });
      return summary;
    } finally {
      opened.close();
    }
  } catch (error) {
    const failure = BackupError.is(error) ? error : databaseFailure('restore failed', error);
    logger?.error('restore failed', { backupId, code: failure.code, reason: failure.message });
    throw failure;
  }
}

/**
 * The backup's migrations must be a prefix of this build's: then exactly those recreate the
 * schema the rows were copied from, and the rest run after the load, as on any upgrade.
 */
function planMigrations(header: BackupHeader): { before: string[]; after: string[] } {
  const build = MIGRATIONS.map((M) => {
    const instance = new M();
    if ((instance as { transaction?: boolean }).transaction === false) {
      // Such a migration cannot share the restore's transaction, so atomicity would be lost.
      throw new BackupError(
        'BACKUP_INCOMPATIBLE',
        `migration ${instance.name ?? M.name} runs outside a transaction; restore cannot apply it atomically`,
      );
    }
    return instance.name ?? M.name;
  });
  const isPrefix =
    header.migrations.length <= build.length &&
    header.migrations.every((name, i) => build[i] === name);
  if (!isPrefix) {
    const unknown = header.migrations.find((name) => !build.includes(name));
    throw new BackupError(
      'BACKUP_INCOMPATIBLE',
      unknown !== undefined
        ? `backup ${header.backupId} is from a newer version of Weft (unknown migration ${unknown}); restore it with that version or later`
        : `backup ${header.backupId} has its migrations in another order than this build; restore it with the version that made it`,
    );
  }
  return { before: [...header.migrations], after: build.slice(header.migrations.length) };
}

async function intoEmptyDatabase<T>(
  url: string,
  work: (runner: QueryRunner, client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  // The app's data source bounds each query to 30 s; loading a large table takes longer.
  const options = createDataSource({ url, poolSize: 1, applicationName: 'weft-restore' }).options;
  const dataSource = new DataSource({ ...options, extra: {} } as DataSourceOptions);
  await inDatabase('cannot connect to the restore target database', () => dataSource.initialize());
  const runner = dataSource.createQueryRunner();
  try {
    const client = (await runner.connect()) as pg.PoolClient;
    await runner.startTransaction();
    try {
      // Serialises with `migrate` (same lock), so nothing else builds the schema meanwhile.
      await runner.query(`SELECT pg_advisory_xact_lock(hashtext('weft.migrate'))`);
      await runner.query('SET LOCAL row_security = off');
      // The audit trail's chain links arrive with the rows: keep them as they were (the chain
      // trigger honours this, for this transaction only), so the restored chain verifies.
      await runner.query(`SELECT set_config('weft.audit_restore', 'on', true)`);
      const existing = await publicRelations(client);
      if (existing.length > 0) {
        throw new BackupError(
          'RESTORE_TARGET_NOT_EMPTY',
          `the restore target is not empty: its public schema has ${existing.length} relation(s), e.g. ` +
            `${existing.slice(0, 3).join(', ')}; restore only into a new, empty database`,
        );
      }
      const result = await work(runner, client);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release().catch(() => undefined);
    await dataSource.destroy().catch(() => undefined);
  }
}

/** The target (after the backup's migrations) must have exactly the backup's tables and columns. */
async function checkSchema(client: pg.PoolClient, header: BackupHeader): Promise<void> {
  const target = await inDatabase('cannot read the target schema', () => readTables(client));
  const targetTables = new Map(target.map((t) => [t.name, t]));
  const names = (tables: readonly BackupTable[]) =>
    tables
      .map((t) => t.name)
      .sort()
      .join(', ');
  if (names(target) !== names(header.tables)) {
    throw incompatible(
      `its tables (${names(header.tables)}) differ from the schema its migrations create (${names(target)})`,
    );
  }
  for (const table of header.tables) {
    const columns = new Map(targetTables.get(table.name)?.columns.map((c) => [c.name, c.type]));
    const matches =
      columns.size === table.columns.length &&
      table.columns.every((c) => columns.get(c.name) === c.type);
    if (!matches)
      throw incompatible(`the columns of table ${table.name} differ from the migrated schema`);
  }

  function incompatible(what: string): BackupError {
    return new BackupError(
      'BACKUP_INCOMPATIBLE',
      `backup ${header.backupId} cannot be restored: ${what}`,
    );
  }
}

/** Loads every table in header order, checking the frame sequence and row counts as it goes. */
async function loadData(
  client: pg.PoolClient,
  header: BackupHeader,
  frames: AsyncIterator<Frame>,
): Promise<{ tables: number; rows: number; sequences: number }> {
  const next = async (): Promise<Frame> => {
    const result = await frames.next();
    if (result.done === true) {
      throw new BackupError('BACKUP_CORRUPT', 'the backup ends before its end frame (truncated)');
    }
    return result.value;
  };
  const expect = async (type: FrameType, what: string): Promise<unknown> => {
    const frame = await next();
    if (frame.type !== type) {
      throw new BackupError(
        'BACKUP_CORRUPT',
        `the backup has frame type ${frame.type} where ${what} belongs`,
      );
    }
    return parseJsonPayload(frame, what);
  };

  let rows = 0;
  for (const table of header.tables) {
    const start = (await expect(FrameType.TableStart, `the start of table ${table.name}`)) as {
      table?: unknown;
    };
    if (start.table !== table.name) {
      throw new BackupError(
        'BACKUP_CORRUPT',
        `the backup's data is out of order at table ${table.name}`,
      );
    }
    let end: Frame | undefined;
    async function* tableData(): AsyncGenerator<Buffer> {
      for (;;) {
        const frame = await next();
        if (frame.type === FrameType.Data) yield frame.payload;
        else if (frame.type === FrameType.TableEnd) return void (end = frame);
        else
          throw new BackupError(
            'BACKUP_CORRUPT',
            `unexpected frame type ${frame.type} in table ${table.name}`,
          );
      }
    }
    const copy = client.query(copyFrom(copyInStatement(table)));
    try {
      await pipeline(Readable.from(tableData(), { objectMode: false }), copy);
    } catch (error) {
      throw BackupError.is(error)
        ? error
        : databaseFailure(`cannot load table ${table.name}`, error);
    }
    const declared = (end && (parseJsonPayload(end, 'table end') as { rows?: unknown }).rows) ?? -1;
    if (declared !== copy.rowCount) {
      throw new BackupError(
        'BACKUP_CORRUPT',
        `table ${table.name} has ${copy.rowCount} rows, the backup declares ${String(declared)}`,
      );
    }
    rows += copy.rowCount;
  }

  const sequences = await expect(FrameType.Sequences, 'the sequence positions');
  if (!Array.isArray(sequences))
    throw new BackupError('BACKUP_CORRUPT', 'the sequence frame is malformed');
  for (const position of sequences as SequencePosition[]) await setSequence(client, position);

  const totals = (await expect(FrameType.End, 'the end frame')) as {
    tables?: unknown;
    rows?: unknown;
  };
  if (totals.tables !== header.tables.length || totals.rows !== rows) {
    throw new BackupError('BACKUP_CORRUPT', "the backup's totals do not match its data");
  }
  if ((await frames.next()).done !== true) {
    throw new BackupError('BACKUP_CORRUPT', 'the backup has data after its end frame');
  }
  return { tables: header.tables.length, rows, sequences: sequences.length };
}

async function setSequence(client: pg.PoolClient, position: SequencePosition): Promise<void> {
  if (
    typeof position?.name !== 'string' ||
    typeof position.lastValue !== 'string' ||
    !/^-?\d{1,19}$/.test(position.lastValue) ||
    typeof position.isCalled !== 'boolean'
  ) {
    throw new BackupError('BACKUP_CORRUPT', 'the sequence frame is malformed');
  }
  const name = qualified(position.name);
  const { rows } = await client.query<{ present: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS present`,
    [name],
  );
  if (rows[0]?.present !== true) {
    throw new BackupError(
      'BACKUP_INCOMPATIBLE',
      `sequence ${position.name} does not exist in the migrated schema`,
    );
  }
  await inDatabase(`cannot set sequence ${position.name}`, () =>
    client.query(`SELECT setval($1::regclass, $2::bigint, $3)`, [
      name,
      position.lastValue,
      position.isCalled,
    ]),
  );
}

async function inDatabase<T>(action: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw databaseFailure(action, error);
  }
}
