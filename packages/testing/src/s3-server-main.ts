// Runs the local S3-compatible server as a process of its own (used by `pnpm dev`):
//   node s3-server-main.js --dir <path> --port <n> [--bucket <name>]...
// Prints one JSON line with the connection once it answers; stops on SIGTERM/SIGINT/SIGHUP.
import { parseArgs } from 'node:util';
import { startS3 } from './s3.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    port: { type: 'string' },
    bucket: { type: 'string', multiple: true },
  },
  strict: true,
});

const server = await startS3({
  ...(values.dir !== undefined ? { dir: values.dir } : {}),
  ...(values.port !== undefined ? { port: Number(values.port) } : {}),
  buckets: values.bucket ?? [],
});
const { endpoint, region, accessKeyId, secretAccessKey, port } = server;
process.stdout.write(
  `${JSON.stringify({ endpoint, region, accessKeyId, secretAccessKey, port })}\n`,
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
