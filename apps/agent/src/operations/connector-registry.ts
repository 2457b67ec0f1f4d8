import { createHttpConnector, type ConnectorDefinition } from '@weft/connector-sdk';
import type { AgentKind } from '../config/agent-settings.input.js';
import { OperationRunError } from './operation-run.error.js';

/**
 * The built-in connectors every agent ships with: PostgreSQL, S3, local files, and HTTP/REST.
 * Loaded on first use: the AWS SDK and the PostgreSQL driver take most of a second to load,
 * which --help, a configuration error and start-up never need.
 */
export async function builtInConnectors(): Promise<ConnectorDefinition[]> {
  const { BUILT_IN_CONNECTORS } = await import('@weft/connectors');
  return [...BUILT_IN_CONNECTORS, createHttpConnector() as ConnectorDefinition];
}

/**
 * The allow-list of connector types this agent runs. An operation naming anything else fails;
 * a private-only connector (local files) fails on a cloud agent.
 */
export class ConnectorRegistry {
  readonly #byType = new Map<string, ConnectorDefinition>();

  constructor(
    connectors: readonly ConnectorDefinition[],
    readonly agentKind: AgentKind,
  ) {
    // agentKind: this agent's own kind; a run may still be executed as `cloud` (see connector()).
    for (const connector of connectors) {
      if (this.#byType.has(connector.type)) {
        throw new Error(`connector type ${connector.type} is registered twice`);
      }
      this.#byType.set(connector.type, connector);
    }
  }

  get types(): string[] {
    return [...this.#byType.keys()];
  }

  /** The connector for `type`, or OperationRunError connector_not_allowed / private_only. */
  connector(
    type: string,
    step: 'source' | 'target',
    kind: AgentKind = this.agentKind,
  ): ConnectorDefinition {
    const connector = this.#byType.get(type);
    if (connector === undefined) {
      throw new OperationRunError(
        'connector_not_allowed',
        `the ${step} connector type ${JSON.stringify(type.slice(0, 100))} is not installed on this agent`,
      );
    }
    if (connector.privateOnly === true && kind === 'cloud') {
      throw new OperationRunError(
        'private_only',
        `the ${step} connector ${type} runs on private agents only`,
      );
    }
    return connector;
  }
}
