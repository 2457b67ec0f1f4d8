import type { DataSource } from 'typeorm';
import { recordAudit, type AuditActor } from '../../audit/audit-trail.js';
import { changeRows, selectRows } from '../../database/sql.js';
import { asOrgId, inTenant, type OrgId } from '../../database/tenant.js';
import { bindingFor, encryptedColumn } from '../../keys/encrypted-columns.js';
import type { OrgKeys } from '../../keys/org-keys.js';

const SECRET_COLUMN = encryptedColumn('org_identity_providers', 'client_secret_ciphertext');
const SSO_ERROR = Symbol.for('weft.control-plane.sso-error');

export type SsoErrorCode =
  'SSO_SETTINGS_INVALID' | 'SSO_DISCOVERY_FAILED' | 'SSO_NOT_CONFIGURED' | 'SSO_ROLE_UNKNOWN';

/** A refused single sign-on setting or sign-in; `code` is the API's error code. */
export class SsoError extends Error {
  readonly [SSO_ERROR] = true;
  constructor(
    readonly code: SsoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SsoError';
  }
  static is(value: unknown): value is SsoError {
    return typeof value === 'object' && value !== null && SSO_ERROR in value;
  }
}

/** The identity provider's endpoints, from its discovery document. */
export interface ProviderEndpoints {
  issuer: string;
  authorizationURL: string;
  tokenURL: string;
  userInfoURL?: string;
}

/** An organization's identity provider as the API shows it: never the client secret. */
export interface IdentityProviderSettings {
  issuer: string;
  clientId: string;
  /** New members signing in for the first time get this role (just-in-time provisioning); null: off. */
  jitRoleId: string | null;
  /** When true, members sign in only through this provider (password sign-in is off for them). */
  enforced: boolean;
  updatedAt: string;
}

/** What the sign-in needs: the settings, the decrypted secret and the endpoints. */
export interface IdentityProviderForSignIn extends IdentityProviderSettings {
  orgId: OrgId;
  slug: string;
  clientSecret: string;
  endpoints: ProviderEndpoints;
}

export interface IdentityProviderInput {
  issuer: string;
  clientId: string;
  /** Required when there is no provider yet; omitted: the stored secret is kept. */
  clientSecret?: string;
  jitRoleId?: string | null;
  enforced?: boolean;
}

const DISCOVERY_TTL_MS = 10 * 60_000;
const DISCOVERY_TIMEOUT_MS = 5_000;
const MAX_DISCOVERY_BYTES = 256 * 1024;

/**
 * https everywhere; plain http only to this machine, and only where the installation allows it
 * (development, the test provider): otherwise an administrator could make the control plane
 * probe services on its own loopback interface.
 */
export function checkIssuer(issuer: string, allowLoopback: boolean): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new SsoError('SSO_SETTINGS_INVALID', 'issuer must be an absolute URL');
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (loopback && !allowLoopback) {
    throw new SsoError('SSO_SETTINGS_INVALID', 'issuer must not be on the control plane host');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new SsoError('SSO_SETTINGS_INVALID', 'issuer must use https');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new SsoError(
      'SSO_SETTINGS_INVALID',
      'issuer must not carry credentials, a query or a fragment',
    );
  }
  return url;
}

/**
 * Per-organization OpenID Connect settings. The client secret is encrypted with the
 * organization's data key, bound to its row; the endpoints come from the provider's discovery
 * document (checked when the settings are saved, cached for ten minutes after).
 */
export class IdentityProviders {
  readonly #discovered = new Map<string, { at: number; endpoints: ProviderEndpoints }>();

  constructor(
    private readonly db: DataSource,
    private readonly keys: OrgKeys,
    private readonly options: { allowLoopbackIssuers: boolean },
  ) {}

  async read(orgId: OrgId): Promise<IdentityProviderSettings | undefined> {
    return inTenant(this.db, orgId, async (tx) => {
      const [row] = (await tx.query(
        `SELECT issuer, client_id, jit_role_id, enforced, updated_at
         FROM org_identity_providers WHERE org_id = $1`,
        [orgId],
      )) as ProviderRow[];
      return row && settingsOf(row);
    });
  }

  async save(
    orgId: OrgId,
    input: IdentityProviderInput,
    actor: AuditActor,
    ip?: string,
  ): Promise<IdentityProviderSettings> {
    checkIssuer(input.issuer, this.options.allowLoopbackIssuers);
    // As given: the ID token's iss must equal it character for character.
    const issuer = input.issuer;
    // Before anything is stored: settings that cannot sign anyone in are refused now.
    await this.discover(issuer, { fresh: true });
    return inTenant(this.db, orgId, async (tx) => {
      if (input.jitRoleId !== undefined && input.jitRoleId !== null) {
        const roles = (await tx.query(`SELECT 1 FROM roles WHERE org_id = $1 AND id = $2`, [
          orgId,
          input.jitRoleId,
        ])) as unknown[];
        if (roles.length === 0) {
          throw new SsoError('SSO_ROLE_UNKNOWN', 'jitRoleId is not a role of this organization');
        }
      }
      const [existing] = (await tx.query(
        `SELECT jit_role_id, enforced FROM org_identity_providers WHERE org_id = $1 FOR UPDATE`,
        [orgId],
      )) as Array<{ jit_role_id: string | null; enforced: boolean }>;
      if (existing === undefined && input.clientSecret === undefined) {
        throw new SsoError('SSO_SETTINGS_INVALID', 'clientSecret is required');
      }
      const jitRoleId =
        input.jitRoleId !== undefined ? input.jitRoleId : (existing?.jit_role_id ?? null);
      const enforced = input.enforced ?? existing?.enforced ?? false;
      if (input.clientSecret !== undefined) {
        const { ciphertext, keyVersion } = await this.keys.encrypt(
          tx,
          bindingFor(SECRET_COLUMN, orgId, orgId),
          input.clientSecret,
        );
        await tx.query(
          `INSERT INTO org_identity_providers
             (org_id, issuer, client_id, client_secret_ciphertext, key_version, jit_role_id, enforced)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (org_id) DO UPDATE SET issuer = $2, client_id = $3,
             client_secret_ciphertext = $4, key_version = $5, jit_role_id = $6, enforced = $7,
             updated_at = now()`,
          [orgId, issuer, input.clientId, ciphertext, keyVersion, jitRoleId, enforced],
        );
      } else {
        await tx.query(
          `UPDATE org_identity_providers SET issuer = $2, client_id = $3, jit_role_id = $4,
             enforced = $5, updated_at = now() WHERE org_id = $1`,
          [orgId, issuer, input.clientId, jitRoleId, enforced],
        );
      }
      await recordAudit(tx, [
        {
          orgId,
          actor,
          action: 'policy.manage',
          target: { type: 'identity_provider', id: orgId },
          outcome: 'succeeded',
          ...(ip !== undefined ? { ip } : {}),
          details: {
            sso: existing === undefined ? 'configured' : 'changed',
            issuer,
            enforced,
            secretChanged: input.clientSecret !== undefined,
          },
        },
      ]);
      const [row] = (await tx.query(
        `SELECT issuer, client_id, jit_role_id, enforced, updated_at
         FROM org_identity_providers WHERE org_id = $1`,
        [orgId],
      )) as ProviderRow[];
      return settingsOf(row!);
    });
  }

  async remove(orgId: OrgId, actor: AuditActor, ip?: string): Promise<boolean> {
    return inTenant(this.db, orgId, async (tx) => {
      const { count } = await changeRows(
        tx,
        `DELETE FROM org_identity_providers WHERE org_id = $1`,
        [orgId],
      );
      if (count === 0) return false;
      await recordAudit(tx, [
        {
          orgId,
          actor,
          action: 'policy.manage',
          target: { type: 'identity_provider', id: orgId },
          outcome: 'succeeded',
          ...(ip !== undefined ? { ip } : {}),
          details: { sso: 'removed' },
        },
      ]);
      return true;
    });
  }

  /** Everything a sign-in at `slug` needs, or SSO_NOT_CONFIGURED (for an unknown slug too). */
  async forSignIn(slug: string): Promise<IdentityProviderForSignIn> {
    const notConfigured = new SsoError(
      'SSO_NOT_CONFIGURED',
      'this organization does not sign in through an identity provider',
    );
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) throw notConfigured;
    const [org] = await selectRows<{ id: string }>(
      this.db,
      `SELECT id FROM organizations WHERE slug = $1`,
      [slug],
    );
    if (org === undefined) throw notConfigured;
    const orgId = asOrgId(org.id);
    const row = await inTenant(this.db, orgId, async (tx) => {
      const [found] = (await tx.query(
        `SELECT issuer, client_id, client_secret_ciphertext, jit_role_id, enforced, updated_at
         FROM org_identity_providers WHERE org_id = $1`,
        [orgId],
      )) as Array<ProviderRow & { client_secret_ciphertext: string }>;
      if (found === undefined) return undefined;
      const secret = await this.keys.decrypt(
        bindingFor(SECRET_COLUMN, orgId, orgId),
        found.client_secret_ciphertext,
        tx,
      );
      return { ...found, clientSecret: secret.toString('utf8') };
    });
    if (row === undefined) throw notConfigured;
    return {
      ...settingsOf(row),
      orgId,
      slug,
      clientSecret: row.clientSecret,
      endpoints: await this.discover(row.issuer),
    };
  }

  /** The provider's endpoints from `<issuer>/.well-known/openid-configuration`. */
  async discover(issuer: string, options: { fresh?: boolean } = {}): Promise<ProviderEndpoints> {
    const cached = this.#discovered.get(issuer);
    if (cached !== undefined && !options.fresh && Date.now() - cached.at < DISCOVERY_TTL_MS) {
      return cached.endpoints;
    }
    const failed = (why: string) =>
      new SsoError('SSO_DISCOVERY_FAILED', `the identity provider's discovery document ${why}`);
    let document: Record<string, unknown>;
    try {
      checkIssuer(issuer, this.options.allowLoopbackIssuers);
      const response = await fetch(
        `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
        {
          redirect: 'error',
          signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
          headers: { accept: 'application/json' },
        },
      );
      if (!response.ok) throw failed(`answered HTTP ${response.status}`);
      const text = await response.text();
      if (text.length > MAX_DISCOVERY_BYTES) throw failed('is too large');
      document = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      if (SsoError.is(error)) throw error;
      throw failed('could not be read (is the issuer URL right and reachable?)');
    }
    const endpoint = (name: string): string | undefined => {
      const value = document[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string') throw failed(`has a ${name} that is not a URL`);
      try {
        checkIssuer(new URL(value).origin, this.options.allowLoopbackIssuers);
      } catch {
        throw failed(`has a ${name} that is not an https URL`);
      }
      return value;
    };
    if (document.issuer !== issuer) throw failed('names another issuer');
    const authorizationURL = endpoint('authorization_endpoint');
    const tokenURL = endpoint('token_endpoint');
    if (authorizationURL === undefined || tokenURL === undefined) {
      throw failed('lacks the authorization or token endpoint');
    }
    const userInfoURL = endpoint('userinfo_endpoint');
    const endpoints: ProviderEndpoints = {
      issuer,
      authorizationURL,
      tokenURL,
      ...(userInfoURL !== undefined ? { userInfoURL } : {}),
    };
    this.#discovered.set(issuer, { at: Date.now(), endpoints });
    return endpoints;
  }
}

interface ProviderRow {
  issuer: string;
  client_id: string;
  jit_role_id: string | null;
  enforced: boolean;
  updated_at: Date;
}

function settingsOf(row: ProviderRow): IdentityProviderSettings {
  return {
    issuer: row.issuer,
    clientId: row.client_id,
    jitRoleId: row.jit_role_id,
    enforced: row.enforced,
    updatedAt: row.updated_at.toISOString(),
  };
}
