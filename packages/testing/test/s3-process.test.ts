import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Process } from '../src/index.js';
import { isPortFree } from '../src/internal/ports.js';

describe('the S3-compatible server as a process of its own', () => {
  it('serves a bucket from a directory that survives a restart, and frees its port on stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-s3-process-'));
    try {
      const first = await startS3Process({ dir, buckets: ['dev-bucket'] });
      expect(first.pid).not.toBe(process.pid);
      const client = new S3Client({
        endpoint: first.endpoint,
        region: first.region,
        forcePathStyle: true,
        credentials: { accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey },
      });
      await client.send(
        new PutObjectCommand({ Bucket: 'dev-bucket', Key: 'kept.txt', Body: 'kept' }),
      );
      client.destroy();
      await first.stop();
      expect(await isPortFree(first.port)).toBe(true);
      expect(await readdir(dir)).toContain('dev-bucket');

      const second = await startS3Process({ dir, port: first.port, buckets: ['dev-bucket'] });
      const again = new S3Client({
        endpoint: second.endpoint,
        region: second.region,
        forcePathStyle: true,
        credentials: { accessKeyId: second.accessKeyId, secretAccessKey: second.secretAccessKey },
      });
      const object = await again.send(
        new GetObjectCommand({ Bucket: 'dev-bucket', Key: 'kept.txt' }),
      );
      expect(await object.Body?.transformToString()).toBe('kept');
      again.destroy();
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a start failure instead of hanging', async () => {
    const running = await startS3Process();
    try {
      await expect(startS3Process({ port: running.port })).rejects.toMatchObject({
        code: 'SERVICE_START_FAILED',
      });
    } finally {
      await running.stop();
    }
  });
});
