import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import type { CliIo } from '../../src/io.js';
import type { ProjectLibrary } from '../../src/project/project-library.js';
import { fakeProjectLibrary } from './fake-project-library.js';

export interface Harness {
  readonly home: string;
  readonly configDir: string;
  /** Starts at 2024-06-01T12:00:00Z; moves only when the CLI sleeps. */
  clock: number;
  readonly sleeps: number[];
  readonly interrupt: AbortController;
  env: Record<string, string | undefined>;
  interactive: boolean;
  stdin: string;
  answers: string[];
  readonly prompts: string[];
  project: ProjectLibrary;
  /** Addresses the CLI asked to open in a browser (`weft login --sso`). */
  readonly opened: string[];
  /** Plays the browser for an opened address; none: opening fails, as on a server. */
  browser?: (url: string) => boolean;
  /** Called on every sleep (after the clock moved): lets a test end a follow. */
  onSleep?: (ms: number) => void;
  cleanup(): Promise<void>;
}

export const START = Date.parse('2024-06-01T12:00:00Z');

export async function makeHarness(): Promise<Harness> {
  const home = await mkdtemp(join(tmpdir(), 'weft-cli-'));
  const configDir = join(home, 'config');
  return {
    home,
    configDir,
    clock: START,
    sleeps: [],
    interrupt: new AbortController(),
    env: { WEFT_CONFIG_DIR: configDir },
    interactive: false,
    stdin: '',
    answers: [],
    prompts: [],
    project: fakeProjectLibrary(),
    opened: [],
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `weft <argv>` in-process against the harness (captured output, fake clock and terminal). */
export async function weft(harness: Harness, ...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readStdin: async () => harness.stdin,
    prompt: async (question) => {
      harness.prompts.push(question);
      return harness.answers.shift() ?? '';
    },
    openBrowser: async (url) => {
      harness.opened.push(url);
      return harness.browser?.(url) ?? false;
    },
    interactive: harness.interactive,
    env: harness.env,
    cwd: harness.home,
    homeDir: harness.home,
    platform: process.platform,
    uid: typeof process.getuid === 'function' ? process.getuid() : undefined,
    signal: harness.interrupt.signal,
    sleep: async (ms) => {
      harness.sleeps.push(ms);
      harness.clock += ms;
      harness.onSleep?.(ms);
      await new Promise((resolve) => setImmediate(resolve));
    },
    now: () => harness.clock,
  };
  const code = await runCli(argv, io, {
    version: '9.9.9-test',
    loadProjectLibrary: async () => harness.project,
  });
  return { code, stdout, stderr };
}
