import { plural, printable } from '../output/text.js';

export const FINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** What the CLI reads of `GET …/runs/:runId` (the control plane's RunView). */
export interface RunView {
  id: string;
  status: string;
  agentId?: string | null;
  operationId?: string;
  submittedAt?: string;
  startedAt?: string | null;
  completedAt?: string | null;
  records?: { read: number; written: number; failed: number };
  recordsRead?: number;
  recordsWritten?: number;
  recordsFailed?: number;
  errorCode?: string | null;
  message?: string | null;
}

export interface RecordCounts {
  read: number;
  written: number;
  failed: number;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** The run's counts, from `records` (RunView) or the flat activity fields. */
export function countsOf(run: RunView): RecordCounts {
  return {
    read: count(run.records?.read ?? run.recordsRead),
    written: count(run.records?.written ?? run.recordsWritten),
    failed: count(run.records?.failed ?? run.recordsFailed),
  };
}

export function describeCounts(counts: RecordCounts): string {
  return `read ${counts.read}, written ${counts.written}, failed ${counts.failed}`;
}

/** `12.3 s` between the run's start (or submission) and its end, when both are known. */
export function duration(run: RunView): string | undefined {
  const start = Date.parse(run.startedAt ?? run.submittedAt ?? '');
  const end = Date.parse(run.completedAt ?? '');
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return undefined;
  const seconds = (end - start) / 1000;
  return seconds < 60
    ? `${seconds.toFixed(1)} s`
    : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** The line printed when the run reaches a status: `run 3f… running on agent a-1`. */
export function statusLine(run: RunView): string {
  const id = printable(run.id, 80);
  const status = printable(run.status, 40);
  if (status === 'running' && run.agentId)
    return `run ${id} running on agent ${printable(run.agentId, 80)}`;
  if (!FINAL_STATUSES.has(run.status)) return `run ${id} ${status}`;
  const took = duration(run);
  return `run ${id} ${status}: ${describeCounts(countsOf(run))}${took ? ` (${took})` : ''}`;
}

/** Why a run failed, for the `weft: …` line: its message and code when it has them. */
export function failureReason(run: RunView): string {
  const message = run.message ? printable(run.message) : undefined;
  const code = run.errorCode ? printable(run.errorCode, 80) : undefined;
  const counts = countsOf(run);
  const detail =
    message ?? (counts.failed > 0 ? `${plural(counts.failed, 'record')} failed` : 'no message');
  return `${detail}${code ? ` (${code})` : ''}`;
}
