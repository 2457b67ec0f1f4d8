import { randomBytes, randomUUID } from 'node:crypto';
import type { ControlPlaneDouble } from './control-plane-double.js';
import type { Harness } from './cli-harness.js';

export const ORG = randomUUID();
export const DEV = {
  id: randomUUID(),
  name: 'dev',
  kind: 'development',
  createdAt: '2024-01-01T00:00:00.000Z',
};
export const PROD = {
  id: randomUUID(),
  name: 'prod',
  kind: 'production',
  createdAt: '2024-01-01T00:00:00.000Z',
};
export const KEY_ID = randomUUID();

/** An API key in the control plane's token format, minted per test run. */
export function mintApiKey(): string {
  return `weft_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;
}

export function api(path: string): string {
  return `/api/v1/${path}`;
}

export function envPath(environment: { id: string }, path: string): string {
  return api(`environments/${environment.id}/${path}`);
}

/** The session answer for an API key (GET /api/v1/auth/session). */
export function sessionBody() {
  return {
    principal: { kind: 'api_key', id: KEY_ID, orgId: ORG, admin: false, environments: {} },
    expiresAt: null,
    restriction: null,
  };
}

/** What every command naming an environment by name asks first: the key's organization, its environments. */
export function serveDirectory(double: ControlPlaneDouble): void {
  double
    .on('GET', api('auth/session'), { status: 200, body: sessionBody() })
    .on('GET', api(`organizations/${ORG}/environments`), { status: 200, body: [DEV, PROD] });
}

export function projectView(environment: { id: string }, overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    environmentId: environment.id,
    name: 'orders-sync',
    description: 'CSV orders into the warehouse',
    latestRevision: 3,
    deployedRevision: 2,
    createdAt: '2024-05-01T00:00:00.000Z',
    updatedAt: '2024-05-02T00:00:00.000Z',
    ...overrides,
  };
}

export function revisionView(revision: number, overrides: Record<string, unknown> = {}) {
  return {
    revision,
    digest: randomBytes(32).toString('hex'),
    createdAt: '2024-05-02T00:00:00.000Z',
    createdBy: KEY_ID,
    source: 'push',
    ...overrides,
  };
}

/** CI-style authentication: WEFT_API_KEY and WEFT_URL, no stored credentials. */
export function useEnvironmentKey(harness: Harness, double: ControlPlaneDouble): string {
  const key = mintApiKey();
  harness.env['WEFT_API_KEY'] = key;
  harness.env['WEFT_URL'] = double.url;
  return key;
}
