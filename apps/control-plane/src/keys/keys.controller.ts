import { Controller, Get, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { KeyManagementError, OrgKeys, type DataKeyVersionStatus } from './org-keys.js';
import { ReencryptionJobs, type RotationJob } from './reencryption.js';

/** An organization's data keys: versions, usage, rotation and its re-encryption jobs. Admins only. */
@ApiTags('keys')
@Controller(apiV1('organizations/:orgId/keys'))
export class KeysController {
  constructor(
    @Inject(OrgKeys) private readonly keys: OrgKeys,
    @Inject(ReencryptionJobs) private readonly jobs: ReencryptionJobs,
  ) {}

  @Get()
  @RequireAction('organization.manage')
  @ApiOperation({ summary: "The organization's data key versions and re-encryption jobs" })
  async status(
    @Param('orgId') orgId: string,
  ): Promise<{ versions: DataKeyVersionStatus[]; jobs: RotationJob[] }> {
    // Jobs first: a job seen completed has already retired its versions when they are read.
    const jobs = await this.jobs.list(orgId);
    return { versions: await this.keys.status(orgId), jobs };
  }

  @Post('rotate')
  @HttpCode(202)
  @RequireAction('organization.manage')
  @ApiOperation({
    summary: 'Rotate the data key: new writes use a new version; a job re-encrypts older ones',
  })
  async rotate(@Param('orgId') orgId: string): Promise<{ version: number; jobId: string }> {
    try {
      return await this.keys.rotate(orgId);
    } catch (error) {
      if (KeyManagementError.is(error) && error.code === 'ORGANIZATION_NOT_FOUND') {
        throw new NotFoundException({ code: error.code, message: error.message });
      }
      throw error;
    }
  }
}
