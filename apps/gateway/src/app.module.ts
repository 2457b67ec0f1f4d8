import { Module, type DynamicModule } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { Logger } from '@weft/log-schema';
import { ServiceModule, natsDependencyCheck } from '@weft/server-kit';
import { AgentIdentities } from './agents/agent-identities.js';
import { AgentsController } from './agents/agents.controller.js';
import { ControlPlaneClient } from './agents/control-plane-client.js';
import { OperationLogController } from './agents/operation-log.controller.js';
import { RunSecretsController } from './agents/run-secrets.controller.js';
import { RunDispatch } from './agents/run-dispatch.js';
import { SignedTokens } from './agents/signed-tokens.js';

export const NATS_CONNECTION = Symbol.for('weft.gateway.nats');

/** What the agent routes work with, built before Nest starts (see createGateway). */
export interface AgentServices {
  tokens: SignedTokens;
  controlPlane: ControlPlaneClient;
  identities: AgentIdentities;
  dispatch: RunDispatch;
}

/** The gateway's root module. Its only server-side dependency is NATS. */
@Module({})
export class AppModule {
  static register(nats: NatsConnection, logger: Logger, agents: AgentServices): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceModule.register({ logger, checks: [natsDependencyCheck(nats)] })],
      controllers: [AgentsController, RunSecretsController, OperationLogController],
      providers: [
        { provide: NATS_CONNECTION, useValue: nats },
        { provide: SignedTokens, useValue: agents.tokens },
        { provide: ControlPlaneClient, useValue: agents.controlPlane },
        { provide: AgentIdentities, useValue: agents.identities },
        { provide: RunDispatch, useValue: agents.dispatch },
      ],
      exports: [NATS_CONNECTION],
    };
  }
}
