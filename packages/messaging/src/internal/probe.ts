import { connect } from 'node:net';

const DEFAULT_NATS_PORT = 4222;

/**
 * Opens a TCP connection to a NATS server and waits for the `INFO` line it sends first,
 * then closes the socket. Resolves to undefined when the server answered, else a reason.
 *
 * Why: nats.js 2.x leaks the socket when its connect timeout fires while it is still
 * waiting for INFO (a server or proxy that accepts but never speaks). The leaked socket
 * keeps the process alive after a failed boot. Probing first means nats.js only ever dials
 * a server that has just spoken.
 */
export function probeNatsServer(server: string, timeoutMs: number): Promise<string | undefined> {
  const url = new URL(server);
  const port = url.port ? Number(url.port) : DEFAULT_NATS_PORT;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = '';
    const finish = (reason: string | undefined): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.length >= 5)
        finish(
          received.startsWith('INFO ') ? undefined : 'the server did not speak the NATS protocol',
        );
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? 'connection failed'));
    socket.on('close', () => finish('connection closed before the server answered'));
  });
}
