import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { startNats, type RunningNats } from '@weft/testing';
import { connectNats } from '../src/index.js';

// Two users shaped like the production ones: each may only receive replies on its own inbox prefix.
function config(passwords: { service: string; responder: string }): string {
  return `authorization {
  users = [
    { user: "service", password: "${passwords.service}",
      permissions: { publish: { allow: ["weft.>"] }, subscribe: { allow: ["_INBOX.service.>"] } } },
    { user: "responder", password: "${passwords.responder}",
      permissions: { publish: { allow: ["_INBOX.service.>"] }, subscribe: { allow: ["weft.>"] } } }
  ]
}
`;
}

describe('connectNats as a least-privileged user', () => {
  let dir: string;
  let nats: RunningNats;
  const connections: NatsConnection[] = [];
  const passwords = {
    service: `p${randomBytes(12).toString('hex')}`,
    responder: `p${randomBytes(12).toString('hex')}`,
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-nats-users-'));
    const configFile = join(dir, 'nats.conf');
    await writeFile(configFile, config(passwords), { mode: 0o600 });
    nats = await startNats({ configFile });
  });
  afterAll(async () => {
    for (const nc of connections) await nc.close();
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets replies on its own inbox prefix, which is all its permissions allow', async () => {
    const responder = await connectNats({
      url: nats.url,
      name: 'responder',
      user: 'responder',
      pass: passwords.responder,
    });
    connections.push(responder);
    responder.subscribe('weft.o.e.g.api', {
      callback: (_error, message) => message.respond(message.data),
    });
    await responder.flush();

    const service = await connectNats({
      url: nats.url,
      name: 'service',
      user: 'service',
      pass: passwords.service,
    });
    connections.push(service);
    const reply = await service.request('weft.o.e.g.api', new TextEncoder().encode('ping'), {
      timeout: 2000,
    });
    expect(new TextDecoder().decode(reply.data)).toBe('ping');
    expect(reply.subject.startsWith('_INBOX.service.')).toBe(true);
  });

  it('refuses wrong credentials with NATS_AUTH_FAILED, naming neither password', async () => {
    await expect(
      connectNats({
        url: nats.url,
        name: 'intruder',
        user: 'service',
        pass: 'wrong-password-value',
      }),
    ).rejects.toMatchObject({ code: 'NATS_AUTH_FAILED' });
  });
});
