import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/**
 * A tiny CONNECT proxy on loopback that only tunnels to loopback, recording each CONNECT target
 * (and the Proxy-Authorization it got), so a test can prove the agent used it.
 */
export class ConnectProxy {
  readonly tunnels: Array<{ target: string; authorization: string | undefined }> = [];
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;

  get url(): string {
    const { port } = this.#server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    this.#server = createServer((_req, res) => res.writeHead(405).end());
    this.#server.on('connect', (req, client: Socket) => {
      const target = req.url ?? '';
      this.tunnels.push({ target, authorization: req.headers['proxy-authorization'] });
      const [host, port] = [
        target.slice(0, target.lastIndexOf(':')),
        target.slice(target.lastIndexOf(':') + 1),
      ];
      if (host !== '127.0.0.1' && host !== 'localhost') {
        client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      const upstream = connect(Number(port), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}
