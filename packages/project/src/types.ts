// The project document, version 1, as validateProject returns it: every section present (empty
// when the project has none), optional fields left out rather than null.

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** `variable`: usable as `${NAME}` in connector configs; `credential`: only as `{ secret: NAME }`. */
export type VariableKind = 'variable' | 'credential';

/** What the project needs from each environment; the values live in the environment's vault. */
export interface ProjectVariable {
  readonly kind: VariableKind;
  readonly description?: string;
}

export interface ProjectConnection {
  /** A connector type: `s3`, `postgres`, `vendor.name` for a plugin. */
  readonly connector: string;
  /** The connector's configuration; `${NAME}` and `{ secret: NAME }` stay in place for the agent. */
  readonly config?: JsonObject;
  readonly description?: string;
}

export type InterfaceFormat = 'json-schema' | 'xsd';

/** A schema given inline (`schema`) or stored in the file service (`file: sha256:<hex>`). */
export interface ProjectInterface {
  readonly format: InterfaceFormat;
  /** json-schema: the schema object; xsd: the schema text. */
  readonly schema?: JsonObject | string;
  /** `sha256:<64 lowercase hex>` of a file in the file service. */
  readonly file?: string;
  /** xsd only: the record element (as the XML reader's `recordElement`). */
  readonly element?: string;
}

export interface ProjectTransformation {
  /** Names of project interfaces: the mapping is compiled against them. */
  readonly source?: string;
  readonly target?: string;
  /** A @weft/transform mapping document. */
  readonly mapping: JsonObject;
  readonly description?: string;
}

export interface ProjectScript {
  readonly language: 'javascript';
  readonly source: string;
}

export interface OperationStep {
  readonly connection: string;
  /** Merged over the connection's config (objects deep-merged, the step winning). */
  readonly config?: JsonObject;
}

export interface ProjectOperation {
  readonly source?: OperationStep;
  readonly transformation?: string;
  readonly target?: OperationStep;
  /** Operations started after this one succeeds / fails. */
  readonly onSuccess?: readonly string[];
  readonly onFailure?: readonly string[];
  /** 1..20 deliveries of one run. */
  readonly maxAttempts?: number;
  /** 1..100000 records per batch handed to the target. */
  readonly chunkRecords?: number;
  readonly description?: string;
}

export interface ProjectSchedule {
  readonly operation: string;
  /** Five fields: minute hour day-of-month month day-of-week. */
  readonly cron: string;
  /** An IANA time zone; UTC when left out. */
  readonly timezone?: string;
  /** true when left out. */
  readonly enabled?: boolean;
  readonly description?: string;
}

export type NotificationEvent = 'succeeded' | 'failed' | 'cancelled';

export interface ProjectNotification {
  readonly on: readonly NotificationEvent[];
  /** The operations watched; every operation of the project when left out. */
  readonly operations?: readonly string[];
  readonly email: readonly string[];
  readonly description?: string;
}

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ProjectApiEndpoint {
  readonly method: ApiMethod;
  /** `/orders`, `/orders/{id}`. */
  readonly path: string;
  readonly operation: string;
  readonly description?: string;
}

export interface ProjectDocument {
  readonly version: 1;
  /** The project key, the same in every environment. */
  readonly name: string;
  readonly description?: string;
  readonly variables: Readonly<Record<string, ProjectVariable>>;
  readonly connections: Readonly<Record<string, ProjectConnection>>;
  readonly interfaces: Readonly<Record<string, ProjectInterface>>;
  readonly transformations: Readonly<Record<string, ProjectTransformation>>;
  readonly scripts: Readonly<Record<string, ProjectScript>>;
  readonly operations: Readonly<Record<string, ProjectOperation>>;
  readonly schedules: Readonly<Record<string, ProjectSchedule>>;
  readonly notifications: Readonly<Record<string, ProjectNotification>>;
  readonly apiEndpoints: Readonly<Record<string, ProjectApiEndpoint>>;
}

/** The sections of a project document holding named items, in document order. */
export const PROJECT_SECTIONS = [
  'variables',
  'connections',
  'interfaces',
  'transformations',
  'scripts',
  'operations',
  'schedules',
  'notifications',
  'apiEndpoints',
] as const;
export type ProjectSection = (typeof PROJECT_SECTIONS)[number];

export interface ValidateProjectOptions {
  /** The connector types the installation knows; when given, every connection must use one. */
  readonly connectorTypes?: readonly string[];
  /** Content of file-service files by sha256 hex (no prefix); `file:` interfaces are built from it. */
  readonly files?: ReadonlyMap<string, string>;
}

/** One step of the agent's operation: which connector, with its configuration. */
export interface OperationConnectorStep {
  readonly connector: string;
  readonly config: JsonObject;
}

/** An interface inlined into an operation for the agent to build. */
export interface InlineInterface {
  readonly format: InterfaceFormat;
  readonly schema: JsonObject | string;
  readonly element?: string;
}

/** The agent's operation, version 1 (docs/agent-protocol.md "The operation"), before the control plane adds secrets and egress. */
export interface OperationDocument {
  readonly version: 1;
  readonly source?: OperationConnectorStep;
  readonly transformation?: {
    readonly mapping: JsonObject;
    readonly interfaces?: Readonly<Record<string, InlineInterface>>;
  };
  readonly target?: OperationConnectorStep;
  readonly chunkRecords?: number;
}

export interface OperationVariable {
  readonly name: string;
  readonly kind: VariableKind;
}

export interface CompiledOperation {
  readonly operation: OperationDocument;
  /** Every variable the source and target configs use, sorted by name. */
  readonly variables: readonly OperationVariable[];
  readonly maxAttempts?: number;
}

export interface CompileOperationOptions {
  /** Content of file-service files by sha256 hex, for `file:` interfaces the mapping names. */
  readonly files?: ReadonlyMap<string, string>;
}

export interface ProjectChange {
  /** `description`, `variables.PG_HOST`, `operations.load-orders`, … */
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
}

/** One file of a project folder, its path relative to the folder with `/` separators. */
export interface ProjectFile {
  readonly path: string;
  readonly content: string;
}
