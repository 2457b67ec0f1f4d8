import { BadRequestException, Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import {
  AuditQueryError,
  listAudit,
  parseAuditQuery,
  verifyAuditChain,
  type AuditChainReport,
  type AuditEvent,
} from './audit-trail.js';

/** An organization's audit trail: who did what to which thing (secret decryptions included). */
@ApiTags('audit')
@Controller(apiV1('organizations/:orgId/audit-events'))
export class AuditController {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  @Get()
  @RequireAction('audit.read')
  @ApiOperation({
    summary:
      'Audit events, newest first; filter by action, targetType, targetId, environmentId, actorId, since, until; page with limit and cursor',
  })
  async list(
    @Param('orgId') orgId: string,
    @Query() params: Record<string, unknown>,
  ): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
    try {
      return await listAudit(this.db, orgId, parseAuditQuery(params));
    } catch (error) {
      if (!AuditQueryError.is(error)) throw error;
      throw new BadRequestException({
        code: error.code,
        message: error.message,
        details: { field: error.field },
      });
    }
  }

  @Get('verify')
  @RequireAction('audit.read')
  @ApiOperation({
    summary: "Recompute the organization's audit hash chain and report the first broken event",
  })
  verify(@Param('orgId') orgId: string): Promise<AuditChainReport> {
    return verifyAuditChain(this.db, orgId);
  }
}
