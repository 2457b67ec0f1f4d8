import express from 'express';
import { can, type Principal } from '@weft/rbac';
import { apiV1 } from './api-path.js';

/** The largest JSON body the design endpoints take: a project document (2 MiB) or an archive. */
export const LARGE_BODY_LIMIT = '12mb';

const ENVIRONMENT = '([0-9a-fA-F-]{36})';
/** Exactly the endpoints whose bodies may exceed the default 100 KB (no prefix matching). */
const LARGE_BODY_ROUTES: readonly RegExp[] = [
  'projects',
  'projects/import',
  'transformations/test',
].map((path) => new RegExp(`^/${apiV1(`environments/${ENVIRONMENT}/${path}`)}/?$`));

/**
 * Parses large JSON bodies on the design endpoints only (project documents, archives, test
 * samples), and only for a caller who may write in that environment — decided after
 * authentication and before parsing, so nobody without Write makes the control plane read
 * megabytes: anyone else meets the default 100 KB parser (and then the guard). The route's own
 * guard still checks everything (the environment's organization included).
 */
export function largeBodies() {
  const parse = express.json({ limit: LARGE_BODY_LIMIT });
  return (
    request: express.Request & { principal?: Principal },
    response: express.Response,
    next: express.NextFunction,
  ): void => {
    const principal = request.principal;
    if (request.method !== 'POST' || principal === undefined || principal.orgId === undefined) {
      return next();
    }
    const path = request.path;
    const environmentId = LARGE_BODY_ROUTES.map((route) => route.exec(path)?.[1]).find(Boolean);
    if (
      environmentId === undefined ||
      !can(principal, 'project.write', { orgId: principal.orgId, environmentId })
    ) {
      return next();
    }
    parse(request, response, next);
  };
}
