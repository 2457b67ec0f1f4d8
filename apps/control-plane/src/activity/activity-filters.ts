// The activity API's query parameters and cursors, checked at the edge: a bad one is a 400
// naming the parameter, never a database error. Pure.
import { isUuid } from '../database/ids.js';
import { filterInvalid } from './activity-error.js';

export const RUN_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type ActivityRunStatus = (typeof RUN_STATUSES)[number];

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Which runs a list or stream shows (all given filters apply together). */
export interface ActivityFilters {
  projectId?: string;
  operationId?: string;
  statuses?: ActivityRunStatus[];
  agentId?: string;
  /** Submitted at or after. */
  from?: Date;
  /** Submitted before. */
  to?: Date;
}

/**
 * A place in an ordering of activity rows: the time (with PostgreSQL's microseconds, so no two
 * rows a microsecond apart look equal) and the run id that breaks ties.
 */
export interface ActivityPosition {
  time: string;
  runId: string;
}

export interface ActivityListQuery {
  filters: ActivityFilters;
  limit: number;
  /** Rows strictly older than this (the previous page's last row). */
  after?: ActivityPosition;
}

/** Pages order by submission time; streams by time of change. A cursor is only valid for its kind. */
type CursorKind = 'list' | 'stream';

const FILTER_PARAMETERS = ['project', 'operation', 'status', 'agent', 'from', 'to'];
const MICROSECOND_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_CURSOR_LENGTH = 200;

export function parseListQuery(query: Record<string, unknown>): ActivityListQuery {
  refuseUnknown(query, [...FILTER_PARAMETERS, 'limit', 'cursor']);
  const limit = single(query, 'limit');
  let size = DEFAULT_PAGE_SIZE;
  if (limit !== undefined) {
    size = /^\d{1,4}$/.test(limit) ? Number(limit) : 0;
    if (size < 1 || size > MAX_PAGE_SIZE)
      throw filterInvalid('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  const cursor = single(query, 'cursor');
  return {
    filters: parseFilters(query),
    limit: size,
    ...(cursor === undefined ? {} : { after: decodeCursor(cursor, 'list', 'cursor') }),
  };
}

/** A stream's filters, and where it resumes (`Last-Event-ID`), if anywhere. */
export function parseStreamQuery(
  query: Record<string, unknown>,
  lastEventId: unknown,
): { filters: ActivityFilters; after?: ActivityPosition } {
  refuseUnknown(query, FILTER_PARAMETERS);
  const filters = parseFilters(query);
  if (lastEventId === undefined || lastEventId === '') return { filters };
  if (typeof lastEventId !== 'string') throw filterInvalid('Last-Event-ID', 'must be one value');
  return { filters, after: decodeCursor(lastEventId, 'stream', 'Last-Event-ID') };
}

function parseFilters(query: Record<string, unknown>): ActivityFilters {
  const filters: ActivityFilters = {};
  const project = single(query, 'project');
  if (project !== undefined) {
    if (!isUuid(project)) throw filterInvalid('project', 'must be a project id (a UUID)');
    filters.projectId = project.toLowerCase();
  }
  const operation = single(query, 'operation');
  if (operation !== undefined) {
    if (operation.length < 1 || operation.length > 200)
      throw filterInvalid('operation', 'must be an operation name of 1 to 200 characters');
    filters.operationId = operation;
  }
  const agent = single(query, 'agent');
  if (agent !== undefined) {
    if (!isUuid(agent)) throw filterInvalid('agent', 'must be an agent id (a UUID)');
    filters.agentId = agent.toLowerCase();
  }
  const status = query.status;
  if (status !== undefined) {
    const values = (Array.isArray(status) ? status : [status]).flatMap((value: unknown) =>
      typeof value === 'string' ? value.split(',') : [value],
    );
    if (values.length > RUN_STATUSES.length * 2 || !values.every(isRunStatus))
      throw filterInvalid('status', `must be a comma-separated list of ${RUN_STATUSES.join(', ')}`);
    filters.statuses = [...new Set(values)];
  }
  for (const bound of ['from', 'to'] as const) {
    const value = single(query, bound);
    if (value === undefined) continue;
    const time = ISO_TIME.test(value) && isRealDate(value) ? new Date(value) : undefined;
    if (time === undefined || Number.isNaN(time.getTime()))
      throw filterInvalid(bound, 'must be an ISO 8601 date-time with a time zone');
    filters[bound] = time;
  }
  if (filters.from !== undefined && filters.to !== undefined && filters.from >= filters.to)
    throw filterInvalid('to', 'must be later than from');
  return filters;
}

export function encodeCursor(kind: CursorKind, position: ActivityPosition): string {
  return Buffer.from(
    JSON.stringify({ k: kind === 'list' ? 'l' : 's', t: position.time, r: position.runId }),
  ).toString('base64url');
}

function decodeCursor(text: string, kind: CursorKind, field: string): ActivityPosition {
  const invalid = () =>
    filterInvalid(
      field,
      `is not a ${kind === 'list' ? 'page cursor' : 'stream event id'} of this API`,
    );
  if (text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { k, t, r } = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (
    k !== (kind === 'list' ? 'l' : 's') ||
    typeof t !== 'string' ||
    !MICROSECOND_TIME.test(t) ||
    !isRealDate(t) ||
    !isUuid(r)
  )
    throw invalid();
  return { time: t, runId: r.toLowerCase() };
}

/** JavaScript reads 2025-02-30 as March 2nd: the date part must name a day that exists. */
function isRealDate(iso: string): boolean {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function isRunStatus(value: unknown): value is ActivityRunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw filterInvalid(name, 'must be given once, as text');
  return value;
}

function refuseUnknown(query: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(query).find((name) => !known.includes(name));
  if (unknown !== undefined)
    throw filterInvalid(
      unknown.slice(0, 40),
      `is not a parameter of this request (use ${known.join(', ')})`,
    );
}
