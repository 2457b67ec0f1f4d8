import type { INestApplication } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { Logger } from '@weft/log-schema';
import { closeNats, connectNatsAtBoot, createHttpApplication } from '@weft/server-kit';
import { AppModule } from './app.module.js';
import type { GatewayConfig } from './config/gateway.config.js';

export interface Gateway {
  app: INestApplication;
  nats: NatsConnection;
  close(): Promise<void>;
}

/** Connects to NATS (bounded; StartupError naming NATS_URL) and builds the HTTP application. */
export async function createGateway(config: GatewayConfig, logger: Logger): Promise<Gateway> {
  const nats = await connectNatsAtBoot(config.nats, {
    timeoutMs: config.startupTimeoutMs,
    logger,
    name: 'weft-gateway',
  });
  const release = () => closeNats(nats);
  try {
    const app = await createHttpApplication(AppModule.register(nats, logger), {
      logger,
      title: 'Weft gateway',
      description: 'The door for agents (work pulls, events) and for callers of published APIs.',
    });
    return { app, nats, close: release };
  } catch (error) {
    await release();
    throw error;
  }
}
