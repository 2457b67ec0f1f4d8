import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedPort, loaderArgsFor, waitForHttpStatus } from '@weft/testing';

const appsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One of Weft's processes started from source for a test, with its output kept. */
export interface TestProcess {
  readonly name: string;
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function startProcess(
  name: string,
  app: string,
  env: Record<string, string>,
  args: string[] = [],
): TestProcess {
  const entry = 'src/main.ts';
  const child = spawn(
    process.execPath,
    [...loaderArgsFor(entry), '--no-warnings', entry, ...args],
    {
      cwd: join(appsDir, app),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  const keep = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.length > 2_000_000) text = text.slice(-1_000_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    name,
    child,
    output: () => text,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface TestGateway extends TestProcess {
  readonly url: string;
}

/**
 * A gateway process on a loopback port, ready (NATS reachable); over HTTPS when given a
 * certificate (`ca` is what the readiness probe trusts).
 */
export async function startGateway(
  env: Record<string, string>,
  tls?: { certFile: string; keyFile: string; ca: string },
): Promise<TestGateway> {
  // A given GATEWAY_PORT (a restart on the same address) wins over a fresh one.
  const port = env.GATEWAY_PORT ?? String(await closedPort());
  const gateway = startProcess('gateway', 'gateway', {
    GATEWAY_PORT: port,
    GATEWAY_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...(tls ? { TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile } : {}),
    ...env,
  });
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForHttpStatus(`${url}/ready`, 200, 60_000, tls ? { ca: tls.ca } : {}),
      gateway.exited.then(({ code }) => {
        throw new Error(`gateway exited (${code}): ${gateway.output()}`);
      }),
    ]);
  } catch (error) {
    await gateway.kill('SIGKILL');
    throw error;
  }
  return Object.assign(gateway, { url });
}

export const gatewayTokenKey = (): string => randomBytes(32).toString('base64');

/** An agent process enrolled (or enrolling) in a group, with its own state, work and log folders. */
export async function startAgent(options: {
  name: string;
  gatewayUrl: string;
  groupId: string;
  enrolmentToken?: string;
  dir: string;
  env?: Record<string, string>;
}): Promise<TestProcess> {
  const home = join(options.dir, options.name);
  await mkdir(home, { recursive: true, mode: 0o700 });
  return startProcess(`agent ${options.name}`, 'agent', {
    HOME: home,
    WEFT_AGENT_GATEWAY_URL: options.gatewayUrl,
    WEFT_AGENT_AGENT_GROUP_ID: options.groupId,
    WEFT_AGENT_AGENT_NAME: options.name,
    WEFT_AGENT_STATE_DIR: join(home, 'state'),
    WEFT_AGENT_WORK_DIR: join(home, 'work'),
    WEFT_AGENT_LOG_DIR: join(home, 'logs'),
    WEFT_AGENT_LOG_LEVEL: 'warn',
    ...(options.enrolmentToken ? { WEFT_AGENT_ENROLMENT_TOKEN: options.enrolmentToken } : {}),
    ...options.env,
  });
}

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
