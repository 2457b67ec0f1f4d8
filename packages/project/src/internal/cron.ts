// Five-field cron expressions (minute hour day-of-month month day-of-week), the common Vixie
// syntax: `*`, numbers, `a-b` ranges, `/step` on `*`, a range or a start, `,` lists, and JAN–DEC /
// SUN–SAT names. No `@daily` macros, `?`, `L`, `W` or `#`: a scheduler would have to agree on them.

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  // 7 is Sunday too, as in most crons
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const MAX_CRON_LENGTH = 200;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function valueOf(text: string, field: CronField): number | string {
  const upper = text.toUpperCase();
  const index = field.names?.indexOf(upper) ?? -1;
  // month names count from 1, day names from 0
  if (index >= 0) return field.min === 1 ? index + 1 : index;
  if (!/^\d{1,2}$/.test(text))
    return `${field.name}: "${text.slice(0, 20)}" is not a number${field.names ? ' or a name' : ''}`;
  const value = Number(text);
  if (value < field.min || value > field.max)
    return `${field.name}: ${value} is outside ${field.min}-${field.max}`;
  return value;
}

/** The values one field allows, or the reason it is malformed. */
function parseField(text: string, field: CronField): Set<number> | string {
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', step, extra] = part.split('/');
    if (extra !== undefined || range === '')
      return `${field.name}: "${part.slice(0, 20)}" is malformed`;
    let stepValue = 1;
    if (step !== undefined) {
      if (!/^\d{1,2}$/.test(step) || Number(step) < 1 || Number(step) > field.max)
        return `${field.name}: step "${step.slice(0, 20)}" must be 1-${field.max}`;
      stepValue = Number(step);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = field.min;
      to = field.max;
    } else {
      const [start = '', end, more] = range.split('-');
      if (more !== undefined) return `${field.name}: "${part.slice(0, 20)}" is malformed`;
      const first = valueOf(start, field);
      if (typeof first === 'string') return first;
      from = first;
      // `5/15` means 5, 20, 35, 50: from the start to the end of the field
      to = step !== undefined && end === undefined ? field.max : first;
      if (end !== undefined) {
        const last = valueOf(end, field);
        if (typeof last === 'string') return last;
        if (last < first) return `${field.name}: range ${start}-${end} runs backwards`;
        to = last;
      }
    }
    for (let value = from; value <= to; value += stepValue) allowed.add(value);
  }
  return allowed;
}

/** Why `expression` is not a valid five-field cron expression, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  if (expression.length > MAX_CRON_LENGTH) return `is longer than ${MAX_CRON_LENGTH} characters`;
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === '')
    return `has ${parts[0] === '' ? 0 : parts.length} fields; a cron expression has 5 (minute hour day-of-month month day-of-week)`;
  const sets: Set<number>[] = [];
  const reasons: string[] = [];
  FIELDS.forEach((field, index) => {
    const parsed = parseField(parts[index] ?? '', field);
    if (typeof parsed === 'string') reasons.push(parsed);
    else sets.push(parsed);
  });
  if (reasons.length > 0) return reasons.join('; ');
  const [, , days, months] = sets;
  // with a day-of-week restriction the expression fires on those weekdays anyway (cron ORs them)
  if (days && months && parts[4] === '*') {
    const fits = [...months].some((month) =>
      [...days].some((day) => day <= (DAYS_IN_MONTH[month - 1] ?? 0)),
    );
    if (!fits) return 'never fires: no chosen month has the chosen day of month';
  }
  return undefined;
}
