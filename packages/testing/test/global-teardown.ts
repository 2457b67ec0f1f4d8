import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { globalTeardown } from '@weft/testing';

/**
 * The app-facing teardown, plus the harness's own end-to-end check: once it returns, no
 * process of the run is alive, every port is free and the data directory is gone.
 */
export default async function teardown(): Promise<void> {
  const report = await globalTeardown();
  if (!report) throw new Error('globalTeardown found no services: the global setup did not run');
  const problems: string[] = [];
  for (const pid of report.pids) if (isAlive(pid)) problems.push(`process ${pid} is still alive`);
  for (const pid of processesMentioning(report.root))
    problems.push(`process ${pid} still refers to ${report.root}`);
  for (const port of report.ports)
    if (!(await isPortFree(port))) problems.push(`port ${port} is still in use`);
  if (existsSync(report.root)) problems.push(`${report.root} still exists`);
  if (problems.length > 0)
    throw new Error(`the harness left things behind:\n${problems.join('\n')}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Linux: processes whose command line names the run's directory (postgres -D …, nats-server -sd …). */
function processesMentioning(path: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
