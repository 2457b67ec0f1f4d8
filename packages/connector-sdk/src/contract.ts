import type { ConnectorErrorCode } from './errors.js';

/** One record: plain JSON-compatible data. */
export type ConnectorRecord = Record<string, unknown>;

export interface ConnectorLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Where a connector may open network connections (the SDK implements it; see EgressPolicy in src/egress). */
export interface EgressGuard {
  /** Resolves `host`, checks every address against the policy, returns the address to connect to
   *  (connect to THAT address, never re-resolve: DNS rebinding). Throws ConnectorError 'egress_denied'. */
  resolve(host: string, port: number): Promise<{ address: string; family: 4 | 6 }>;
}

export interface ConnectorContext {
  readonly runId: string;
  /** Stable across retries and hand-overs of the same run: use it for idempotent writes (upserts). */
  readonly idempotencyKey: string;
  readonly signal: AbortSignal;
  readonly logger: ConnectorLogger;
  /** Credentials and variables the connection references by name, already resolved for this run. */
  readonly secrets: { get(name: string): string | undefined };
  readonly egress: EgressGuard;
  readonly agentKind: 'cloud' | 'private';
  /** A per-run temporary folder, deleted when the run ends. */
  readonly workDir: string;
}

export interface WriteSummary {
  readonly written: number;
  readonly failed: number;
  /** Per-record failures (index within the batch stream, and a reason that never quotes the data). */
  readonly failures?: ReadonlyArray<{ readonly index: number; readonly reason: string }>;
}

export interface ConnectorDefinition<Config = unknown> {
  /** 'http', 'postgres', 's3', 'files', or a plugin's own 'vendor.name'. */
  readonly type: string;
  readonly description: string;
  /** Private agents only (e.g. local files): a cloud agent refuses it. */
  readonly privateOnly?: boolean;
  /** Checks a connection's configuration (no I/O); throws ConnectorError('invalid_config', …) naming the field. */
  validate(config: unknown): Config;
  /** Reads records in batches (e.g. 1,000); stops promptly when ctx.signal aborts. */
  read?(config: Config, ctx: ConnectorContext): AsyncIterable<readonly ConnectorRecord[]>;
  /** Writes batches; returns counts. Honours ctx.signal. */
  write?(
    config: Config,
    batches: AsyncIterable<readonly ConnectorRecord[]>,
    ctx: ConnectorContext,
  ): Promise<WriteSummary>;
}

export type { ConnectorErrorCode };
