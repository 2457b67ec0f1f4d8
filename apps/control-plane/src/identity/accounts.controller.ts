import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  HttpException,
  Inject,
  Post,
  Req,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { AccountError, Accounts } from './accounts.js';
import {
  ChangePasswordRequest,
  CompletePasswordResetRequest,
  PasswordResetRequest,
  RegisterRequest,
  TokenRequest,
} from './account.dto.js';
import { requireSession, type AuthenticatedHttpRequest } from './authentication.js';
import { SignInLimiter } from './sign-in-limiter.js';

const CHECK_MAIL = {
  message:
    'if the address can receive it, a message with a link is on its way; it is valid for a limited time',
};

async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!AccountError.is(error)) throw error;
    throw new BadRequestException({
      code: error.code,
      message: error.message,
      ...(error.field !== undefined ? { details: { field: error.field } } : {}),
    });
  }
}

/** Registration, email verification, password reset and change. */
@ApiTags('accounts')
@Controller(apiV1('auth'))
export class AccountsController {
  constructor(
    @Inject(Accounts) private readonly accounts: Accounts,
    @Inject(SignInLimiter) private readonly limiter: SignInLimiter,
  ) {}

  #throttle(request: AuthenticatedHttpRequest): void {
    if (!this.limiter.allow(request.ip ?? 'unknown')) {
      throw new HttpException(
        { code: 'RATE_LIMITED', message: 'too many attempts from this address; wait a minute' },
        429,
      );
    }
  }

  @Post('register')
  @HttpCode(202)
  @RequireAction('account.register')
  @ApiOperation({
    summary:
      'Register: `{email, password, firstName, lastName, phone?, company?, address?, website?}`; a link to confirm the email follows by mail',
  })
  async register(
    @Body() body: RegisterRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<typeof CHECK_MAIL> {
    this.#throttle(request);
    await answer(() => this.accounts.register(body));
    return CHECK_MAIL;
  }

  @Post('verify-email')
  @HttpCode(204)
  @RequireAction('account.register')
  @ApiOperation({ summary: 'Confirm an email address with the token from the mailed link' })
  async verifyEmail(
    @Body() body: TokenRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<void> {
    this.#throttle(request);
    await answer(() => this.accounts.verifyEmail(body.token));
  }

  @Post('password-reset')
  @HttpCode(202)
  @RequireAction('account.register')
  @ApiOperation({
    summary: 'Ask for a password reset link: `{email}` (the same answer for every address)',
  })
  async requestReset(
    @Body() body: PasswordResetRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<typeof CHECK_MAIL> {
    this.#throttle(request);
    await this.accounts.requestPasswordReset(body.email);
    return CHECK_MAIL;
  }

  @Post('password-reset/complete')
  @HttpCode(204)
  @RequireAction('account.register')
  @ApiOperation({
    summary: 'Set a new password with the mailed token: `{token, password}`; ends every session',
  })
  async completeReset(
    @Body() body: CompletePasswordResetRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<void> {
    this.#throttle(request);
    await answer(() => this.accounts.resetPassword(body.token, body.password, request.ip));
  }

  @Post('password')
  @HttpCode(204)
  @RequireAction('account.manage')
  @ApiOperation({
    summary: 'Change your password: `{currentPassword, password}`; your other sessions end',
  })
  async changePassword(
    @Body() body: ChangePasswordRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<void> {
    const session = requireSession(request, 'a password is changed');
    this.#throttle(request);
    await answer(() =>
      this.accounts.changePassword(
        session.userId,
        session.id,
        body.currentPassword,
        body.password,
        request.ip,
      ),
    );
  }
}
