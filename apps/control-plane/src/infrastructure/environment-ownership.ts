import type { DataSource } from 'typeorm';
import type { EnvironmentOwnership } from '@weft/server-kit';
import { isUuid } from '../database/ids.js';

/** Which organization owns an environment, for the action guard's cross-tenant check. */
export function environmentOwnership(dataSource: Pick<DataSource, 'query'>): EnvironmentOwnership {
  return {
    async organizationOf(environmentId) {
      if (!isUuid(environmentId)) return undefined;
      const rows = (await dataSource.query(`SELECT org_id FROM environments WHERE id = $1`, [
        environmentId,
      ])) as Array<{ org_id: string }>;
      return rows[0]?.org_id;
    },
  };
}
