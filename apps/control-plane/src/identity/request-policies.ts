import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Logger } from '@weft/log-schema';
import { isAction, type Action } from '@weft/rbac';
import type { DataSource } from 'typeorm';
import { recordAudit } from '../audit/audit-trail.js';
import { selectRows } from '../database/sql.js';
import type { AuthenticatedHttpRequest } from './authentication.js';

export type AuditLevel = 'security' | 'writes' | 'reads';

interface CachedPolicy {
  at: number;
  allowlist: BlockList | undefined;
  auditLevel: AuditLevel;
}

const CACHE_MS = 10_000;

/**
 * Actions whose handlers write their own, detailed audit records: the request recorder does
 * not add a second one for them.
 */
const SELF_AUDITED: ReadonlySet<Action> = new Set<Action>([
  'session.create',
  'two_factor.manage',
  'account.manage',
  'policy.manage',
  'api_key.manage',
  'secret.write',
  'secret.resolve',
  'environment.manage',
  'role.manage',
  'member.manage',
  'invitation.manage',
  'invitation.accept',
  'organization.manage',
]);

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is 192.0.2.1. */
export function normaliseAddress(
  ip: string,
): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const address = mapped ?? ip;
  if (isIPv4(address)) return { address, family: 'ipv4' };
  if (isIPv6(address)) return { address, family: 'ipv6' };
  return undefined;
}

/** A BlockList of CIDR ranges as PostgreSQL prints them (`10.0.0.0/8`, `2001:db8::/32`). */
export function allowlistOf(ranges: readonly string[]): BlockList | undefined {
  if (ranges.length === 0) return undefined;
  const list = new BlockList();
  for (const range of ranges) {
    const [network = '', bits] = range.split('/');
    const parsed = normaliseAddress(network);
    if (parsed === undefined) continue;
    list.addSubnet(
      parsed.address,
      Number(bits ?? (parsed.family === 'ipv4' ? 32 : 128)),
      parsed.family,
    );
  }
  return list;
}

export function allows(list: BlockList | undefined, ip: string | undefined): boolean {
  if (list === undefined) return true;
  const parsed = ip === undefined ? undefined : normaliseAddress(ip);
  return parsed !== undefined && list.check(parsed.address, parsed.family);
}

/**
 * The per-organization rules applied to every request once its principal is known: the IP
 * allowlist (requests for the organization from elsewhere are refused, whatever the
 * credentials) and the audit level (what besides security events is recorded). Read from the
 * database and kept for ten seconds per replica; a change made here applies at once here.
 */
export class RequestPolicies {
  readonly #cache = new Map<string, CachedPolicy>();

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
  ) {}

  forget(orgId: string): void {
    this.#cache.delete(orgId);
  }

  async policy(orgId: string): Promise<CachedPolicy> {
    const cached = this.#cache.get(orgId);
    if (cached !== undefined && Date.now() - cached.at < CACHE_MS) return cached;
    const [row] = await selectRows<{ ip_allowlist: string[]; audit_level: AuditLevel }>(
      this.db,
      `SELECT ip_allowlist::text[] AS ip_allowlist, audit_level FROM organizations WHERE id = $1`,
      [orgId],
    );
    const policy: CachedPolicy = {
      at: Date.now(),
      allowlist: allowlistOf(row?.ip_allowlist ?? []),
      auditLevel: row?.audit_level ?? 'security',
    };
    this.#cache.set(orgId, policy);
    return policy;
  }

  /** Express middleware, after authentication: the allowlist, then the request's audit record. */
  middleware() {
    return (
      request: AuthenticatedHttpRequest & { weftAction?: string; id?: string },
      response: {
        statusCode: number;
        status(code: number): { json(body: unknown): void };
        on(event: 'finish', listener: () => void): void;
      },
      next: (error?: unknown) => void,
    ) => {
      const orgId = request.principal?.orgId;
      if (orgId === undefined) return next();
      void this.policy(orgId)
        .then((policy) => {
          if (!allows(policy.allowlist, request.ip)) {
            response.status(403).json({
              error: {
                code: 'IP_NOT_ALLOWED',
                message:
                  "your organization's IP allowlist does not include the address you connect from",
              },
            });
            this.#record(request, orgId, 'ip.allowlist', 'denied');
            return;
          }
          response.on('finish', () => {
            const action = request.weftAction;
            if (action === undefined || !isAction(action)) return;
            const status = response.statusCode;
            if (status === 403) return this.#record(request, orgId, action, 'denied');
            if (SELF_AUDITED.has(action) || status >= 400) return;
            const write = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
            if ((write && policy.auditLevel !== 'security') || policy.auditLevel === 'reads') {
              this.#record(request, orgId, action, 'succeeded');
            }
          });
          next();
        })
        .catch(next);
    };
  }

  #record(
    request: AuthenticatedHttpRequest & { id?: string },
    orgId: string,
    action: string,
    outcome: 'denied' | 'succeeded',
  ): void {
    const principal = request.principal!;
    const known = isAction(action);
    void recordAudit(this.db, [
      {
        orgId,
        actor: {
          type: principal.kind === 'api_key' ? 'api_key' : 'user',
          id: principal.id ?? 'unknown',
        },
        // An allowlist refusal happens before any action is chosen: recorded under session.read.
        action: known ? action : 'session.read',
        target: { type: 'request', id: `${request.method} ${(request.path ?? '').slice(0, 200)}` },
        outcome,
        ...(request.ip !== undefined && normaliseAddress(request.ip)
          ? { ip: normaliseAddress(request.ip)!.address }
          : {}),
        ...(typeof request.id === 'string' ? { requestId: request.id } : {}),
        details: known ? {} : { refused: action },
      },
    ]).catch((error: unknown) =>
      this.logger.error('recording a request in the audit trail failed', { err: error }),
    );
  }
}
