import type { Query } from '../api/api-client.js';
import { followEventStream } from '../api/event-stream.js';
import type { CommandContext } from '../cli/command-context.js';
import { integerOption, stringOption } from '../cli/command-line.js';
import type { CommandSpec, OptionValues } from '../cli/command-spec.js';
import { parseSince } from '../cli/since.js';
import { EXIT, usageError } from '../errors.js';
import { printable } from '../output/text.js';
import {
  ACTIVITY_HEADERS,
  activityCells,
  activityStreamLine,
  activityTable,
  type ActivityItem,
} from './activity-view.js';
import { projectRef, inEnvironment } from './projects.js';

const PAGE_MAX = 200;
// The run statuses the activity API filters on.
const STATUSES = new Set(['pending', 'running', 'succeeded', 'failed', 'cancelled']);

/** The API filters from the options (a project name resolved to its id). */
async function filters(context: CommandContext, values: OptionValues): Promise<Query> {
  const status = stringOption(values, 'status');
  if (status !== undefined) {
    const unknown = status.split(',').filter((s) => !STATUSES.has(s));
    if (unknown.length > 0)
      throw usageError(
        `--status: unknown status ${printable(unknown[0], 40)} (${[...STATUSES].join(', ')})`,
      );
  }
  const since = stringOption(values, 'since');
  const projectName = stringOption(values, 'project');
  let project: string | undefined;
  if (projectName !== undefined) {
    const environment = await context.environment();
    project = (await projectRef(await context.api(), environment, projectName)).id;
  }
  return {
    project,
    operation: stringOption(values, 'operation'),
    status,
    agent: stringOption(values, 'agent'),
    from: since === undefined ? undefined : parseSince(since, context.io.now()),
  };
}

async function list(context: CommandContext, query: Query, limit: number): Promise<number> {
  const environment = await context.environment();
  const client = await context.api();
  const items: ActivityItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.get<{ items: ActivityItem[]; nextCursor?: string }>(
      inEnvironment(environment, 'activity'),
      `reading the activity of ${printable(environment.name, 80)}`,
      { ...query, limit: Math.min(PAGE_MAX, limit - items.length), cursor },
    );
    items.push(...(page.items ?? []).slice(0, limit - items.length));
    cursor = page.nextCursor;
  } while (cursor !== undefined && items.length < limit);
  context.out.result({ items, ...(cursor !== undefined ? { nextCursor: cursor } : {}) }, () =>
    items.length === 0 ? ['no activity'] : activityTable(items),
  );
  return EXIT.ok;
}

async function follow(context: CommandContext, query: Query): Promise<number> {
  const { out, io } = context;
  const environment = await context.environment();
  const client = await context.api();
  if (!out.json) out.line(activityStreamLine(ACTIVITY_HEADERS));
  await followEventStream({
    client,
    path: inEnvironment(environment, 'activity/stream'),
    query,
    what: `following the activity of ${printable(environment.name, 80)}`,
    signal: io.signal,
    sleep: io.sleep,
    onEvent(event) {
      if (event.event !== 'activity') return;
      let item: ActivityItem;
      try {
        item = JSON.parse(event.data) as ActivityItem;
      } catch {
        return out.warning('the stream sent an activity record that is not JSON; skipped');
      }
      if (out.json) out.jsonLine(item);
      else out.line(activityStreamLine(activityCells(item)));
    },
    onReconnect: (reason, delayMs) =>
      out.warning(`${reason}; reconnecting in ${Math.round(delayMs / 1000)} s`),
  });
  return EXIT.interrupted;
}

export const logs: CommandSpec = {
  name: 'logs',
  summary: "list an environment's activity (runs), newest first; --follow tails it live",
  usage:
    '[--project <p>] [--operation <o>] [--status <s>[,<s>]] [--agent <id>] [--since <time>] [--limit <n>] [--follow]',
  options: {
    project: { type: 'string' },
    operation: { type: 'string' },
    status: { type: 'string' },
    agent: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
  },
  optionHelp: [
    ['--project <name|id>', 'only this project'],
    ['--operation <name>', 'only this operation'],
    ['--status <s>[,<s>]', 'only these statuses: pending, running, succeeded, failed, cancelled'],
    ['--agent <id>', 'only runs on this agent'],
    ['--since <time>', 'from this time: 30m, 1h, 2d (ago) or an ISO date-time'],
    ['--limit <n>', 'at most this many runs (1-1000, default 50)'],
    ['-f, --follow', 'stay connected and print each change as it happens (Ctrl-C ends)'],
  ],
  positionals: [],
  notes: 'With --follow --json, each record is one JSON line (NDJSON) rather than one document.',
  async run(context, { values }) {
    const limit = integerOption(values, 'limit', { min: 1, max: 1000 });
    if (values['follow'] === true && limit !== undefined)
      throw usageError('--limit does not apply to --follow');
    const query = await filters(context, values);
    return values['follow'] === true ? follow(context, query) : list(context, query, limit ?? 50);
  },
};
