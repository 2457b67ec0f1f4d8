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
  const rows = await selectRows<{ name: string; kind: string; reference: string | null }>(
    tx,
    `SELECT name, kind, reference FROM secrets
     WHERE org_id = $1 AND environment_id = $2 AND name = ANY($3::text[])`,
    [tx.orgId, environmentId, variables.map((v) => v.name)],
  );
  const found = new Map(rows.map((row) => [row.name, row.reference]));
  const kinds = new Map(rows.map((row) => [row.name, row.kind]));
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
  // The vault says what a value is: a credential stays a credential whatever a project declares
  // (the agent never puts a credential into a string, and it learns the kind from here).
  const mismatched = variables.filter((v) => found.has(v.name) && kinds.get(v.name) !== v.kind);
  if (mismatched.length > 0) {
    throw new ProjectsError(
      'VARIABLE_KIND_MISMATCH',
      `the project declares ${mismatched.map((v) => `${v.name} as a ${v.kind}`).join(', ')}, but this environment stores ${mismatched.length > 1 ? 'them' : 'it'} as the other kind: declare the kind the value is`,
      mismatched.map((v) => ({
        path: `variables.${v.name}.kind`,
        code: 'variable_kind',
        message: `this environment stores a ${kinds.get(v.name)}`,
      })),
    );
  }
  return variables.map((v) => ({ ...v, reference: found.get(v.name) ?? `vault:${v.name}` }));
}
