import {
  ConnectorError,
  createEgressGuard,
  type ConnectorContext,
  type ConnectorDefinition,
  type HostResolver,
} from '@weft/connector-sdk';
import { createRedactor } from '@weft/crypto';
import { MappingError, type CompiledMapping } from '@weft/transform';
import type { AgentKind } from '../config/agent-settings.input.js';
import type { SecretReferencePolicy } from '../secrets/secret-reference-policy.js';
import type {
  OperationRunner,
  RecordCounts,
  RunAssignment,
  RunContext,
} from '../runs/work-source.js';
import { substituteVariables } from './config-variables.js';
import { builtInConnectors, ConnectorRegistry } from './connector-registry.js';
import { parseOperation, type ConnectorStep, type OperationV1 } from './operation.js';
import { resolveOperationSecrets } from './operation-secrets.js';
import { compileOperationMapping } from './operation-mapping.js';
import { buildRecordInterfaces } from './record-interfaces.js';
import { RunOperationLog } from './run-operation-log.js';
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
  /**
   * Values masked in the operation log besides the run's own secrets: the agent's secret settings
   * (enrolment token, proxy password), as its logger masks them.
   */
  readonly maskedValues?: readonly string[];
  /** For the egress guard; default: the system resolver. */
  readonly resolver?: HostResolver;
  readonly now?: () => Date;
}

/**
 * Runs operation version 1: source connector → @weft/transform mapping → target connector, with the
 * record counts kept in the run context, failed and succeeded records filed in logDir, every
 * connection under the organization's egress rules, the run's variables substituted into the
 * connector configs, and the operation log sent (masked) before the run completes.
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
    // Everything is checked before any I/O with an endpoint: connectors, the mapping, then (once
    // the run's variables are known) the connectors' configs.
    const sourceConnector = this.#connector(registry, operation.source, 'source', agentKind);
    const targetConnector = this.#connector(registry, operation.target, 'target', agentKind);
    const mapping =
      operation.mapping === undefined
        ? undefined
        : await compileOperationMapping(
            operation.mapping,
            buildRecordInterfaces(operation.interfaces ?? {}),
          );
    try {
      if (operation.source === undefined || sourceConnector === undefined) {
        if (operation.target !== undefined || mapping !== undefined)
          context.logger.info('the operation has no source: nothing to read');
        return;
      }
      await this.#execute(run, context, { ...operation, source: operation.source }, agentKind, {
        source: sourceConnector,
        target: targetConnector,
        mapping: mapping?.compiled,
      });
    } finally {
      mapping?.dispose();
    }
  }

  async #execute(
    run: RunAssignment,
    context: RunContext,
    operation: OperationV1 & { source: ConnectorStep },
    agentKind: AgentKind,
    steps: {
      source: ConnectorDefinition;
      target: ConnectorDefinition | undefined;
      mapping: CompiledMapping | undefined;
    },
  ): Promise<void> {
    const { source: sourceConnector, target: targetConnector, mapping } = steps;

    const secrets = await resolveOperationSecrets(run, operation.secrets, {
      policy: this.#options.secretReferences,
      io: { env: this.#options.env },
      logger: context.logger,
      sealedSecrets: context.sealedSecrets,
    });
    // ${NAME} is replaced before the connector sees its config, so it validates what it will use.
    const source = {
      connector: sourceConnector,
      config: sourceConnector.validate(
        substituteVariables(operation.source.config, secrets.byName, 'operation.source.config'),
      ),
    };
    const target =
      operation.target === undefined || targetConnector === undefined
        ? undefined
        : {
            connector: targetConnector,
            config: targetConnector.validate(
              substituteVariables(
                operation.target.config,
                secrets.byName,
                'operation.target.config',
              ),
            ),
          };

    const connectorContext: ConnectorContext = {
      runId: run.runId,
      idempotencyKey: run.idempotencyKey,
      signal: context.signal,
      logger: context.logger,
      secrets: { get: (name) => secrets.byName.get(name)?.value.reveal() },
      egress: createEgressGuard({
        agentKind,
        allow: operation.egress.allow,
        deny: operation.egress.deny,
        ...(this.#options.resolver === undefined ? {} : { resolver: this.#options.resolver }),
      }),
      agentKind,
      workDir: context.workDir,
    };
    const operationLog = this.#operationLog(context, secrets.maskedValues);
    const files = new RunRecordFiles(
      this.#options.logDir,
      run.runId,
      (this.#options.now ?? (() => new Date()))(),
    );
    const pipeline: RecordPipeline = {
      source,
      ...(mapping === undefined
        ? {}
        : {
            mapping: {
              compiled: mapping,
              run: mapping.createRunContext(
                operationLog === undefined ? {} : { operationLog: operationLog.sink },
              ),
            },
          }),
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
      // Sent before the run completes, so the activity has every line when the outcome lands.
      if (operationLog !== undefined) {
        noteSteps(operationLog, operation, context.records);
        await operationLog.close();
      }
      await files.close();
    }
    if (context.signal.aborted) throw new ConnectorError('cancelled', 'the run was stopped');
  }

  /** The run's operation log, when its lines may leave the agent (the work source takes them). */
  #operationLog(
    context: RunContext,
    runSecretValues: readonly string[],
  ): RunOperationLog | undefined {
    const send = context.sendOperationLog;
    if (send === undefined) return undefined;
    const secretValues = [...(this.#options.maskedValues ?? []), ...runSecretValues];
    return new RunOperationLog({
      send,
      redactor: createRedactor({ secretValues }),
      secretValues,
      logger: context.logger,
      ...(this.#options.now === undefined ? {} : { now: this.#options.now }),
    });
  }

  #connectors(): Promise<ConnectorRegistry> {
    this.#registry ??= (async () =>
      new ConnectorRegistry(
        this.#options.connectors ?? (await builtInConnectors()),
        this.#options.agentKind,
      ))();
    return this.#registry;
  }

  #connector(
    registry: ConnectorRegistry,
    step: ConnectorStep | undefined,
    role: 'source' | 'target',
    agentKind: AgentKind,
  ): ConnectorDefinition | undefined {
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
    return connector;
  }
}

/** The agent's own closing lines: what each step did, and where failed records are. */
function noteSteps(log: RunOperationLog, operation: OperationV1, records: RecordCounts): void {
  if (operation.source !== undefined)
    log.note(
      `source ${operation.source.connector}: read ${records.read} records`,
      'info',
      'source',
    );
  if (operation.target !== undefined)
    log.note(
      `target ${operation.target.connector}: wrote ${records.written} records`,
      'info',
      'target',
    );
  if (records.failed > 0)
    log.note(
      `${records.failed} records failed (see the failed-records file on the agent)`,
      'warn',
      'operation',
    );
}
