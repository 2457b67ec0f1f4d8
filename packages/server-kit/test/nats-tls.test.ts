import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsonLogger } from '@weft/log-schema';
import { ensureDevTls, startNats, type RunningNats } from '@weft/testing';
import {
  ServiceEnv,
  StartupError,
  closeNats,
  compileNatsSettings,
  connectNatsAtBoot,
  validateEnv,
} from '../src/index.js';

const logger = createJsonLogger({ service: 'test', level: 'error', write: () => undefined });
let dir: string;
let caFile: string;
let nats: RunningNats;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-server-kit-nats-tls-'));
  const tls = await ensureDevTls(dir);
  caFile = tls.caFile;
  nats = await startNats({ tls: { certFile: tls.certFile, keyFile: tls.keyFile } });
});

afterAll(async () => {
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('connectNatsAtBoot over TLS', () => {
  it('connects with NATS_TLS_CA_FILE, from the settings an app compiles', async () => {
    const settings = compileNatsSettings(
      validateEnv(ServiceEnv, { NATS_URL: nats.url, NATS_TLS_CA_FILE: caFile }),
    );
    const nc = await connectNatsAtBoot(settings, { timeoutMs: 3000, logger, name: 'test' });
    expect(nc.info?.tls_required).toBe(true);
    await closeNats(nc);
  });

  it('fails at boot with a line naming NATS_URL and TLS when the CA is not given', async () => {
    const settings = compileNatsSettings(validateEnv(ServiceEnv, { NATS_URL: nats.url }));
    const error = await connectNatsAtBoot(settings, {
      timeoutMs: 3000,
      logger,
      name: 'test',
    }).catch((e: unknown) => e);
    expect(StartupError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^cannot connect to NATS at NATS_URL: TLS with NATS at tls:\/\/127\.0\.0\.1:\d+ failed: the server's certificate was not accepted/,
    );
  });
});
