import { selectRows } from '../database/sql.js';
import type { TenantTransaction } from '../database/tenant.js';
import { ProjectsError } from './projects-error.js';

export interface ProjectVariable {
  name: string;
  kind: 'variable' | 'credential';
}

/** A run's secret as the agent receives it: a reference, never a value. */
export interface RunSecretReference extends ProjectVariable {
  reference: string;
}

/**
 * An environment's values for project variables are its vault secrets of the same name. Each
 * becomes a reference the agent resolves: `vault:NAME` for a value stored here (the agent asks
 * for it, sealed to a key of its own, while it holds the run's lease), or the secret's own
 * `env:` / `file:` reference, which only a private agent resolves on its host. Any missing one is
 * VARIABLES_MISSING, naming all of them.
 */
export async function variableReferences(
  tx: TenantTransaction,
  environmentId: string,
  variables: readonly ProjectVariable[],
): Promise<RunSecretReference[]> {
  if (variables.length === 0) return [];
  const rows = await selectRows<{ name: string; reference: string | null }>(
    tx,
    `SELECT name, reference FROM secrets
     WHERE org_id = $1 AND environment_id = $2 AND name = ANY($3::text[])`,
    [tx.orgId, environmentId, variables.map((v) => v.name)],
  );
  const found = new Map(rows.map((row) => [row.name, row.reference]));
  const missing = variables
    .filter((v) => !found.has(v.name))
    .map((v) => v.name)
    .sort();
  if (missing.length > 0) {
    throw new ProjectsError(
      'VARIABLES_MISSING',
      `this environment has no value for project variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: set ${missing.length > 1 ? 'them' : 'it'} with PUT /environments/:environmentId/secrets/:name`,
      missing.map((name) => ({
        path: `variables.${name}`,
        code: 'variable_missing',
        message: `no value in this environment`,
      })),
    );
  }
  return variables.map((v) => ({ ...v, reference: found.get(v.name) ?? `vault:${v.name}` }));
}
