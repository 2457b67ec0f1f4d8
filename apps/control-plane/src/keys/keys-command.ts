import type { DataSource } from 'typeorm';
import type { Logger } from '@weft/log-schema';
import { selectRows } from '../database/sql.js';
import { TwoFactor } from '../identity/two-factor.js';
import type { OrgKeys } from './org-keys.js';
import { ReencryptionJobs } from './reencryption.js';
import { isUuid } from '../database/ids.js';

/** A command line that cannot be run as given; the message is one line for the operator. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const KEYS_HELP = `Usage: weft-control-plane keys <command>

  status <org>      data key versions, their use, and re-encryption jobs (<org>: id or slug)
  rotate <org>      create a new data key version; a job re-encrypts older ciphertexts
  reencrypt         run pending re-encryption jobs to completion, then exit
                    [--batch-size N] [--pause-ms N] [--lease-seconds N]
  rewrap            after a KEK rotation: re-wrap every data key and two-factor secret with
                    the current KEK
`;

export interface KeysCommandContext {
  dataSource: DataSource;
  keys: OrgKeys;
  logger: Logger;
  batchSize: number;
  write: (line: string) => void;
}

export async function runKeysCommand(args: string[], context: KeysCommandContext): Promise<void> {
  const [command, ...rest] = args;
  const { keys, write } = context;
  switch (command) {
    case 'status': {
      const orgId = await resolveOrganization(context.dataSource, single(rest, 'status'));
      const jobs = new ReencryptionJobs(context.dataSource, keys, {
        logger: context.logger,
        batchSize: context.batchSize,
      });
      write(JSON.stringify({ versions: await keys.status(orgId), jobs: await jobs.list(orgId) }));
      return;
    }
    case 'rotate': {
      const orgId = await resolveOrganization(context.dataSource, single(rest, 'rotate'));
      const { version, jobId } = await keys.rotate(orgId);
      write(`keys: organization ${orgId} now encrypts with version ${version}; job ${jobId}`);
      return;
    }
    case 'reencrypt': {
      const options = flags(rest, ['--batch-size', '--pause-ms', '--lease-seconds']);
      const jobs = new ReencryptionJobs(context.dataSource, keys, {
        logger: context.logger,
        batchSize: options['--batch-size'] ?? context.batchSize,
        ...(options['--pause-ms'] !== undefined ? { pauseMs: options['--pause-ms'] } : {}),
        ...(options['--lease-seconds'] !== undefined
          ? { leaseMs: options['--lease-seconds'] * 1000 }
          : {}),
      });
      const finished = await jobs.runPending();
      for (const job of finished) {
        write(
          `keys: job ${job.id} ${job.status}: ${job.processed}/${job.total} moved` +
            (job.retiredVersions.length > 0 ? `, retired ${job.retiredVersions.join(', ')}` : '') +
            (job.lastError !== null ? `; ${job.lastError}` : ''),
        );
      }
      if (finished.length === 0) write('keys: no re-encryption job to run');
      if (finished.some((job) => job.status === 'failed')) process.exitCode = 1;
      return;
    }
    case 'rewrap': {
      if (rest.length > 0) throw new UsageError(`keys rewrap takes no arguments`);
      const { rewrapped, current } = await keys.rewrapAll();
      const secrets = await new TwoFactor(context.dataSource, keys.kek).rewrapAll();
      write(
        `keys: re-wrapped ${rewrapped} data keys and ${secrets} two-factor secrets; ${current} active keys use the current KEK`,
      );
      return;
    }
    default:
      throw new UsageError(
        command === undefined
          ? 'keys needs a command: status, rotate, reencrypt or rewrap'
          : `unknown keys command "${command}" (status, rotate, reencrypt, rewrap)`,
      );
  }
}

function single(rest: string[], command: string): string {
  if (rest.length !== 1) throw new UsageError(`keys ${command} takes one organization id or slug`);
  return rest[0]!;
}

function flags(rest: string[], names: string[]): Record<string, number | undefined> {
  const values: Record<string, number | undefined> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const [name, raw] = [rest[i]!, rest[i + 1]];
    if (!names.includes(name)) throw new UsageError(`unknown option "${name}"`);
    const value = Number(raw);
    if (raw === undefined || !Number.isSafeInteger(value) || value < 0) {
      throw new UsageError(`${name} needs a whole number`);
    }
    values[name] = value;
  }
  return values;
}

async function resolveOrganization(dataSource: DataSource, idOrSlug: string): Promise<string> {
  const uuid = isUuid(idOrSlug);
  const [org] = await selectRows<{ id: string }>(
    dataSource,
    uuid
      ? `SELECT id FROM organizations WHERE id = $1`
      : `SELECT id FROM organizations WHERE slug = $1`,
    [idOrSlug],
  );
  if (org === undefined) throw new UsageError(`no organization "${idOrSlug}"`);
  return org.id;
}
