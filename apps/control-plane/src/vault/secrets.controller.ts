import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Put,
  InternalServerErrorException,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { Actor, type RequestActor } from '../http/request-actor.js';
import { VaultError, parseSecretWrite } from './secret-input.js';
import { SecretsVault, type SecretMetadata } from './secrets-vault.js';

/**
 * Credentials and project variables of an environment. Write-only: no endpoint returns a stored
 * value; runs receive them through the vault's audited `resolveForRun`.
 */
@ApiTags('secrets')
@Controller(apiV1('environments/:environmentId/secrets'))
export class SecretsController {
  constructor(@Inject(SecretsVault) private readonly vault: SecretsVault) {}

  @Get()
  @RequireAction('secret.list')
  @ApiOperation({ summary: 'List the secrets of an environment (metadata and a mask only)' })
  async list(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
  ): Promise<{ secrets: SecretMetadata[] }> {
    return { secrets: await vaultCall(() => this.vault.list(orgId, environmentId)) };
  }

  @Get(':name')
  @RequireAction('secret.list')
  @ApiOperation({ summary: 'Describe one secret (metadata and a mask, never the value)' })
  describe(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('name') name: string,
  ): Promise<SecretMetadata> {
    return vaultCall(() => this.vault.describe(orgId, environmentId, name));
  }

  @Put(':name')
  @RequireAction('secret.write')
  @ApiOperation({
    summary: 'Create or replace a secret: a value (stored encrypted) or an env:/file: reference',
  })
  put(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<SecretMetadata> {
    return vaultCall(() =>
      this.vault.put(orgId, environmentId, name, parseSecretWrite(body), actor),
    );
  }

  @Delete(':name')
  @HttpCode(204)
  @RequireAction('secret.write')
  @ApiOperation({ summary: 'Delete a secret' })
  async remove(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('name') name: string,
  ): Promise<void> {
    await vaultCall(() => this.vault.remove(orgId, environmentId, name, actor));
  }
}

/** Vault refusals become 4xx with their stable code; anything else stays a generic 500. */
async function vaultCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!VaultError.is(error)) throw error;
    const body = {
      code: error.code,
      message: error.message,
      ...(error.field !== undefined ? { details: { field: error.field } } : {}),
    };
    switch (error.code) {
      case 'SECRET_INVALID':
        throw new BadRequestException(body);
      case 'SECRET_NOT_FOUND':
      case 'ENVIRONMENT_NOT_FOUND':
        throw new NotFoundException(body);
      case 'SECRET_UNREADABLE':
        throw new InternalServerErrorException(body);
    }
  }
}
