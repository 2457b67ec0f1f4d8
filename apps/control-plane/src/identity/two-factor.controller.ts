import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Req,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { requireSession, type AuthenticatedHttpRequest } from './authentication.js';
import { secondFactor } from './session.controller.js';
import { ConfirmTotpRequest, SecondFactorRequest } from './session.dto.js';
import type { ActiveSession } from './sessions.js';
import { Sessions } from './sessions.js';
import { TwoFactor, TwoFactorError, type TotpEnrolment } from './two-factor.js';

/**
 * A person's own two-factor authentication. Only a signed-in session manages it (never an API
 * key), and removing it or renewing recovery codes takes a second factor, so a stolen session
 * cookie alone cannot turn it off.
 */
@ApiTags('two-factor')
@Controller(apiV1('auth/two-factor'))
export class TwoFactorController {
  constructor(
    @Inject(TwoFactor) private readonly twoFactor: TwoFactor,
    @Inject(Sessions) private readonly sessions: Sessions,
  ) {}

  @Get()
  @RequireAction('session.read')
  @ApiOperation({ summary: 'Whether two-factor authentication is on, and recovery codes left' })
  async status(
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<{ enabled: boolean; recoveryCodesLeft: number }> {
    const { userId } = sessionOf(request);
    return {
      enabled: await this.twoFactor.isEnabled(userId),
      recoveryCodesLeft: await this.twoFactor.recoveryCodesLeft(userId),
    };
  }

  @Post('totp')
  @HttpCode(201)
  @RequireAction('two_factor.manage')
  @ApiOperation({
    summary: 'Start enrolment: a new authenticator secret (shown once), in force once confirmed',
  })
  begin(@Req() request: AuthenticatedHttpRequest): Promise<TotpEnrolment> {
    return answer(() => this.twoFactor.begin(sessionOf(request).userId));
  }

  @Post('totp/confirm')
  @HttpCode(200)
  @RequireAction('two_factor.manage')
  @ApiOperation({
    summary: 'Confirm enrolment with a first code `{code}`: returns ten recovery codes, shown once',
  })
  async confirm(
    @Body() body: ConfirmTotpRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<{ recoveryCodes: string[] }> {
    const session = sessionOf(request);
    const recoveryCodes = await answer(() =>
      this.twoFactor.confirm(session.userId, body.code, request.ip),
    );
    // The code just proved the second factor: an organization requiring it lets this session act.
    await this.sessions.upgradeToSecondFactor(session.id);
    return { recoveryCodes };
  }

  @Post('recovery-codes')
  @HttpCode(200)
  @RequireAction('two_factor.manage')
  @ApiOperation({
    summary: 'New recovery codes (the old ones stop working), with `{code}` or `{recoveryCode}`',
  })
  async renewRecoveryCodes(
    @Body() body: SecondFactorRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<{ recoveryCodes: string[] }> {
    const { userId } = sessionOf(request);
    const recoveryCodes = await answer(() =>
      this.twoFactor.regenerateRecoveryCodes(userId, secondFactor(body)),
    );
    return { recoveryCodes };
  }

  @Post('disable')
  @HttpCode(204)
  @RequireAction('two_factor.manage')
  @ApiOperation({
    summary:
      'Turn two-factor off with `{code}` or `{recoveryCode}` (refused while an organization requires it)',
  })
  async disable(
    @Body() body: SecondFactorRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<void> {
    const { userId } = sessionOf(request);
    await answer(() => this.twoFactor.disable(userId, secondFactor(body), request.ip));
  }
}

function sessionOf(request: AuthenticatedHttpRequest): ActiveSession {
  return requireSession(request, 'two-factor authentication is managed');
}

async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!TwoFactorError.is(error)) throw error;
    const body = { code: error.code, message: error.message };
    throw error.code === 'TWO_FACTOR_CODE_INVALID'
      ? new BadRequestException(body)
      : new ConflictException(body);
  }
}
