import { Fields } from './internal/fields.js';

/** How serious a detail line is (the agent's operation log and step messages). */
export const ACTIVITY_DETAIL_LEVELS = ['info', 'warn', 'error'] as const;
export type ActivityDetailLevel = (typeof ACTIVITY_DETAIL_LEVELS)[number];

/** Which part of the operation a detail line comes from. */
export const ACTIVITY_DETAIL_STEPS = ['source', 'transformation', 'target', 'operation'] as const;
export type ActivityDetailStep = (typeof ACTIVITY_DETAIL_STEPS)[number];

/** Detail lines are cut to this many characters before they leave the agent. */
export const MAX_ACTIVITY_DETAIL_TEXT = 1000;

/** One line of a run's details in the activity log (kept 5 days). */
export interface ActivityDetailV1 {
  v: 1;
  runId: string;
  /** 1, 2, 3… in the order the control plane received the lines of the run. */
  seq: number;
  /** ISO 8601 */
  at: string;
  level: ActivityDetailLevel;
  step?: ActivityDetailStep;
  text: string;
}

const SUBJECT = { code: 'INVALID_ACTIVITY_DETAIL', name: 'activity detail' } as const;

/** Validates a detail line from a database row or the network; unknown fields are dropped. */
export function parseActivityDetail(value: unknown): ActivityDetailV1 {
  const fields = Fields.of(value, SUBJECT);
  const detail: ActivityDetailV1 = {
    v: fields.version(1),
    runId: fields.id('runId'),
    seq: fields.positive('seq'),
    at: fields.time('at'),
    level: fields.oneOf('level', ACTIVITY_DETAIL_LEVELS),
    text: fields.string('text', MAX_ACTIVITY_DETAIL_TEXT),
  };
  const step = fields.optionalOneOf('step', ACTIVITY_DETAIL_STEPS);
  if (step !== undefined) detail.step = step;
  return detail;
}
