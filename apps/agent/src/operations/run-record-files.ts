import { join } from 'node:path';
import { AGENT_LOG_PREFIX } from '../storage/log-retention.js';
import { NdjsonAppender } from './ndjson-appender.js';

/** Why a record failed: a mapping/validation reason list, or the target's refusal. */
export interface FailedRecordEntry {
  /** 1-based position of the source record in the run. */
  readonly sourceRecord?: number;
  readonly stage: 'mapping' | 'target';
  readonly reasons: readonly unknown[];
  readonly record: unknown;
}

/**
 * A run's success and failed record files in logDir (weft-run-<date>-<runId>-succeeded.ndjson and
 * -failed.ndjson, mode 0600): business data that stays on the customer's disk, deleted by the
 * log retention sweep after logRetentionDays. Created only when there is something to write.
 */
export class RunRecordFiles {
  readonly succeeded: NdjsonAppender;
  readonly failed: NdjsonAppender;

  constructor(logDir: string, runId: string, now: Date) {
    const base = `${AGENT_LOG_PREFIX}run-${now.toISOString().slice(0, 10)}-${fileSafe(runId)}`;
    this.succeeded = new NdjsonAppender(join(logDir, `${base}-succeeded.ndjson`));
    this.failed = new NdjsonAppender(join(logDir, `${base}-failed.ndjson`));
  }

  async close(): Promise<void> {
    await Promise.all([this.succeeded.close(), this.failed.close()]);
  }
}

/** Run ids come from the gateway: keep only characters that cannot walk out of logDir. */
function fileSafe(runId: string): string {
  return runId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80) || 'run';
}
