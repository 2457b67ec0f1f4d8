import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { startNats, type RunningNats } from '@weft/testing';
import { connectNats, MessagingError, natsHealth, type MessagingLogger } from '../src/index.js';

interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function recordingLogger(): MessagingLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, fields });
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (accept(value)) return { value, ms: Date.now() - start };
    if (Date.now() - start > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function failureOf(attempt: Promise<unknown>): Promise<MessagingError> {
  const error = await attempt.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!MessagingError.is(error)) throw new Error(`expected a MessagingError, got ${String(error)}`);
  return error;
}

/** A port nothing listens on: bind one, close it, use it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('connectNats against a real nats-server', () => {
  let nats: RunningNats;
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    nats = await startNats();
  });

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await nats?.stop();
  });

  it('connects, names itself and logs where it connected', async () => {
    const logger = recordingLogger();
    const nc = await connectNats({ url: nats.url, name: 'control-plane-test', logger });
    connections.push(nc);
    expect(nc.info?.client_id).toBeDefined();
    expect(logger.lines).toContainEqual({
      level: 'info',
      message: 'connected to NATS',
      fields: { server: `nats://127.0.0.1:${nats.port}`, name: 'control-plane-test' },
    });
    expect(await natsHealth(nc)).toMatchObject({ up: true, rttMs: expect.any(Number) });
  });

  it('reports down within a couple of seconds of the server dying, and up again after it returns', async () => {
    const logger = recordingLogger();
    const nc = await connectNats({
      url: nats.url,
      name: 'health-test',
      logger,
      reconnectTimeWaitMs: 250,
    });
    connections.push(nc);

    await nats.kill();
    const down = await eventually(
      () => natsHealth(nc),
      (health) => !health.up,
      2000,
    );
    expect(down.value.detail).toMatch(/disconnected|no answer/);

    await nats.restart();
    const up = await eventually(
      () => natsHealth(nc),
      (health) => health.up,
      10_000,
    );
    expect(up.value.rttMs).toEqual(expect.any(Number));
    expect(logger.lines.map((line) => line.message)).toEqual(
      expect.arrayContaining(['NATS connection lost; reconnecting', 'NATS connection restored']),
    );
  });

  it('answers a health probe at once for a closed connection', async () => {
    const nc = await connectNats({ url: nats.url, name: 'closed-test' });
    await nc.close();
    expect(await natsHealth(nc)).toEqual({ up: false, detail: 'connection closed' });
  });
});

describe('connectNats when NATS is not there', () => {
  it('fails fast with NATS_UNREACHABLE and no credentials in the message', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await failureOf(
      connectNats({
        url: `nats://alice:url-secret@127.0.0.1:${port}`,
        name: 'boot-test',
        pass: 'option-secret',
        token: 'token-secret',
      }),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.code).toBe('NATS_UNREACHABLE');
    expect(error.message).toContain(`nats://127.0.0.1:${port}`);
    expect(error.message).not.toMatch(/alice|url-secret|option-secret|token-secret/);
  });

  it('gives up on a server that accepts but never speaks, within timeoutMs, and hangs up', async () => {
    let hungUp!: Promise<void>;
    const silent: Server = createServer((socket) => {
      hungUp = new Promise((resolve) => socket.on('close', () => resolve()));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const error = await failureOf(
        connectNats({ url: `nats://127.0.0.1:${port}`, name: 'boot-test', timeoutMs: 500 }),
      );
      expect(error.code).toBe('NATS_UNREACHABLE');
      expect(error.message).toContain('no answer within 500 ms');
      expect(Date.now() - started).toBeLessThan(1500);
      // A socket left open would keep a failed service's process alive after boot.
      await hungUp;
    } finally {
      silent.close();
    }
  });

  it('connects through a cluster list whose first server is silent, within the same budget', async () => {
    // Accepts and never speaks; every socket it holds is destroyed at the end, so nothing a
    // client left behind can keep the test process alive.
    const held: Socket[] = [];
    const silent: Server = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const healthy = await startNats();
    try {
      const nc = await connectNats({
        url: `nats://127.0.0.1:${port},${healthy.url}`,
        name: 'cluster-test',
        timeoutMs: 1500,
      });
      expect(await natsHealth(nc)).toMatchObject({ up: true });
      await nc.close();
    } finally {
      await healthy.stop();
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses a malformed URL without echoing it', async () => {
    const error = await failureOf(connectNats({ url: 'http://bob:pw@example', name: 'x' }));
    expect(error).toMatchObject({ code: 'INVALID_NATS_URL', field: 'url' });
    expect(error.message).not.toContain('pw');
  });
});

describe('connectNats with credentials', () => {
  let dir: string;
  let nats: RunningNats;
  // Credentials minted for this test run only.
  const password = `pw-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-messaging-auth-'));
    const configFile = join(dir, 'auth.conf');
    await writeFile(configFile, `authorization { user: svc, password: "${password}" }\n`);
    nats = await startNats({ configFile });
  });

  afterAll(async () => {
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects with the right user and password', async () => {
    const nc = await connectNats({ url: nats.url, name: 'svc', user: 'svc', pass: password });
    await nc.close();
  });

  it('reports wrong credentials as NATS_AUTH_FAILED, without the password', async () => {
    const error = await failureOf(
      connectNats({ url: nats.url, name: 'svc', user: 'svc', pass: 'wrong-password' }),
    );
    expect(error.code).toBe('NATS_AUTH_FAILED');
    expect(error.message).not.toContain('wrong-password');
  });
});
