import { connect, createServer } from 'node:net';
import { HarnessError } from '../errors.js';

/** Every service of the harness binds here and only here. */
export const LOOPBACK = '127.0.0.1';

/** A port the kernel considers free right now (it may be taken again before we bind it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** True when nothing listens on the loopback port (binding it succeeds). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

export async function waitForPortFree(
  port: number,
  timeoutMs: number,
  service: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isPortFree(port))) {
    if (Date.now() > deadline) {
      throw new HarnessError(
        'PORT_STILL_IN_USE',
        `${service} stopped but port ${port} is still in use after ${timeoutMs} ms`,
      );
    }
    await sleep(50);
  }
}

/**
 * Resolves when a TCP connection to the loopback port succeeds and the server's first
 * bytes start with `greeting` (e.g. NATS's `INFO `), proving it is serving, not just bound.
 */
export function probeGreeting(port: number, greeting: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port });
    let received = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.length >= greeting.length) done(received.startsWith(greeting));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
