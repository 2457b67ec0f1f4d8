import express from 'express';
import { apiV1 } from './api-path.js';

/** The largest JSON body the design endpoints take: a project document (2 MiB) or an archive. */
export const LARGE_BODY_LIMIT = '12mb';

/** Endpoints whose bodies may exceed the default 100 KB: project documents, archives, test samples. */
export const LARGE_BODY_PATHS = [
  'environments/:environmentId/projects',
  'environments/:environmentId/projects/import',
  'environments/:environmentId/transformations/test',
].map((path) => `/${apiV1(path)}`);

/**
 * Parses large JSON bodies on the design endpoints only, and only for an authenticated caller
 * (the authentication middleware ran first): an anonymous request there meets the default
 * 100 KB parser, so nobody can make the control plane parse megabytes without signing in.
 */
export function largeBodies() {
  const parse = express.json({ limit: LARGE_BODY_LIMIT });
  return (
    request: express.Request & { principal?: { kind: string } },
    response: express.Response,
    next: express.NextFunction,
  ): void => {
    if (request.principal === undefined || request.principal.kind === 'anonymous') return next();
    parse(request, response, next);
  };
}
