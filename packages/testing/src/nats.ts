import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { HarnessError } from './errors.js';
import { OutputTail, type LogSink } from './internal/output.js';
import { findFreePort, LOOPBACK, probeGreeting, sleep, waitForPortFree } from './internal/ports.js';
import { supervise, terminate, waitUntilGone } from './internal/processes.js';

export interface NatsServerOptions {
  /** JetStream store directory. Default: a fresh temporary directory, removed by `stop()`. */
  storeDir?: string;
  /** Client port on 127.0.0.1. Default: a random free port. */
  port?: number;
  /** A nats-server configuration file; the command-line flags above still win. */
  configFile?: string;
  /** Receives each line nats-server prints. Default: discarded (kept only for error messages). */
  log?: LogSink;
  /** How long to wait for the server to accept connections. Default 10 s. */
  startTimeoutMs?: number;
  /**
   * Serve clients over TLS with this certificate (it must cover 127.0.0.1). With
   * `verifyClients`, a client must present a certificate issued by `caFile`. The server still
   * sends INFO in clear first and the client upgrades (not `tls_first`).
   */
  tls?: NatsTlsOptions;
}

export interface NatsTlsOptions {
  certFile: string;
  keyFile: string;
  /** The CA client certificates must chain to; needed by `verifyClients`. */
  caFile?: string;
  verifyClients?: boolean;
}

export interface RunningNats {
  /** `nats://127.0.0.1:<port>`, or `tls://127.0.0.1:<port>` when started with `tls`. */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** The current nats-server process id; changes on `restart()`, undefined while down. */
  readonly pid: number | undefined;
  /** Graceful shutdown for good: waits for the port to be released, removes a temporary store. */
  stop(): Promise<void>;
  /** Abrupt death (SIGKILL), like a crash; the store stays and `restart()` brings the server back. */
  kill(): Promise<void>;
  /** Stops the server if it runs, then starts it again on the same port with the same store. */
  restart(): Promise<void>;
}

const INSTALL_HINT =
  'Install it with `apt-get install -y nats-server` (Debian/Ubuntu) or `brew install nats-server` (macOS), ' +
  'or download a release from https://github.com/nats-io/nats-server/releases and set NATS_SERVER_BIN=/path/to/nats-server.';

// Debian installs the binary in /usr/sbin, which is not on a normal user's PATH.
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin'];

/** The path of the `nats-server` binary: NATS_SERVER_BIN if set, else PATH and the usual install directories. */
export function findNatsServer(): string {
  const fromEnv = process.env.NATS_SERVER_BIN;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return resolve(fromEnv);
    throw new HarnessError(
      'NATS_SERVER_NOT_FOUND',
      `NATS_SERVER_BIN=${fromEnv} is not an executable file. ${INSTALL_HINT}`,
    );
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, 'nats-server');
    if (isExecutable(candidate)) return candidate;
  }
  throw new HarnessError(
    'NATS_SERVER_NOT_FOUND',
    `nats-server was not found on PATH. ${INSTALL_HINT}`,
  );
}

/** Starts `nats-server -js` on loopback and resolves once it accepts client connections. */
export async function startNats(options: NatsServerOptions = {}): Promise<RunningNats> {
  const binary = findNatsServer();
  const ownsStore = options.storeDir === undefined;
  const storeDir =
    options.storeDir !== undefined
      ? resolve(options.storeDir)
      : await mkdtemp(join(tmpdir(), 'weft-nats-'));
  await mkdir(storeDir, { recursive: true });
  const launch = (port: number): Promise<NatsProcess> =>
    launchNats(binary, {
      port,
      storeDir,
      configFile: options.configFile,
      tls: options.tls,
      log: options.log,
      startTimeoutMs: options.startTimeoutMs ?? 10_000,
    });

  let current: NatsProcess;
  try {
    current = await launchOnPort(launch, options.port);
  } catch (error) {
    if (ownsStore) await rm(storeDir, { recursive: true, force: true });
    throw error;
  }
  const port = current.port;
  let running: NatsProcess | undefined = current;
  let stopped = false;

  const halt = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const target = running;
    running = undefined;
    if (target) await target.halt(signal);
  };

  return {
    url: `${options.tls ? 'tls' : 'nats'}://${LOOPBACK}:${port}`,
    port,
    storeDir,
    get pid() {
      return running?.pid;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt('SIGTERM');
      if (ownsStore) await rm(storeDir, { recursive: true, force: true });
    },
    async kill() {
      await halt('SIGKILL');
    },
    async restart() {
      if (stopped)
        throw new HarnessError(
          'SERVICE_STOPPED',
          `nats-server on port ${port} was stopped; start a new one`,
        );
      await halt('SIGTERM');
      running = await launch(port);
    },
  };
}

interface NatsProcess {
  port: number;
  pid: number;
  halt(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

interface LaunchOptions {
  port: number;
  storeDir: string;
  configFile: string | undefined;
  tls: NatsTlsOptions | undefined;
  log: LogSink | undefined;
  startTimeoutMs: number;
}

/** A port we picked ourselves can be taken between picking and binding: try a few. */
async function launchOnPort(
  launch: (port: number) => Promise<NatsProcess>,
  fixedPort: number | undefined,
): Promise<NatsProcess> {
  if (fixedPort !== undefined) return launch(fixedPort);
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await findFreePort());
    } catch (error) {
      if (attempt >= 3 || !/address already in use/i.test(String((error as Error).message)))
        throw error;
    }
  }
}

async function launchNats(binary: string, options: LaunchOptions): Promise<NatsProcess> {
  const { port, storeDir } = options;
  const args = ['-js', '-a', LOOPBACK, '-p', String(port), '-sd', storeDir];
  if (options.configFile) args.push('-c', resolve(options.configFile));
  if (options.tls) args.push(...tlsArgs(options.tls));
  const tail = new OutputTail(options.log);
  // Its own process group: a terminal's Ctrl-C reaches the owner, which stops its apps before
  // their NATS goes away (supervise() still stops it when the owner exits or dies).
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.on('data', (chunk: Buffer) => tail.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.write(chunk));
  const exited = exitOf(child);

  const fail = async (reason: string): Promise<never> => {
    if (child.pid !== undefined) await terminate(child.pid, 'SIGKILL', 0);
    throw new HarnessError(
      'SERVICE_START_FAILED',
      `nats-server on port ${port} ${reason}. Its last output:\n${tail.text()}`,
    );
  };
  if (child.pid === undefined) {
    const error = await Promise.race([exited, sleep(1000).then(() => 'did not start')]);
    return fail(String(error));
  }
  const pid = child.pid;
  const release = supervise(pid, 'SIGTERM');

  const deadline = Date.now() + options.startTimeoutMs;
  let ready = false;
  while (!ready) {
    const outcome = await Promise.race([
      exited.then((how) => `exited (${how})`),
      probeGreeting(port, 'INFO ', 500),
    ]);
    if (typeof outcome === 'string') {
      release();
      return fail(outcome);
    }
    ready = outcome;
    if (!ready) {
      if (Date.now() > deadline) {
        release();
        return fail(`did not accept connections within ${options.startTimeoutMs} ms`);
      }
      await sleep(50);
    }
  }

  return {
    port,
    pid,
    async halt(signal) {
      if (signal === 'SIGKILL') {
        await terminate(pid, 'SIGKILL', 0);
      } else {
        await terminate(pid, 'SIGTERM', 5000);
      }
      await waitUntilGone(pid, 5000);
      await exited;
      release();
      await waitForPortFree(port, 5000, 'nats-server');
    },
  };
}

function tlsArgs(tls: NatsTlsOptions): string[] {
  if (tls.verifyClients && tls.caFile === undefined) {
    throw new HarnessError('INVALID_OPTIONS', 'nats-server tls.verifyClients needs tls.caFile');
  }
  return [
    tls.verifyClients ? '--tlsverify' : '--tls',
    '--tlscert',
    resolve(tls.certFile),
    '--tlskey',
    resolve(tls.keyFile),
    ...(tls.caFile !== undefined ? ['--tlscacert', resolve(tls.caFile)] : []),
  ];
}

function exitOf(child: ChildProcess): Promise<string> {
  return new Promise((resolveExit) => {
    child.once('error', (error) => resolveExit(`failed to spawn: ${error.message}`));
    child.once('exit', (code, signal) => resolveExit(signal ? `signal ${signal}` : `code ${code}`));
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
