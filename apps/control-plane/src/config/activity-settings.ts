import { IsInt, Max, Min } from 'class-validator';
import { ConfigError, ToInt } from '@weft/server-kit';

/** How long the activity log keeps what (src/activity/partition-maintenance.ts). */
export interface ActivitySettings {
  /** Activity rows, and finished runs, are kept this many days. */
  retentionDays: number;
  /** A run's detail lines are kept this many days (never longer than its activity row). */
  detailRetentionDays: number;
  /** Day partitions are created this many days ahead. */
  partitionsAhead: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the TypeScript mixin pattern needs any[]
type Constructor<T = object> = new (...args: any[]) => T;

export function WithActivitySettings<TBase extends Constructor>(Base: TBase) {
  class ActivitySettingsEnv extends Base {
    @ToInt()
    @IsInt()
    @Min(1)
    @Max(400)
    WEFT_ACTIVITY_RETENTION_DAYS: number = 31;

    @ToInt()
    @IsInt()
    @Min(1)
    @Max(31)
    WEFT_ACTIVITY_DETAIL_RETENTION_DAYS: number = 5;

    @ToInt()
    @IsInt()
    @Min(1)
    @Max(60)
    WEFT_ACTIVITY_PARTITIONS_AHEAD: number = 7;
  }
  return ActivitySettingsEnv;
}

export type ActivitySettingsEnv = InstanceType<
  ReturnType<typeof WithActivitySettings<Constructor>>
>;

/** Cross-field rule: details cannot outlive the activity rows they belong to. */
export function compileActivitySettings(env: ActivitySettingsEnv): ActivitySettings {
  if (env.WEFT_ACTIVITY_DETAIL_RETENTION_DAYS > env.WEFT_ACTIVITY_RETENTION_DAYS) {
    throw new ConfigError(
      ['WEFT_ACTIVITY_DETAIL_RETENTION_DAYS'],
      'invalid configuration: WEFT_ACTIVITY_DETAIL_RETENTION_DAYS must not exceed WEFT_ACTIVITY_RETENTION_DAYS',
    );
  }
  return {
    retentionDays: env.WEFT_ACTIVITY_RETENTION_DAYS,
    detailRetentionDays: env.WEFT_ACTIVITY_DETAIL_RETENTION_DAYS,
    partitionsAhead: env.WEFT_ACTIVITY_PARTITIONS_AHEAD,
  };
}
