import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { testS3 } from '@weft/testing';

describe('the run-wide S3-compatible server', () => {
  it('stores and returns an object in a bucket created at setup', async () => {
    const s3 = testS3();
    expect(s3.buckets).toEqual(['harness-probe']);
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: s3.forcePathStyle,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    try {
      await client.send(
        new PutObjectCommand({ Bucket: 'harness-probe', Key: 'a/b.txt', Body: 'payload' }),
      );
      const object = await client.send(
        new GetObjectCommand({ Bucket: 'harness-probe', Key: 'a/b.txt' }),
      );
      expect(await object.Body?.transformToString()).toBe('payload');
    } finally {
      client.destroy();
    }
  });

  it('rejects credentials other than the fixed fake ones', async () => {
    const s3 = testS3();
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'someone-else', secretAccessKey: 'wrong' },
    });
    try {
      await expect(
        client.send(new GetObjectCommand({ Bucket: 'harness-probe', Key: 'a/b.txt' })),
      ).rejects.toMatchObject({
        name: 'InvalidAccessKeyId',
      });
    } finally {
      client.destroy();
    }
  });
});
