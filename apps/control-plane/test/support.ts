import { createJsonLogger, type JsonLogger } from '@weft/log-schema';
import { validateEnv } from '@weft/server-kit';
import { testNatsUrl, testS3 } from '@weft/testing';
import {
  ControlPlaneEnv,
  compileControlPlaneConfig,
  type ControlPlaneConfig,
} from '../src/config/control-plane.config.js';

/** The S3 settings that point the control plane at the harness's S3-compatible server. */
export function s3Env(): Record<string, string> {
  const s3 = testS3();
  return {
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
  };
}

/** The control plane's configuration for one test file, pointing at the harness's services. */
export function testConfig(
  databaseUrl: string,
  overrides: Record<string, string> = {},
): ControlPlaneConfig {
  return compileControlPlaneConfig(
    validateEnv(ControlPlaneEnv, {
      DATABASE_URL: databaseUrl,
      NATS_URL: testNatsUrl(),
      ...s3Env(),
      S3_BUCKET: 'weft',
      STARTUP_TIMEOUT_SECONDS: '5',
      ...overrides,
    }),
  );
}

/** A logger that keeps its lines, so tests can assert on what was (not) logged. */
export function capturingLogger(): { logger: JsonLogger; lines: string[] } {
  const lines: string[] = [];
  return {
    logger: createJsonLogger({
      service: 'control-plane',
      level: 'debug',
      write: (l) => lines.push(l),
    }),
    lines,
  };
}

export async function listen(app: {
  listen(port: number, host: string): Promise<unknown>;
  getHttpServer(): unknown;
}): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as { address(): { port: number } }).address();
  return `http://127.0.0.1:${address.port}`;
}
