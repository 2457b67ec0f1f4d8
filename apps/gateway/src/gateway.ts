import type { INestApplication } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { Logger } from '@weft/log-schema';
import { closeNats, connectNatsAtBoot, createHttpApplication } from '@weft/server-kit';
import { AppModule, type AgentServices } from './app.module.js';
import { authenticateAgents } from './agents/agent-authentication.js';
import { AgentIdentities } from './agents/agent-identities.js';
import { ControlPlaneClient } from './agents/control-plane-client.js';
import { RunDispatch } from './agents/run-dispatch.js';
import { SignedTokens } from './agents/signed-tokens.js';
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
  const tokens = new SignedTokens(config.tokenKey);
  const controlPlane = new ControlPlaneClient(nats);
  const identities = new AgentIdentities(controlPlane, nats);
  const agents: AgentServices = {
    tokens,
    controlPlane,
    identities,
    dispatch: new RunDispatch(nats, tokens, logger.child({ component: 'runs' })),
  };
  const release = async () => {
    identities.close();
    await closeNats(nats);
  };
  try {
    const app = await createHttpApplication(AppModule.register(nats, logger, agents), {
      logger,
      title: 'Weft gateway',
      description: 'The door for agents (work pulls, events) and for callers of published APIs.',
    });
    // Before any route (and so before the action guard): an access token becomes an agent.
    app.use(authenticateAgents(tokens, identities, logger));
    return { app, nats, close: release };
  } catch (error) {
    await release();
    throw error;
  }
}
