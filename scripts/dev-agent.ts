// The local agent of `pnpm dev`: enrolled once in a "local" agent group of the development
// environment, through the control plane's API as the bootstrap administrator — the way an
// operator would do it (group, one-time enrolment token, agent with the token).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';

export interface Reply {
  status: number;
  body: unknown;
  cookies: string[];
}

export function call(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; ca?: string },
): Promise<Reply> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers: {
          'content-type': 'application/json',
          ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}),
          ...options.headers,
        },
        ...(options.ca ? { ca: options.ca } : {}),
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON
          }
          const cookies = res.headers['set-cookie'] ?? [];
          resolve({ status: res.statusCode ?? 0, body, cookies });
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 15 s`)));
    if (payload) req.write(payload);
    req.end();
  });
}

export interface DevAgentEnrolment {
  groupId: string;
  /** Only when the agent has no identity yet. */
  enrolmentToken?: string;
}

/**
 * The local agent's group, and a fresh enrolment token when the agent is not enrolled yet.
 * Undefined (with the reason) when the admin's password is not known to the dev stack.
 */
export async function prepareDevAgent(options: {
  controlPlaneUrl: string;
  ca?: string;
  admin: { email: string; password?: string };
  agentDir: string;
  identityFile: string;
}): Promise<DevAgentEnrolment | string> {
  const remembered = join(options.agentDir, 'group.json');
  const enrolled = existsSync(options.identityFile);
  if (enrolled && existsSync(remembered)) {
    return JSON.parse(readFileSync(remembered, 'utf8')) as DevAgentEnrolment;
  }
  if (options.admin.password === undefined) {
    return 'the administrator password is unknown to pnpm dev (set by WEFT_BOOTSTRAP_ADMIN_PASSWORD); enrol an agent by hand';
  }
  const base = options.controlPlaneUrl;
  const session = await signIn(base, options.admin, options.ca);
  if (typeof session === 'string') return session;
  const { as } = session;
  const environment = await developmentEnvironment(base, session, options.ca);
  if (typeof environment === 'string') return environment;
  const group = await call(`${base}/api/v1/environments/${environment.id}/agent-groups`, {
    method: 'POST',
    headers: as,
    body: { name: 'local' },
    ...(options.ca ? { ca: options.ca } : {}),
  });
  const groupId = (group.body as { id?: string }).id;
  if (group.status !== 201 || !groupId) return `creating the agent group failed (${group.status})`;
  writeFileSync(remembered, JSON.stringify({ groupId }), { mode: 0o600 });
  if (enrolled) return { groupId };
  const token = await call(
    `${base}/api/v1/environments/${environment.id}/agent-groups/${groupId}/enrolment-tokens`,
    { method: 'POST', headers: as, ...(options.ca ? { ca: options.ca } : {}) },
  );
  const enrolmentToken = (token.body as { token?: string }).token;
  if (token.status !== 201 || !enrolmentToken)
    return `creating an enrolment token failed (${token.status})`;
  return { groupId, enrolmentToken };
}

/**
 * The environment `pnpm dev` works in — the local agent's group and the demo project both:
 * the one named like "development", else the first.
 */
export async function developmentEnvironment(
  base: string,
  session: AdminSession,
  ca?: string,
): Promise<{ id: string; name: string } | string> {
  const environments = await call(`${base}/api/v1/organizations/${session.orgId}/environments`, {
    headers: session.as,
    ...(ca ? { ca } : {}),
  });
  const list = environments.body as Array<{ id: string; name: string }>;
  return list.find((e) => /dev/i.test(e.name)) ?? list[0] ?? 'the organization has no environment';
}

export interface AdminSession {
  /** Headers that authenticate a call as the administrator (session cookie and CSRF token). */
  as: Record<string, string>;
  orgId: string;
}

/** Signs in as the bootstrap administrator; a string says why it could not. */
export async function signIn(
  base: string,
  admin: { email: string; password?: string },
  ca?: string,
): Promise<AdminSession | string> {
  if (admin.password === undefined) return 'the administrator password is unknown to pnpm dev';
  const login = await call(`${base}/api/v1/auth/login`, {
    method: 'POST',
    body: { email: admin.email, password: admin.password },
    ...(ca ? { ca } : {}),
  });
  if (login.status !== 200) return `signing in as ${admin.email} failed (${login.status})`;
  const cookie = login.cookies.find((c) => c.startsWith('weft_session='))?.split(';')[0] ?? '';
  const csrf = (login.body as { csrfToken?: string }).csrfToken ?? '';
  const orgId = (login.body as { organizationId?: string | null }).organizationId;
  if (!orgId) return 'the administrator has no active organization';
  return { as: { cookie, 'x-csrf-token': csrf }, orgId };
}
