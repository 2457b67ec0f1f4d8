import {
  BadGatewayException,
  Controller,
  ForbiddenException,
  Get,
  Inject,
  Injectable,
  NotFoundException,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireAction, SERVICE_LOGGER } from '@weft/server-kit';
import type { Logger } from '@weft/log-schema';
import { apiV1 } from '../../http/api-path.js';
import type { AuthenticatedHttpRequest } from '../authentication.js';
import { continueCliLogin } from '../cli-login.controller.js';
import { CliLogins } from '../cli-login.js';
import {
  SESSION_OPTIONS,
  setSessionCookies,
  type CookieResponse,
  type SessionCookieOptions,
} from '../session.controller.js';
import { Sessions } from '../sessions.js';
import { SsoError } from './identity-providers.js';
import { SSO_STATE_COOKIE } from './login-state-store.js';
import { OIDC_STRATEGY, type SsoIdentity } from './organization-oidc-strategy.js';
import { SsoSignIn, type SsoRefusal } from './sso-sign-in.js';

const REFUSALS: Record<SsoRefusal, string> = {
  'not-a-member':
    'you are not a member of this organization; ask one of its administrators to invite you',
  'email-unverified':
    'the identity provider did not confirm your email address, so no Weft account can be matched',
  'account-outside-organization':
    'a Weft account with your email exists but is not a member of this organization; ask an administrator to invite it',
};

/** Runs the organization's OpenID Connect sign-in; failures answer in the API's error shape. */
@Injectable()
export class OidcSignInGuard extends AuthGuard(OIDC_STRATEGY) {
  constructor(@Inject(SERVICE_LOGGER) private readonly logger: Logger) {
    super();
  }

  override getAuthenticateOptions() {
    return { session: false };
  }

  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    if (SsoError.is(error)) {
      // SSO_NOT_CONFIGURED, for an unknown organization too: nothing to sign in to here.
      throw new NotFoundException({ code: error.code, message: error.message });
    }
    if (error) {
      // The provider's own words may carry details for its operators, not for the browser.
      this.logger.warn('single sign-on failed at the identity provider', { err: error });
      throw new BadGatewayException({
        code: 'SSO_PROVIDER_FAILED',
        message:
          'the identity provider could not complete the sign-in; try again or ask an administrator',
      });
    }
    if (!user) {
      const message =
        typeof info === 'object' &&
        info !== null &&
        typeof (info as { message?: unknown }).message === 'string'
          ? (info as { message: string }).message
          : 'the identity provider did not sign you in';
      throw new UnauthorizedException({ code: 'SSO_FAILED', message });
    }
    return user;
  }
}

interface RedirectResponse extends CookieResponse {
  redirect(status: number, url: string): void;
}

/** Sign in through an organization's identity provider. */
@ApiTags('sessions')
@Controller(apiV1('auth/sso/:orgSlug'))
export class SsoController {
  constructor(
    @Inject(SsoSignIn) private readonly signIn: SsoSignIn,
    @Inject(Sessions) private readonly sessions: Sessions,
    @Inject(SESSION_OPTIONS) private readonly options: SessionCookieOptions,
    @Inject(CliLogins) private readonly cliLogins: CliLogins,
  ) {}

  @Get()
  @RequireAction('session.create')
  @UseGuards(OidcSignInGuard)
  @ApiOperation({
    summary: "Start signing in at the organization's identity provider (a redirect)",
  })
  start(): void {
    // The guard has answered with the redirect to the provider.
  }

  @Get('callback')
  @RequireAction('session.create')
  @UseGuards(OidcSignInGuard)
  @ApiOperation({
    summary: 'Where the identity provider sends the browser back: sets the session cookie',
  })
  async callback(
    @Req() request: AuthenticatedHttpRequest & { user?: SsoIdentity },
    @Res() response: RedirectResponse,
  ): Promise<void> {
    const identity = request.user!;
    const ip = request.ip;
    const outcome = await this.signIn.complete(identity, ip !== undefined ? { ip } : {});
    response.clearCookie(SSO_STATE_COOKIE, { path: `/${apiV1('auth/sso')}` });
    // `weft login --sso`: the browser goes on to the CLI's loopback listener with a one-time
    // code, and gets no session of its own.
    const cli = await continueCliLogin(
      this.cliLogins,
      request,
      response,
      outcome.ok ? { userId: outcome.userId, orgId: identity.orgId } : undefined,
    );
    if (cli !== undefined) return response.redirect(302, cli.href);
    if (!outcome.ok) {
      throw new ForbiddenException({
        code: 'SSO_ACCOUNT_REFUSED',
        message: REFUSALS[outcome.reason],
      });
    }
    const userAgent = request.headers['user-agent'];
    const created = await this.sessions.create(
      outcome.userId,
      identity.orgId,
      {
        ...(ip !== undefined ? { ip } : {}),
        ...(typeof userAgent === 'string' ? { userAgent } : {}),
      },
      { method: 'oidc', ssoOrgId: identity.orgId },
    );
    setSessionCookies(response, created, this.options);
    response.redirect(302, '/');
  }
}
