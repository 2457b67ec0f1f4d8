import {
  createTestDatabase,
  startNats,
  waitForHttpStatus,
  type RunningNats,
  type TestDatabase,
} from '@weft/testing';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { capturingLogger, listen, testConfig } from './support.js';

async function readiness(
  url: string,
): Promise<{ status: number; body: { checks: Record<string, string> } }> {
  const res = await fetch(`${url}/ready`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
}

describe('readiness follows NATS going away and coming back', () => {
  let database: TestDatabase;
  let nats: RunningNats;
  let controlPlane: ControlPlane;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Its own nats-server: stopping the shared one would disturb other test files.
    nats = await startNats();
    controlPlane = await createControlPlane(
      testConfig(database.url, { NATS_URL: nats.url }),
      capturingLogger().logger,
    );
    url = await listen(controlPlane.app);
  });
  afterAll(async () => {
    await controlPlane.app.close();
    await controlPlane.dependencies.close();
    await nats.stop();
    await database.drop();
  });

  it('turns 503 within seconds of nats-server stopping, and 200 once it is back', async () => {
    expect((await readiness(url)).status).toBe(200);

    await nats.kill();
    const down = await waitForHttpStatus(`${url}/ready`, 503);
    expect(down).toBeLessThan(10_000);
    const report = await readiness(url);
    expect(report.body.checks).toEqual({ postgres: 'up', nats: 'down', s3: 'up' });

    await nats.restart();
    const up = await waitForHttpStatus(`${url}/ready`, 200);
    expect(up).toBeLessThan(15_000);
    expect((await readiness(url)).body.checks.nats).toBe('up');
  });
});
