import passport from 'passport';
import { Strategy as OpenIdConnectStrategy } from 'passport-openidconnect';
import { apiV1 } from '../../http/api-path.js';
import type { IdentityProviderForSignIn, IdentityProviders } from './identity-providers.js';
import type { LoginStateStore, StateRequest } from './login-state-store.js';

/** Who the identity provider says signed in, for which organization. */
export interface SsoIdentity {
  orgId: string;
  issuer: string;
  subject: string;
  email?: string;
  /** Only a verified email may link to, or create, a Weft account. */
  emailVerified: boolean;
  firstName?: string;
  lastName?: string;
}

export const OIDC_STRATEGY = 'weft-oidc';

type PassportRequest = StateRequest & { params?: Record<string, string | undefined> };

/** The claims of an ID token passport-openidconnect has already checked (iss, aud, exp, nonce). */
function claimsOf(idToken: string): Record<string, unknown> {
  const payload = idToken.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function text(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined;
}

/**
 * One passport strategy for every organization: the organization comes from the route
 * (`/auth/sso/:orgSlug`), its provider settings from the database, and the OpenID Connect work
 * (authorization redirect, state, code exchange, ID token checks) from passport-openidconnect,
 * configured per request. The ID token is taken from the token endpoint over a direct,
 * server-verified connection (OpenID Connect Core §3.1.3.7), where its claims are checked.
 */
export class OrganizationOidcStrategy extends passport.Strategy {
  override name = OIDC_STRATEGY;

  constructor(
    readonly providers: IdentityProviders,
    readonly states: LoginStateStore,
    readonly options: { trustProxy: boolean },
  ) {
    super();
  }

  override authenticate(
    this: passport.StrategyCreated<OrganizationOidcStrategy>,
    incoming: Parameters<passport.Strategy['authenticate']>[0],
  ): void {
    const request = incoming as unknown as PassportRequest;
    const slug = request.params?.orgSlug ?? '';
    this.providers
      .forSignIn(slug)
      .then((provider: IdentityProviderForSignIn) => {
        request.ssoOrgId = provider.orgId;
        const inner = new OpenIdConnectStrategy(
          {
            issuer: provider.issuer,
            authorizationURL: provider.endpoints.authorizationURL,
            tokenURL: provider.endpoints.tokenURL,
            // Not called (skipUserProfile): the ID token's claims are enough.
            userInfoURL: provider.endpoints.userInfoURL ?? provider.endpoints.tokenURL,
            clientID: provider.clientId,
            clientSecret: provider.clientSecret,
            callbackURL: `/${apiV1(`auth/sso/${slug}/callback`)}`,
            scope: ['openid', 'email', 'profile'],
            nonce: 'true',
            store: this.states as never,
            proxy: this.options.trustProxy,
            skipUserProfile: true,
          },
          (
            issuer: string,
            _profile: unknown,
            _context: object,
            idToken: string | object,
            done: (error: Error | null, user?: SsoIdentity) => void,
          ) => {
            const claims = claimsOf(String(idToken));
            const email = text(claims.email, 320)?.toLowerCase();
            const firstName = text(claims.given_name, 200);
            const lastName = text(claims.family_name, 200);
            done(null, {
              orgId: provider.orgId,
              issuer,
              subject: String(claims.sub).slice(0, 255),
              ...(email !== undefined ? { email } : {}),
              emailVerified: claims.email_verified === true,
              ...(firstName !== undefined ? { firstName } : {}),
              ...(lastName !== undefined ? { lastName } : {}),
            });
          },
        );
        // The inner strategy reports through this one's actions, as passport bound them.
        const delegate = Object.assign(Object.create(inner) as typeof inner, {
          success: this.success.bind(this),
          fail: this.fail.bind(this),
          redirect: this.redirect.bind(this),
          error: this.error.bind(this),
          pass: this.pass.bind(this),
        });
        delegate.authenticate(request as never, {});
      })
      .catch((error: unknown) =>
        this.error(error instanceof Error ? error : new Error(String(error))),
      );
  }
}
