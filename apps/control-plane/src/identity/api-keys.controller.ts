import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@weft/rbac';
import { RequireAction } from '@weft/server-kit';
import { asOrgId } from '../database/tenant.js';
import { apiV1 } from '../http/api-path.js';
import { ApiKeyError, ApiKeys, type ApiKeyMetadata } from './api-keys.js';

interface PrincipalRequest {
  principal?: Principal;
}

/** API keys for scripts and CI. People manage them; a key cannot mint or revoke keys. */
@ApiTags('api-keys')
@Controller(apiV1('organizations/:orgId/api-keys'))
export class ApiKeysController {
  constructor(@Inject(ApiKeys) private readonly keys: ApiKeys) {}

  @Post()
  @HttpCode(201)
  @RequireAction('api_key.manage')
  @ApiOperation({
    summary: 'Create a key: `{name, roleIds, expiresInDays?}`; the token is shown once',
  })
  create(
    @Param('orgId') orgId: string,
    @Req() request: PrincipalRequest,
    @Body() body: unknown,
  ): Promise<{ key: ApiKeyMetadata; token: string }> {
    const user = person(request);
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const unknown = Object.keys(input).filter(
      (k) => !['name', 'roleIds', 'expiresInDays'].includes(k),
    );
    if (unknown[0] !== undefined) {
      throw new BadRequestException({
        code: 'API_KEY_INVALID',
        message: `unknown field "${unknown[0]}"`,
      });
    }
    return keyCall(() =>
      this.keys.create(
        asOrgId(orgId),
        { type: 'user', id: user.id },
        {
          name: input.name as string,
          roleIds: input.roleIds as string[],
          ...(input.expiresInDays !== undefined
            ? { expiresInDays: input.expiresInDays as number }
            : {}),
        },
      ),
    );
  }

  @Get()
  @RequireAction('api_key.manage')
  @ApiOperation({ summary: 'List keys (yours; administrators: all). Never the secrets.' })
  async list(
    @Param('orgId') orgId: string,
    @Req() request: PrincipalRequest,
  ): Promise<{ keys: ApiKeyMetadata[] }> {
    const user = person(request);
    return { keys: await this.keys.list(asOrgId(orgId), { userId: user.id, admin: user.admin }) };
  }

  @Delete(':keyId')
  @HttpCode(204)
  @RequireAction('api_key.manage')
  @ApiOperation({ summary: 'Revoke a key: refused on its next call' })
  async revoke(
    @Param('orgId') orgId: string,
    @Param('keyId') keyId: string,
    @Req() request: PrincipalRequest,
  ): Promise<void> {
    const user = person(request);
    await keyCall(() =>
      this.keys.revoke(asOrgId(orgId), keyId, { type: 'user', id: user.id }, user.admin),
    );
  }
}

function person(request: PrincipalRequest): { id: string; admin: boolean } {
  const principal = request.principal;
  if (principal?.kind !== 'user' || principal.id === undefined) {
    throw new ForbiddenException({
      code: 'FORBIDDEN',
      message: 'API keys are managed by people, not by other keys',
    });
  }
  return { id: principal.id, admin: principal.admin };
}

async function keyCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!ApiKeyError.is(error)) throw error;
    const body = {
      code: error.code,
      message: error.message,
      ...(error.field !== undefined ? { details: { field: error.field } } : {}),
    };
    if (error.code === 'API_KEY_NOT_FOUND') throw new NotFoundException(body);
    if (error.code === 'API_KEY_EXCEEDS_CREATOR') throw new ForbiddenException(body);
    throw new BadRequestException(body);
  }
}
