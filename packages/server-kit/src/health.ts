import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Logger } from '@weft/log-schema';
import { RequireAction } from './actions.js';
import { checkReadiness, type DependencyCheck } from './readiness.js';

/** Injection tokens each service provides for the health controller. */
export const DEPENDENCY_CHECKS = Symbol.for('weft.server-kit.dependency-checks');
export const SERVICE_LOGGER = Symbol.for('weft.server-kit.logger');

/** How long one readiness result answers /ready. */
export const READY_CACHE_MS = 1000;

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
    const report = await this.currentReport();
    if (report.status !== 'ready') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  // /ready is public: probes from every load balancer must not each cost a database query,
  // a NATS round trip and a (billable) S3 call. Callers within READY_CACHE_MS share one check.
  private latest: { startedAt: number; report: Promise<PublicReadiness> } | undefined;

  private currentReport(): Promise<PublicReadiness> {
    const now = Date.now();
    if (this.latest === undefined || now - this.latest.startedAt >= READY_CACHE_MS) {
      this.latest = { startedAt: now, report: this.check() };
    }
    return this.latest.report;
  }

  private async check(): Promise<PublicReadiness> {
    const report = await checkReadiness(this.checks);
    const checks: Record<string, 'up' | 'down'> = {};
    for (const [name, result] of Object.entries(report.checks)) {
      checks[name] = result.status;
      if (result.status === 'down') {
        this.logger.warn('dependency down', { dependency: name, error: result.error });
      }
    }
    return { status: report.status, checks };
  }
}
