import { Module, type DynamicModule } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { Logger } from '@weft/log-schema';
import {
  DEPENDENCY_CHECKS,
  HealthController,
  OpenApiModule,
  SERVICE_LOGGER,
  natsDependencyCheck,
} from '@weft/server-kit';

export const NATS_CONNECTION = Symbol.for('weft.gateway.nats');

/** The gateway's root module. Its only server-side dependency is NATS. */
@Module({})
export class AppModule {
  static register(nats: NatsConnection, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [OpenApiModule],
      controllers: [HealthController],
      providers: [
        { provide: SERVICE_LOGGER, useValue: logger },
        { provide: DEPENDENCY_CHECKS, useValue: [natsDependencyCheck(nats)] },
        { provide: NATS_CONNECTION, useValue: nats },
      ],
      exports: [SERVICE_LOGGER, NATS_CONNECTION],
    };
  }
}
