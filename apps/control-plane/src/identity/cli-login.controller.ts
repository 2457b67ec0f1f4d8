import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  HttpException,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { readCookie, type AuthenticatedHttpRequest } from './authentication.js';
import { CliSsoStartQuery, CliTokenRequest } from './cli-login.dto.js';
import {
  CliLoginError,
  CliLogins,
  type CliLoginErrorCode,
  type CliLoginToken,
} from './cli-login.js';
import {
  SESSION_OPTIONS,
  type CookieResponse,
  type SessionCookieOptions,
} from './session.controller.js';
import { SignInLimiter } from './sign-in-limiter.js';

/** Names the browser's pending CLI login between the start and the SSO callback. */
export const CLI_LOGIN_COOKIE = 'weft_cli_login';
/** Sent to the CLI start and to every SSO callback (`/api/v1/auth/sso/:orgSlug/callback`). */
const CLI_LOGIN_COOKIE_PATH = `/${apiV1('auth')}`;
const PENDING_MS = 600_000;

interface RedirectResponse extends CookieResponse {
  redirect(status: number, url: string): void;
}

const STATUS: Record<CliLoginErrorCode, (body: object) => HttpException> = {
  SSO_NOT_CONFIGURED: (body) => new NotFoundException(body),
  CLI_LOGIN_CODE_INVALID: (body) => new BadRequestException(body),
  CLI_LOGIN_NO_ACCESS: (body) => new ForbiddenException(body),
};

async function cliLoginCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!CliLoginError.is(error)) throw error;
    throw STATUS[error.code]({ code: error.code, message: error.message });
  }
}

/**
 * The SSO callback's turn: when the browser carries a pending CLI login, the code for it and the
 * redirect to the CLI's loopback listener instead of a browser session. Clears the cookie in any
 * case (a login is finished by one sign-in, successful or not).
 */
export async function continueCliLogin(
  logins: Pick<CliLogins, 'issueCode'>,
  request: Pick<AuthenticatedHttpRequest, 'headers'>,
  response: CookieResponse,
  signedIn: { userId: string; orgId: string } | undefined,
): Promise<URL | undefined> {
  const handle = readCookie(request.headers.cookie, CLI_LOGIN_COOKIE);
  if (handle === undefined) return undefined;
  response.clearCookie(CLI_LOGIN_COOKIE, { path: CLI_LOGIN_COOKIE_PATH });
  if (signedIn === undefined) return undefined;
  return logins.issueCode(handle, signedIn.userId, signedIn.orgId);
}

/** `weft login --sso`: browser single sign-on that hands the command line an API key. */
@ApiTags('sessions')
@Controller(apiV1('auth/cli'))
export class CliLoginController {
  constructor(
    @Inject(CliLogins) private readonly logins: CliLogins,
    @Inject(SignInLimiter) private readonly limiter: SignInLimiter,
    @Inject(SESSION_OPTIONS) private readonly options: SessionCookieOptions,
  ) {}

  @Get('sso/:orgSlug')
  @RequireAction('session.create')
  @ApiOperation({
    summary:
      "Start a CLI sign-in (opened by `weft login --sso`): remembers the CLI's loopback port, state and PKCE challenge, then redirects to the organization's single sign-on",
  })
  async start(
    @Param('orgSlug') orgSlug: string,
    @Query() query: CliSsoStartQuery,
    @Req() request: AuthenticatedHttpRequest,
    @Res() response: RedirectResponse,
  ): Promise<void> {
    this.#throttle(request);
    const { handle } = await cliLoginCall(() =>
      this.logins.start(orgSlug, {
        port: query.port,
        state: query.state,
        challenge: query.challenge,
      }),
    );
    response.cookie(CLI_LOGIN_COOKIE, handle, {
      httpOnly: true,
      secure: this.options.secure,
      // Lax: the SSO callback that reads it is a top-level navigation from the provider's site.
      sameSite: 'lax',
      path: CLI_LOGIN_COOKIE_PATH,
      maxAge: PENDING_MS,
    });
    response.redirect(302, `/${apiV1(`auth/sso/${orgSlug}`)}`);
  }

  @Post('token')
  @HttpCode(200)
  @RequireAction('session.create')
  @ApiOperation({
    summary:
      'Trade the one-time code and PKCE verifier `{code, verifier}` for an API key with your roles (30 days); the token is shown once',
  })
  async token(
    @Body() body: CliTokenRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<CliLoginToken> {
    const ip = this.#throttle(request);
    return cliLoginCall(() =>
      this.logins.exchange(body.code, body.verifier, ip !== undefined ? { ip } : {}),
    );
  }

  #throttle(request: AuthenticatedHttpRequest): string | undefined {
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
}
