import { segment, type ApiClient } from '../api/api-client.js';
import { isUuid, type EnvironmentRef } from '../cli/command-context.js';
import { CliError } from '../errors.js';
import { printable } from '../output/text.js';

/** The control plane's ProjectView (design §5). */
export interface ProjectView {
  id: string;
  environmentId: string;
  name: string;
  description?: string;
  latestRevision: number;
  deployedRevision: number | null;
  createdAt: string;
  updatedAt: string;
}

/** The control plane's RevisionView (design §5). */
export interface RevisionView {
  revision: number;
  digest: string;
  createdAt: string;
  createdBy: string | null;
  source: 'push' | 'promotion' | 'import';
  promotedFrom?: unknown;
}

/** A path under `/api/v1/environments/:environmentId/`. */
export function inEnvironment(environment: EnvironmentRef, path: string): string {
  return `environments/${segment(environment.id)}/${path}`;
}

/** The project a command names: by id when given a UUID, else by name (`projects/by-name/:name`). */
export async function findProject(
  client: ApiClient,
  environment: EnvironmentRef,
  nameOrId: string,
): Promise<ProjectView> {
  const path = isUuid(nameOrId)
    ? `projects/${segment(nameOrId)}`
    : `projects/by-name/${segment(nameOrId)}`;
  try {
    return await client.get<ProjectView>(
      inEnvironment(environment, path),
      `finding project ${printable(nameOrId, 80)}`,
    );
  } catch (error) {
    if (CliError.is(error) && error.code === 'not_found') {
      throw new CliError(
        'not_found',
        `no project ${printable(nameOrId, 80)} in environment ${printable(environment.name, 80)}`,
        error.apiCode !== undefined ? { apiCode: error.apiCode } : {},
      );
    }
    throw error;
  }
}

/**
 * The id of the project a command names, for commands that need nothing else: a UUID is taken as
 * the id without a lookup, so a key with only Execute access (no Read) can still run by id.
 */
export async function projectRef(
  client: ApiClient,
  environment: EnvironmentRef,
  nameOrId: string,
): Promise<Pick<ProjectView, 'id' | 'name'>> {
  if (isUuid(nameOrId)) return { id: nameOrId.toLowerCase(), name: nameOrId };
  return findProject(client, environment, nameOrId);
}
