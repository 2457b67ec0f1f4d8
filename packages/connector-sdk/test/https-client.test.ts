import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  ConnectorError,
  createEgressGuard,
  createHttpClient,
  type HttpClient,
} from '../src/index.js';
import { startConnectProxy, tableResolver, type TestProxy } from './helpers/servers.js';
import { selfSignedCertificate } from './helpers/tls.js';

const serverIdentity = selfSignedCertificate('secure.test');
const clientIdentity = selfSignedCertificate('agent.test');
let server: Server;
let port: number;
let proxy: TestProxy;
const clients: HttpClient[] = [];
const resolver = tableResolver({ 'secure.test': '127.0.0.1' });

function client(options: Omit<Parameters<typeof createHttpClient>[0], 'egress'>): HttpClient {
  const created = createHttpClient({
    egress: createEgressGuard({ agentKind: 'private', resolver }),
    ...options,
  });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  server = createServer(
    { ...serverIdentity, ca: [clientIdentity.cert], requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ sni: socket.servername, clientAuthorized: socket.authorized }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  proxy = await startConnectProxy();
});
afterAll(async () => {
  await Promise.all(clients.map((created) => created.close()));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await proxy.close();
});

describe('HTTPS', () => {
  it('dials the approved address but verifies the certificate and sends SNI for the host name', async () => {
    const response = await client({ ca: [serverIdentity.cert] }).request({
      url: `https://secure.test:${port}/`,
    });
    expect(response.json()).toEqual({ sni: 'secure.test', clientAuthorized: false });
  });

  it('refuses a certificate it does not trust, without retrying', async () => {
    const error = await client({})
      .request({ url: `https://secure.test:${port}/` })
      .catch((caught: unknown) => caught);
    expect(ConnectorError.is(error) && [error.code, error.retryable]).toEqual([
      'remote_error',
      false,
    ]);
  });

  it('presents a client certificate for mutual TLS', async () => {
    const response = await client({
      ca: [serverIdentity.cert],
      clientCert: clientIdentity,
    }).request({
      url: `https://secure.test:${port}/`,
    });
    expect(response.json()).toEqual({ sni: 'secure.test', clientAuthorized: true });
  });

  it('tunnels HTTPS through the proxy with the target name in CONNECT and in SNI', async () => {
    const http = client({
      ca: [serverIdentity.cert],
      proxy: { url: `http://127.0.0.1:${proxy.port}` },
    });
    const response = await http.request({ url: `https://secure.test:${port}/` });
    expect(response.json()).toEqual({ sni: 'secure.test', clientAuthorized: false });
    expect(proxy.connects).toEqual([`secure.test:${port}`]);
  });
});
