import { hostname } from 'node:os';
import type { AgentSettingsInput } from './agent-settings.input.js';

export type SettingValue = string | number | boolean | readonly string[];

/** How a WEFT_AGENT_* variable's text becomes a value (YAML values arrive already typed). */
export type SettingKind = 'string' | 'integer' | 'boolean' | 'list';

export interface SettingSpec {
  readonly kind: SettingKind;
  /** Applied when neither agent.yaml nor the environment sets the value. Secrets never have one. */
  readonly default?: SettingValue | (() => SettingValue);
  /** How --help shows the default (or that the setting is required / optional). */
  readonly defaultText: string;
  /** Masked in the start-up summary and registered with the logger's secret masking. */
  readonly secret: boolean;
  readonly description: string;
}

export type SettingKey = keyof AgentSettingsInput;

export const ENV_PREFIX = 'WEFT_AGENT_';
/** Not a setting: where to find agent.yaml. */
export const CONFIG_PATH_ENV = 'WEFT_AGENT_CONFIG';
export const DEFAULT_CONFIG_FILE = './agent.yaml';

function defaultAgentName(): string {
  return hostname().toLowerCase().slice(0, 63);
}

/**
 * Every setting the agent reads — the single table behind validation (its keys are exactly
 * AgentSettingsInput's, checked by the compiler), unknown-key detection, env mapping and --help.
 */
export const AGENT_SETTINGS: { readonly [K in SettingKey]-?: SettingSpec } = {
  gatewayUrl: {
    kind: 'string',
    defaultText: 'required',
    secret: false,
    description:
      'Address of the Weft gateway the agent connects out to. Must be https; http is accepted only for a loopback host (local development).',
  },
  agentName: {
    kind: 'string',
    default: defaultAgentName,
    defaultText: 'the host name',
    secret: false,
    description:
      'Name this agent shows under in its agent group (1-63 letters, digits, ".", "-", "_").',
  },
  agentGroupId: {
    kind: 'string',
    defaultText: 'required',
    secret: false,
    description: 'Id of the private agent group this agent serves, as shown by the control plane.',
  },
  enrolmentToken: {
    kind: 'string',
    defaultText: 'none (secret)',
    secret: true,
    description:
      'One-time enrolment token from a user with Agent Install access. Required until the agent has an identity in stateDir; remove it afterwards. Prefer the environment variable over the file. Never logged.',
  },
  agentKind: {
    kind: 'string',
    default: 'private',
    defaultText: 'private',
    secret: false,
    description:
      'private (runs inside your network) or cloud (run by Weft for many organizations: refuses private-only connectors and, unless the organization allow-lists them, loopback, link-local and private addresses).',
  },
  cloudLogging: {
    kind: 'boolean',
    default: true,
    defaultText: 'true',
    secret: false,
    description:
      "true or false. With false only a run's status and record counts leave the agent: error messages and the operation log stay on the agent and Weft's activity log shows the error code and counts only.",
  },
  stateDir: {
    kind: 'string',
    default: './weft-agent/state',
    defaultText: './weft-agent/state',
    secret: false,
    description:
      "Directory for the agent's identity (key pair, agent id). Created with mode 0700; keep it and back it up.",
  },
  workDir: {
    kind: 'string',
    default: './weft-agent/work',
    defaultText: './weft-agent/work',
    secret: false,
    description:
      'Directory for transient run data (one run-* folder per run, deleted when the run ends; leftovers are swept at start-up after a crash). Created with mode 0700.',
  },
  logDir: {
    kind: 'string',
    default: './weft-agent/logs',
    defaultText: './weft-agent/logs',
    secret: false,
    description:
      'Directory for local agent logs and success/failed record files (weft-* entries), kept on your own storage and never synchronised to Weft.',
  },
  logLevel: {
    kind: 'string',
    default: 'info',
    defaultText: 'info',
    secret: false,
    description: 'Lowest level written to standard output: debug, info, warn, error or fatal.',
  },
  logRetentionDays: {
    kind: 'integer',
    default: 14,
    defaultText: '14',
    secret: false,
    description:
      'Days local agent logs and record files in logDir are kept (1-14); older weft-* entries are deleted.',
  },
  proxyUrl: {
    kind: 'string',
    defaultText: 'none (direct connection)',
    secret: false,
    description:
      'Corporate HTTP(S) proxy for outbound connections, e.g. http://proxy.example.com:3128. Credentials in it (user:password@) are masked in logs. HTTPS_PROXY is not read implicitly.',
  },
  noProxy: {
    kind: 'list',
    defaultText: 'none',
    secret: false,
    description:
      'Hosts reached without the proxy: host names, domain suffixes (.example.com), IP addresses, optional :port. YAML list, or comma-separated in the environment. Needs proxyUrl.',
  },
  caFile: {
    kind: 'string',
    defaultText: 'none (system trust store)',
    secret: false,
    description:
      'PEM file of extra CA certificates to trust for the gateway and proxy connections, e.g. for a TLS-inspecting proxy.',
  },
  secretEnvVariables: {
    kind: 'list',
    defaultText: 'none (env: references refused)',
    secret: false,
    description:
      "Environment variables that env: secret references may read: exact names, or prefixes ending in * (e.g. CRM_TOKEN, WEFT_SECRET_*). YAML list, or comma-separated in the environment. The agent's own WEFT_AGENT_* variables can never be allowed.",
  },
  secretFileDirectories: {
    kind: 'list',
    defaultText: 'none (file: references refused)',
    secret: false,
    description:
      'Absolute directories whose files file: secret references may read (by real path, so symlinks cannot lead out). YAML list, or comma-separated in the environment. Must exist, and must not be / or overlap stateDir, workDir, logDir or the config file.',
  },
  maxConcurrentRuns: {
    kind: 'integer',
    default: 4,
    defaultText: '4',
    secret: false,
    description: 'Most operation runs this agent executes at once (1-256).',
  },
  shutdownGraceSeconds: {
    kind: 'integer',
    default: 30,
    defaultText: '30',
    secret: false,
    description:
      'On SIGTERM/SIGINT, seconds in-flight runs get to finish (0-3600); runs still going are handed back to the agent group.',
  },
  healthPort: {
    kind: 'integer',
    default: 0,
    defaultText: '0 (off)',
    secret: false,
    description:
      'Port of the health endpoint GET /health on 127.0.0.1 (loopback only); 0 turns it off.',
  },
};

export const SETTING_KEYS = Object.keys(AGENT_SETTINGS) as readonly SettingKey[];

/** gatewayUrl → WEFT_AGENT_GATEWAY_URL: derived, so YAML keys and variables map one to one. */
export function envNameFor(key: SettingKey): string {
  return ENV_PREFIX + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export function defaultFor(key: SettingKey): SettingValue | undefined {
  const spec: SettingSpec = AGENT_SETTINGS[key];
  return typeof spec.default === 'function' ? spec.default() : spec.default;
}
