import type { Logger } from '@weft/log-schema';
import type { DataSource } from 'typeorm';
import type { ActivitySettings } from '../config/activity-settings.js';
import type { OrgKeys } from '../keys/org-keys.js';
import { ActivityLog } from './activity-log.js';
import { ActivityQuery } from './activity-query.js';
import { ActivityStreams } from './activity-streams.js';
import { PartitionMaintenance } from './partition-maintenance.js';

/** The activity log's parts, built once at boot. */
export interface ActivityServices {
  /** Writes (used by Runs and RunEvents, inside their transactions). */
  log: ActivityLog;
  query: ActivityQuery;
  streams: ActivityStreams;
  /** Partitions and retention; start() schedules it hourly, stop() before the pool closes. */
  maintenance: PartitionMaintenance;
}

export function createActivityServices(
  db: DataSource,
  keys: OrgKeys,
  settings: ActivitySettings,
  logger: Logger,
): ActivityServices {
  const query = new ActivityQuery(db, keys);
  return {
    log: new ActivityLog(keys),
    query,
    streams: new ActivityStreams(query, logger),
    maintenance: new PartitionMaintenance(db, settings, logger),
  };
}
