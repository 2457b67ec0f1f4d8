import {
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
import { SignInRequest, SwitchOrganizationRequest } from './session.dto.js';
import { Sessions } from './sessions.js';
import { SignInLimiter } from './sign-in-limiter.js';

export const SESSION_OPTIONS = Symbol.for('weft.control-plane.session-options');

export interface SessionCookieOptions {
  /** `Secure` cookies: on everywhere but plain-HTTP development. */
  secure: boolean;
}

interface CookieResponse {
  cookie(name: string, value: string, options: Record<string, unknown>): void;
  clearCookie(name: string, options: Record<string, unknown>): void;
}

interface ClientRequest extends AuthenticatedHttpRequest {
  ip?: string;
}

/** Sign in with email and password, read the session, sign out. */
@ApiTags('sessions')
@Controller(apiV1('auth'))
export class SessionController {
  constructor(
    @Inject(PasswordLogin) private readonly login: PasswordLogin,
    @Inject(Sessions) private readonly sessions: Sessions,
    @Inject(SignInLimiter) private readonly limiter: SignInLimiter,
    @Inject(SESSION_OPTIONS) private readonly options: SessionCookieOptions,
  ) {}

  @Post('login')
  @HttpCode(200)
  @RequireAction('session.create')
  @ApiOperation({ summary: 'Sign in: sets the session cookie and returns the CSRF token' })
  async signIn(
    @Body() body: SignInRequest,
    @Req() request: ClientRequest,
    @Res({ passthrough: true }) response: CookieResponse,
  ): Promise<{
    userId: string;
    organizationId: string | null;
    csrfToken: string;
    expiresAt: string;
  }> {
    const { email, password } = body;
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
    const outcome = await this.login.attempt(email, password, ip !== undefined ? { ip } : {});
    if (!outcome.ok) {
      throw new UnauthorizedException({
        code: 'INVALID_CREDENTIALS',
        message: 'email or password is wrong, or the account is temporarily locked',
      });
    }
    const userAgent = request.headers['user-agent'];
    const created = await this.sessions.create(outcome.userId, outcome.orgId, {
      ...(ip !== undefined ? { ip } : {}),
      ...(typeof userAgent === 'string' ? { userAgent } : {}),
    });
    const maxAge = created.session.absoluteExpiresAt.getTime() - Date.now();
    const common = { secure: this.options.secure, sameSite: 'strict', path: '/', maxAge };
    response.cookie(SESSION_COOKIE, created.token, { ...common, httpOnly: true });
    response.cookie(CSRF_COOKIE, created.csrfToken, { ...common, httpOnly: false });
    return {
      userId: outcome.userId,
      organizationId: outcome.orgId,
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
  } {
    const principal = request.principal;
    if (principal === undefined) throw new UnauthorizedException();
    return { principal, expiresAt: request.session?.absoluteExpiresAt.toISOString() ?? null };
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
