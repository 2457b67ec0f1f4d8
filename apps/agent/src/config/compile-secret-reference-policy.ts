import { realpath, stat } from 'node:fs/promises';
import { parse, resolve } from 'node:path';
import { isSameOrInside, overlaps, realPathOfNearest } from '../secrets/host-paths.js';
import {
  admitsAgentOwnVariables,
  type SecretReferencePolicy,
} from '../secrets/secret-reference-policy.js';
import type { AgentSettingsInput } from './agent-settings.input.js';
import type { SettingKey } from './settings.js';

/** What the agent keeps for itself; no secret reference may reach into it. */
export interface AgentOwnPaths {
  readonly stateDir: string;
  readonly workDir: string;
  readonly logDir: string;
  readonly configFile: string | null;
}

// Kernel views of processes and the system: /proc/self/environ holds the agent's own settings.
const PSEUDO_FILE_SYSTEMS = ['/proc', '/sys'];

/**
 * Checks the operator's secret-reference allow-lists against what the agent must keep to itself,
 * reporting each problem through `problem`, and returns the policy resolution enforces.
 */
export async function compileSecretReferencePolicy(
  input: Pick<AgentSettingsInput, 'secretEnvVariables' | 'secretFileDirectories'>,
  own: AgentOwnPaths,
  problem: (setting: SettingKey, message: string) => void,
): Promise<SecretReferencePolicy> {
  const envVariables = [...(input.secretEnvVariables ?? [])];
  const opening = envVariables.filter(admitsAgentOwnVariables);
  if (opening.length > 0) {
    problem(
      'secretEnvVariables',
      `must not allow the agent's own WEFT_AGENT_* variables: ${opening.join(', ')}`,
    );
  }

  const fileDirectories = (input.secretFileDirectories ?? []).map((directory) =>
    resolve(directory),
  );
  const ownPaths: OwnPath[] = [
    { name: 'stateDir', path: own.stateDir, kind: 'directory' },
    { name: 'workDir', path: own.workDir, kind: 'directory' },
    { name: 'logDir', path: own.logDir, kind: 'directory' },
  ];
  if (own.configFile !== null)
    ownPaths.push({ name: 'the config file', path: own.configFile, kind: 'file' });
  const realOwnPaths = await Promise.all(
    ownPaths.map(async (entry) => ({
      ...entry,
      path: await realPathOfNearest(entry.path, realpath),
    })),
  );
  for (const directory of fileDirectories) {
    for (const message of await directoryProblems(directory, ownPaths, realOwnPaths)) {
      problem('secretFileDirectories', `${message}: ${directory}`);
    }
  }

  return { envVariables, fileDirectories, protectedPaths: ownPaths.map((entry) => entry.path) };
}

interface OwnPath {
  readonly name: string;
  readonly path: string;
  readonly kind: 'directory' | 'file';
}

async function directoryProblems(
  directory: string,
  ownPaths: readonly OwnPath[],
  realOwnPaths: readonly OwnPath[],
): Promise<string[]> {
  if (isRoot(directory)) return ['must not list the file-system root'];
  const problems = new Set<string>();
  // Lexical first, so listing workDir is named as such even before the agent has created it;
  // then by real path, so a symlink on either side cannot hide an overlap.
  const checkOverlaps = (path: string, against: readonly OwnPath[]): void => {
    for (const own of against) {
      if (own.kind === 'file' ? isSameOrInside(own.path, path) : overlaps(path, own.path)) {
        problems.add(
          own.kind === 'file'
            ? `must not contain ${own.name}`
            : `must not be, contain or lie inside ${own.name}`,
        );
      }
    }
  };
  checkOverlaps(directory, ownPaths);
  if (problems.size > 0) return [...problems];

  let real: string;
  try {
    real = await realpath(directory);
    if (!(await stat(real)).isDirectory()) return ['must list directories, and this is not one'];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return [`must list existing directories (${code})`];
  }
  if (isRoot(real)) return ['must not list the file-system root (through a symlink)'];
  if (PSEUDO_FILE_SYSTEMS.some((pseudo) => isSameOrInside(real, pseudo))) {
    problems.add(`must not list ${PSEUDO_FILE_SYSTEMS.join(' or ')}`);
  }
  checkOverlaps(real, realOwnPaths);
  return [...problems];
}

function isRoot(path: string): boolean {
  return parse(path).root === path;
}
