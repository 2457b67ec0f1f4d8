import { Module, type DynamicModule } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { Logger } from '@weft/log-schema';
import { ServiceModule, natsDependencyCheck } from '@weft/server-kit';

export const NATS_CONNECTION = Symbol.for('weft.gateway.nats');

/** The gateway's root module. Its only server-side dependency is NATS. */
@Module({})
export class AppModule {
  static register(nats: NatsConnection, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceModule.register({ logger, checks: [natsDependencyCheck(nats)] })],
      providers: [{ provide: NATS_CONNECTION, useValue: nats }],
      exports: [NATS_CONNECTION],
    };
  }
}
