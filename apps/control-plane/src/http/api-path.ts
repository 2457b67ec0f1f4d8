/**
 * Where the versioned REST API lives. Controllers name their full path with it, so the route
 * tables (OpenAPI, the pinned route → action test) show exactly what clients call; the probes
 * and the OpenAPI document stay unversioned at the root.
 */
export const API_V1 = 'api/v1';

export function apiV1(path: string): string {
  return `${API_V1}/${path.replace(/^\/+/, '')}`;
}
