import type { DataSource } from 'typeorm';
import type { EnvironmentOwnership } from '@weft/server-kit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which organization owns an environment, for the action guard's cross-tenant check. */
export function environmentOwnership(dataSource: Pick<DataSource, 'query'>): EnvironmentOwnership {
  return {
    async organizationOf(environmentId) {
      if (!UUID.test(environmentId)) return undefined;
      const rows = (await dataSource.query(`SELECT org_id FROM environments WHERE id = $1`, [
        environmentId,
      ])) as Array<{ org_id: string }>;
      return rows[0]?.org_id;
    },
  };
}
