import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HarnessError } from './errors.js';
import { SOURCE_LOADER_ARGS } from './service-process.js';
import { waitForPortFree } from './internal/ports.js';
import { supervise, terminate } from './internal/processes.js';
import type { S3Connection, S3ServerOptions } from './s3.js';

export interface RunningS3Process extends Omit<S3Connection, 'buckets' | 'forcePathStyle'> {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts the S3-compatible server as its own process (what `pnpm dev` runs), so that it is one
 * of the stack's processes like PostgreSQL and nats-server rather than part of the launcher.
 */
export function startS3Process(
  options: S3ServerOptions & { startTimeoutMs?: number } = {},
): Promise<RunningS3Process> {
  // From source (inside the workspace) the entry is TypeScript; from dist/ it is JavaScript.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(
    new URL(`./s3-server-main.${fromSource ? 'ts' : 'js'}`, import.meta.url),
  );
  const loader = fromSource ? [...SOURCE_LOADER_ARGS] : [];
  const args = [
    ...loader,
    '--no-warnings',
    entry,
    ...(options.dir !== undefined ? ['--dir', options.dir] : []),
    ...(options.port !== undefined ? ['--port', String(options.port)] : []),
    ...(options.buckets ?? []).flatMap((bucket) => ['--bucket', bucket]),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new HarnessError('SERVICE_START_FAILED', `the S3 server did not start: ${errors.trim()}`),
      );
    }, options.startTimeoutMs ?? 15_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new HarnessError(
          'SERVICE_START_FAILED',
          `the S3 server exited (${code}): ${errors.trim()}`,
        ),
      );
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const newline = output.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const connection = JSON.parse(output.slice(0, newline)) as Omit<
        RunningS3Process,
        'pid' | 'stop'
      >;
      const pid = child.pid!;
      // Stopped with its owner, even when the owner dies abruptly (see internal/processes.ts).
      const release = supervise(pid, 'SIGTERM');
      let stopping: Promise<void> | undefined;
      resolve({
        ...connection,
        pid,
        stop() {
          stopping ??= (async () => {
            await terminate(pid, 'SIGTERM', 5000);
            release();
            await waitForPortFree(connection.port, 5000, 's3rver');
          })();
          return stopping;
        },
      });
    });
  });
}
