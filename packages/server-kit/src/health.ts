import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Logger } from '@weft/log-schema';
import { RequireAction } from './actions.js';
import { checkReadiness, type DependencyCheck } from './readiness.js';

/** Injection tokens each service provides for the health controller. */
export const DEPENDENCY_CHECKS = Symbol.for('weft.server-kit.dependency-checks');
export const SERVICE_LOGGER = Symbol.for('weft.server-kit.logger');

export interface PublicReadiness {
  status: 'ready' | 'not_ready';
  /** Dependency name → `up` or `down`; error details go to the log, not to the caller. */
  checks: Record<string, 'up' | 'down'>;
}

@ApiTags('system')
@Controller()
export class HealthController {
  constructor(
    @Inject(DEPENDENCY_CHECKS) private readonly checks: DependencyCheck[],
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  /** Liveness: the process is up and serving HTTP. Touches no dependency. */
  @Get('health')
  @RequireAction('system.health')
  @ApiOkResponse({ description: 'The process is alive.' })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: every dependency answers within its bound; 503 and which is down otherwise. */
  @Get('ready')
  @RequireAction('system.ready')
  @ApiOkResponse({ description: 'Every dependency is up.' })
  @ApiServiceUnavailableResponse({
    description: 'At least one dependency is down; the body says which.',
  })
  async ready(
    @Res({ passthrough: true }) res: { status(code: number): unknown },
  ): Promise<PublicReadiness> {
    const report = await checkReadiness(this.checks);
    const checks: Record<string, 'up' | 'down'> = {};
    for (const [name, result] of Object.entries(report.checks)) {
      checks[name] = result.status;
      if (result.status === 'down')
        this.logger.warn('dependency down', { dependency: name, error: result.error });
    }
    if (report.status !== 'ready') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: report.status, checks };
  }
}
