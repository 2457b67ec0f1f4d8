import {
  ConnectorError,
  createEgressGuard,
  type ConnectorContext,
  type ConnectorDefinition,
  type HostResolver,
} from '@weft/connector-sdk';
import { compileMapping, MappingError, parseMappingDocument } from '@weft/transform';
import type { AgentKind } from '../config/agent-settings.input.js';
import { registerSecret } from '../gateway/gateway-client.js';
import { resolveRunSecrets, runSecretValuesOf } from '../secrets/resolve-run-secrets.js';
import type { SecretReferencePolicy } from '../secrets/secret-reference-policy.js';
import type { OperationRunner, RunAssignment, RunContext } from '../runs/work-source.js';
import { builtInConnectors, ConnectorRegistry } from './connector-registry.js';
import { parseOperation, type ConnectorStep } from './operation.js';
import { OperationRunError } from './operation-run.error.js';
import { runRecordPipeline, type RecordPipeline } from './record-pipeline.js';
import { RunRecordFiles } from './run-record-files.js';

export interface ConnectorOperationRunnerOptions {
  readonly agentKind: AgentKind;
  /** Where the success and failed record files go. */
  readonly logDir: string;
  /** What env:/file: secret references may reach (config.secretReferences). */
  readonly secretReferences: SecretReferencePolicy;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The allow-list; default: the built-in connectors (plugins are added here). */
  readonly connectors?: readonly ConnectorDefinition[];
  /** For the egress guard; default: the system resolver. */
  readonly resolver?: HostResolver;
  readonly now?: () => Date;
}

/**
 * Runs operation version 1: source connector → @weft/transform mapping → target connector, with the
 * record counts kept in the run context, failed and succeeded records filed in logDir, and every
 * connection under the organization's egress rules.
 */
export class ConnectorOperationRunner implements OperationRunner {
  readonly #options: ConnectorOperationRunnerOptions;
  #registry: Promise<ConnectorRegistry> | undefined;

  constructor(options: ConnectorOperationRunnerOptions) {
    this.#options = options;
  }

  /** The connector types this agent runs. */
  async connectorTypes(): Promise<string[]> {
    return (await this.#connectors()).types;
  }

  async run(run: RunAssignment, context: RunContext): Promise<void> {
    const operation = parseOperation(run.operation);
    const registry = await this.#connectors();
    // A run of a cloud agent group is executed as a cloud run whatever this agent's own setting:
    // the platform, not the agent's configuration, decides how locked down it is.
    const agentKind: AgentKind = run.cloud === true ? 'cloud' : this.#options.agentKind;
    // Everything is checked before any I/O: connectors, their configs, the mapping.
    const source = this.#step(registry, operation.source, 'source', agentKind);
    const target = this.#step(registry, operation.target, 'target', agentKind);
    const mapping = operation.mapping === undefined ? undefined : compile(operation.mapping);
    if (source === undefined) {
      if (operation.target !== undefined || mapping !== undefined)
        context.logger.info('the operation has no source: nothing to read');
      return;
    }

    const resolved = await resolveRunSecrets(operation.secrets, this.#options.secretReferences, {
      env: this.#options.env,
    });
    for (const value of runSecretValuesOf(resolved)) registerSecret(context.logger, value);
    const secrets = new Map(resolved.map((secret) => [secret.name, secret]));

    const connectorContext: ConnectorContext = {
      runId: run.runId,
      idempotencyKey: run.idempotencyKey,
      signal: context.signal,
      logger: context.logger,
      secrets: { get: (name) => secrets.get(name)?.value.reveal() },
      egress: createEgressGuard({
        agentKind,
        allow: operation.egress.allow,
        deny: operation.egress.deny,
        ...(this.#options.resolver === undefined ? {} : { resolver: this.#options.resolver }),
      }),
      agentKind,
      workDir: context.workDir,
    };
    const files = new RunRecordFiles(
      this.#options.logDir,
      run.runId,
      (this.#options.now ?? (() => new Date()))(),
    );
    const pipeline: RecordPipeline = {
      source,
      ...(mapping === undefined
        ? {}
        : { mapping: { compiled: mapping, run: mapping.createRunContext() } }),
      ...(target === undefined ? {} : { target }),
      chunkRecords: operation.chunkRecords,
      context: connectorContext,
      counts: context.records,
      files,
    };
    try {
      await runRecordPipeline(pipeline);
    } catch (error) {
      if (context.signal.aborted) throw new ConnectorError('cancelled', 'the run was stopped');
      if (MappingError.is(error)) throw new OperationRunError('mapping_failed', error.message);
      throw error;
    } finally {
      await files.close();
    }
    if (context.signal.aborted) throw new ConnectorError('cancelled', 'the run was stopped');
  }

  #connectors(): Promise<ConnectorRegistry> {
    this.#registry ??= (async () =>
      new ConnectorRegistry(
        this.#options.connectors ?? (await builtInConnectors()),
        this.#options.agentKind,
      ))();
    return this.#registry;
  }

  #step(
    registry: ConnectorRegistry,
    step: ConnectorStep | undefined,
    role: 'source' | 'target',
    agentKind: AgentKind,
  ): { connector: ConnectorDefinition; config: unknown } | undefined {
    if (step === undefined) return undefined;
    const connector = registry.connector(step.connector, role, agentKind);
    if (role === 'source' && connector.read === undefined) {
      throw new OperationRunError(
        'connector_cannot_read',
        `the ${step.connector} connector cannot be a source`,
      );
    }
    if (role === 'target' && connector.write === undefined) {
      throw new OperationRunError(
        'connector_cannot_write',
        `the ${step.connector} connector cannot be a target`,
      );
    }
    return { connector, config: connector.validate(step.config) };
  }
}

function compile(document: unknown) {
  try {
    const parsed = typeof document === 'string' ? parseMappingDocument(document) : document;
    return compileMapping(parsed);
  } catch (error) {
    if (MappingError.is(error)) throw new OperationRunError('invalid_mapping', error.message);
    throw error;
  }
}
