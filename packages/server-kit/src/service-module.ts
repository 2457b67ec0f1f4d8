import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Logger } from '@weft/log-schema';
import { ENVIRONMENT_OWNERSHIP, type EnvironmentOwnership } from './actions.js';
import { DEPENDENCY_CHECKS, HealthController, SERVICE_LOGGER } from './health.js';
import { OpenApiModule } from './openapi.js';
import type { DependencyCheck } from './readiness.js';

export interface ServiceModuleOptions {
  logger: Logger;
  /** What `/ready` checks. */
  checks: DependencyCheck[];
  /** Needed by services with environment-scoped routes; without it those are denied. */
  environmentOwnership?: EnvironmentOwnership;
}

/**
 * What every Weft HTTP service has, in one import: /health, /ready, the OpenAPI document, the
 * service logger and, where the service owns the data, the environment-ownership check the
 * action guard uses. Global, so feature modules can inject SERVICE_LOGGER.
 */
@Module({})
export class ServiceModule {
  static register(options: ServiceModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: SERVICE_LOGGER, useValue: options.logger },
      { provide: DEPENDENCY_CHECKS, useValue: options.checks },
      // Always registered (null = none: environment actions are denied), so looking it up never
      // fails — Nest logs a failed lookup as an error even when the caller handles it.
      { provide: ENVIRONMENT_OWNERSHIP, useValue: options.environmentOwnership ?? null },
    ];
    return {
      module: ServiceModule,
      global: true,
      imports: [OpenApiModule],
      controllers: [HealthController],
      providers,
      exports: [SERVICE_LOGGER],
    };
  }
}
