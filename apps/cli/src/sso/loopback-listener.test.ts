import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { CliError } from '../errors.js';
import { listenForCallback, type LoopbackListener } from './loopback-listener.js';

/** One request to the listener as a browser (or anything else on this machine) would send it. */
function call(
  port: number,
  path: string,
  options: { method?: string; host?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `127.0.0.1:${port}` },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body, headers: response.headers }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function refusal(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (error) {
    if (CliError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the loopback listener', () => {
  const state = randomBytes(24).toString('base64url');
  const code = randomBytes(32).toString('base64url');
  let listener: LoopbackListener | undefined;
  afterEach(() => listener?.close());

  it('listens on 127.0.0.1 only, and takes the code that comes with its state', async () => {
    listener = await listenForCallback({ state });
    expect(listener.port).toBeGreaterThanOrEqual(1024);
    const answer = await call(listener.port, `/callback?code=${code}&state=${state}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('Signed in to Weft');
    expect(answer.body).not.toContain(code);
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(await listener.code).toBe(code);
    // One sign-in only: the listener is gone.
    await expect(
      call(listener.port, `/callback?code=${code}&state=${state}`),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('answers only GET /callback on its own host name; everything else waits on', async () => {
    listener = await listenForCallback({ state });
    const { port } = listener;
    expect((await call(port, '/favicon.ico')).status).toBe(404);
    expect((await call(port, `/?code=${code}&state=${state}`)).status).toBe(404);
    expect(
      (await call(port, `/callback?code=${code}&state=${state}`, { method: 'POST' })).status,
    ).toBe(404);
    // A page rebound to 127.0.0.1 through DNS still names its own host.
    expect(
      (await call(port, `/callback?code=${code}&state=${state}`, { host: `evil.example:${port}` }))
        .status,
    ).toBe(404);
    expect((await call(port, `/callback?code=${code}&state=${state}`)).status).toBe(200);
    expect(await listener.code).toBe(code);
  });

  it('refuses a callback with another state (or none), and uses no code from it', async () => {
    for (const query of [
      `code=${code}&state=${randomBytes(24).toString('base64url')}`,
      `code=${code}`,
    ]) {
      listener = await listenForCallback({ state });
      const answer = await call(listener.port, `/callback?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body).toContain('not the sign-in weft started');
      const error = await refusal(listener.code);
      expect(error.code).toBe('auth');
      expect(error.message).toContain('state mismatch');
      expect(error.message).not.toContain(code);
    }
  });

  it('refuses a code that is not one', async () => {
    listener = await listenForCallback({ state });
    expect((await call(listener.port, `/callback?code=%3Cscript%3E&state=${state}`)).status).toBe(
      400,
    );
    expect((await refusal(listener.code)).code).toBe('auth');
  });

  it('gives up after its wait, and on Ctrl-C', async () => {
    listener = await listenForCallback({ state, timeoutMs: 30 });
    const late = await refusal(listener.code);
    expect(late.code).toBe('failed');
    expect(late.message).toMatch(/^no sign-in came back from the browser within/);

    const interrupt = new AbortController();
    listener = await listenForCallback({ state, signal: interrupt.signal });
    interrupt.abort();
    expect((await refusal(listener.code)).code).toBe('interrupted');
  });
});
