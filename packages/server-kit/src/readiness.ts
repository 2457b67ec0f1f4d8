/** A dependency the service needs to do its work: PostgreSQL, NATS, S3… */
export interface DependencyCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or never settles) when it does not. */
  check(): Promise<void>;
}

export interface DependencyStatus {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: Record<string, DependencyStatus>;
}

/** Runs every check in parallel, each bounded by `timeoutMs`, so a probe never hangs. */
export async function checkReadiness(
  checks: DependencyCheck[],
  timeoutMs = 2000,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (dependency): Promise<[string, DependencyStatus]> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          dependency.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
        return [dependency.name, { status: 'up', latencyMs: elapsed(started) }];
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [dependency.name, { status: 'down', latencyMs: elapsed(started), error: message }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report: ReadinessReport = { status: 'ready', checks: Object.fromEntries(results) };
  if (results.some(([, r]) => r.status === 'down')) report.status = 'not_ready';
  return report;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
