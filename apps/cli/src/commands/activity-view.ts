import { shortTime, table } from '../output/table.js';
import { printable } from '../output/text.js';
import { countsOf, type RunView } from './run-view.js';

/** One activity record as the list API and the stream send it (ActivityRecordV1 and the design's additions). */
export interface ActivityItem extends RunView {
  projectId?: string;
  projectName?: string;
  revision?: number;
}

export const ACTIVITY_HEADERS = [
  'TIME',
  'PROJECT',
  'OPERATION',
  'STATUS',
  'READ/WRITTEN/FAILED',
  'AGENT',
  'MESSAGE',
];
const MESSAGE_WIDTH = 100;

/** The printable cells of one record, in ACTIVITY_HEADERS order. */
export function activityCells(item: ActivityItem): string[] {
  const counts = countsOf(item);
  return [
    shortTime(item.submittedAt),
    printable(item.projectName, 40) || '-',
    printable(item.operationId, 40) || '-',
    printable(item.status, 12) || '-',
    `${counts.read}/${counts.written}/${counts.failed}`,
    printable(item.agentId, 40) || '-',
    printable(item.message, MESSAGE_WIDTH),
  ];
}

export function activityTable(items: readonly ActivityItem[]): string[] {
  return table(ACTIVITY_HEADERS, items.map(activityCells));
}

// Fixed widths for the live tail, where later rows cannot widen earlier ones.
const STREAM_WIDTHS = [21, 20, 20, 10, 19, 16];

/** One line of the live tail, aligned to fixed widths (wider cells just push the line on). */
export function activityStreamLine(cells: readonly string[]): string {
  return cells
    .map((cell, column) =>
      column < STREAM_WIDTHS.length ? cell.padEnd(STREAM_WIDTHS[column] ?? 0) : cell,
    )
    .join('  ')
    .trimEnd();
}
