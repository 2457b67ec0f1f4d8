import {
  BadRequestException,
  Body,
  ForbiddenException,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@weft/rbac';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { CSRF_COOKIE, SESSION_COOKIE, type AuthenticatedHttpRequest } from './authentication.js';
import { PasswordLogin } from './password-login.js';
import type { SessionRestriction } from './principals.js';
import {
  CompleteSignInRequest,
  SignInRequest,
  SwitchOrganizationRequest,
  type SecondFactorRequest,
} from './session.dto.js';
import { Sessions, type NewSession, type SessionAuthentication } from './sessions.js';
import { SignInChallenges } from './sign-in-challenges.js';
import { SignInLimiter } from './sign-in-limiter.js';
import { TwoFactor, type SecondFactor } from './two-factor.js';

export const SESSION_OPTIONS = Symbol.for('weft.control-plane.session-options');

export interface SessionCookieOptions {
  /** `Secure` cookies: on everywhere but plain-HTTP development. */
  secure: boolean;
}

export interface CookieResponse {
  cookie(name: string, value: string, options: Record<string, unknown>): void;
  clearCookie(name: string, options: Record<string, unknown>): void;
}

interface ClientRequest extends AuthenticatedHttpRequest {
  ip?: string;
}

interface SignedIn {
  userId: string;
  organizationId: string | null;
  csrfToken: string;
  expiresAt: string;
}

interface SecondFactorChallenge {
  secondFactorRequired: true;
  challengeToken: string;
  expiresAt: string;
}

function invalidCredentials(): UnauthorizedException {
  return new UnauthorizedException({
    code: 'INVALID_CREDENTIALS',
    message: 'email or password is wrong, or the account is temporarily locked',
  });
}

/** Exactly one of `code` and `recoveryCode`; a 400 naming the fields otherwise. */
export function secondFactor(body: SecondFactorRequest): SecondFactor {
  if ((body.code === undefined) === (body.recoveryCode === undefined)) {
    throw new BadRequestException({
      code: 'VALIDATION_FAILED',
      message: 'give exactly one of code and recoveryCode',
      details: { field: 'code' },
    });
  }
  return body.code !== undefined ? { code: body.code } : { recoveryCode: body.recoveryCode! };
}

/** The session cookie (HttpOnly) and the CSRF cookie the web client echoes in a header. */
export function setSessionCookies(
  response: CookieResponse,
  created: NewSession,
  options: SessionCookieOptions,
): void {
  const maxAge = created.session.absoluteExpiresAt.getTime() - Date.now();
  const common = { secure: options.secure, sameSite: 'strict', path: '/', maxAge };
  response.cookie(SESSION_COOKIE, created.token, { ...common, httpOnly: true });
  response.cookie(CSRF_COOKIE, created.csrfToken, { ...common, httpOnly: false });
}

/** Sign in with email and password (and a second factor), read the session, sign out. */
@ApiTags('sessions')
@Controller(apiV1('auth'))
export class SessionController {
  constructor(
    @Inject(PasswordLogin) private readonly login: PasswordLogin,
    @Inject(Sessions) private readonly sessions: Sessions,
    @Inject(SignInLimiter) private readonly limiter: SignInLimiter,
    @Inject(SESSION_OPTIONS) private readonly options: SessionCookieOptions,
    @Inject(TwoFactor) private readonly twoFactor: TwoFactor,
    @Inject(SignInChallenges) private readonly challenges: SignInChallenges,
  ) {}

  @Post('login')
  @HttpCode(200)
  @RequireAction('session.create')
  @ApiOperation({
    summary:
      'Sign in: sets the session cookie and returns the CSRF token, or (two-factor on) a challenge for the second factor',
  })
  async signIn(
    @Body() body: SignInRequest,
    @Req() request: ClientRequest,
    @Res({ passthrough: true }) response: CookieResponse,
  ): Promise<SignedIn | SecondFactorChallenge> {
    const { email, password } = body;
    const ip = this.#throttle(request);
    const outcome = await this.login.attempt(email, password, ip !== undefined ? { ip } : {});
    if (!outcome.ok) {
      if (outcome.reason === 'sso-required') {
        // Only after the right password: telling it earlier would reveal the account.
        throw new ForbiddenException({
          code: 'SINGLE_SIGN_ON_REQUIRED',
          message: `your organization signs in through its identity provider: GET /${apiV1(`auth/sso/${outcome.orgSlug}`)}`,
        });
      }
      if (outcome.reason === 'password-expired') {
        throw new ForbiddenException({
          code: 'PASSWORD_EXPIRED',
          message: `your organization asks for a new password every ${outcome.maxAgeDays} days: reset it with the link sent by POST /${apiV1('auth/password-reset')}`,
        });
      }
      if (outcome.reason === 'email-unverified') {
        throw new ForbiddenException({
          code: 'EMAIL_NOT_VERIFIED',
          message:
            'confirm your email address first with the link we sent (resetting your password sends a new one)',
        });
      }
      throw invalidCredentials();
    }
    if (await this.twoFactor.isEnabled(outcome.userId)) {
      const challenge = await this.challenges.create({
        userId: outcome.userId,
        orgId: outcome.orgId,
      });
      return {
        secondFactorRequired: true,
        challengeToken: challenge.token,
        expiresAt: challenge.expiresAt.toISOString(),
      };
    }
    return this.#issue(outcome.userId, outcome.orgId, request, response, { method: 'password' });
  }

  @Post('login/second-factor')
  @HttpCode(200)
  @RequireAction('session.create')
  @ApiOperation({
    summary:
      'Finish signing in with `{challengeToken, code}` or `{challengeToken, recoveryCode}`: sets the session cookie',
  })
  async completeSignIn(
    @Body() body: CompleteSignInRequest,
    @Req() request: ClientRequest,
    @Res({ passthrough: true }) response: CookieResponse,
  ): Promise<SignedIn> {
    this.#throttle(request);
    const factor = secondFactor(body);
    const pending = await this.challenges.complete(body.challengeToken, factor);
    if (pending === undefined) {
      throw new UnauthorizedException({
        code: 'SECOND_FACTOR_INVALID',
        message:
          'the code is wrong or already used, or the sign-in expired (five minutes, five tries): sign in again',
      });
    }
    const method = 'recoveryCode' in factor ? 'recovery_code' : 'totp';
    return this.#issue(pending.userId, pending.orgId, request, response, { method });
  }

  #throttle(request: ClientRequest): string | undefined {
    const ip = request.ip;
    if (!this.limiter.allow(ip ?? 'unknown')) {
      throw new HttpException(
        {
          code: 'RATE_LIMITED',
          message: 'too many sign-in attempts from this address; wait a minute',
        },
        429,
      );
    }
    return ip;
  }

  /** Creates the session and sets its cookies (the one way a sign-in of any kind ends). */
  async #issue(
    userId: string,
    orgId: string | null,
    request: ClientRequest,
    response: CookieResponse,
    auth: SessionAuthentication,
  ): Promise<SignedIn> {
    const ip = request.ip;
    const userAgent = request.headers['user-agent'];
    const created = await this.sessions.create(
      userId,
      orgId,
      {
        ...(ip !== undefined ? { ip } : {}),
        ...(typeof userAgent === 'string' ? { userAgent } : {}),
      },
      auth,
    );
    setSessionCookies(response, created, this.options);
    return {
      userId,
      organizationId: orgId,
      csrfToken: created.csrfToken,
      expiresAt: created.session.absoluteExpiresAt.toISOString(),
    };
  }

  @Get('session')
  @RequireAction('session.read')
  @ApiOperation({ summary: 'Who is signed in, in which organization, with which access' })
  current(@Req() request: ClientRequest): {
    principal: Principal;
    expiresAt: string | null;
    restriction: SessionRestriction | null;
  } {
    const principal = request.principal;
    if (principal === undefined) throw new UnauthorizedException();
    return {
      principal,
      expiresAt: request.session?.absoluteExpiresAt.toISOString() ?? null,
      // Why the session cannot act in its organization yet (its policy), if it cannot.
      restriction: request.restriction ?? null,
    };
  }

  @Post('session/organization')
  @HttpCode(200)
  @RequireAction('session.manage')
  @ApiOperation({ summary: 'Act in another of your organizations: `{organizationId}`' })
  async switchOrganization(
    @Body() body: SwitchOrganizationRequest,
    @Req() request: ClientRequest,
  ): Promise<{ organizationId: string }> {
    const session = request.session;
    if (session === undefined) {
      throw new ForbiddenException({
        code: 'FORBIDDEN',
        message: 'only a signed-in session can switch organization (an API key is bound to one)',
      });
    }
    const { organizationId } = body;
    if (!(await this.sessions.switchOrganization(session.id, session.userId, organizationId))) {
      // The same answer for an organization that exists and one that does not.
      throw new ForbiddenException({
        code: 'NOT_A_MEMBER',
        message: 'you are not a member of that organization',
      });
    }
    return { organizationId };
  }

  @Post('logout')
  @HttpCode(204)
  @RequireAction('session.manage')
  @ApiOperation({ summary: 'Sign out: the session ends at once, everywhere it is used' })
  async signOut(
    @Req() request: ClientRequest,
    @Res({ passthrough: true }) response: CookieResponse,
  ): Promise<void> {
    if (request.session !== undefined) await this.sessions.revoke(request.session.id, 'sign-out');
    const common = { secure: this.options.secure, sameSite: 'strict', path: '/' };
    response.clearCookie(SESSION_COOKIE, { ...common, httpOnly: true });
    response.clearCookie(CSRF_COOKIE, common);
  }
}
