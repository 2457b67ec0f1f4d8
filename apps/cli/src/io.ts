import { homedir } from 'node:os';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { openBrowser } from './sso/browser.js';

/**
 * Everything a command touches outside its arguments. main.ts binds it to the process; tests give
 * their own (captured output, a fake clock, a scripted terminal), never a test-only branch in src/.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input (`weft login --api-key-stdin`). */
  readStdin(): Promise<string>;
  /** Asks one question on the terminal (stderr) and returns the answer line. */
  prompt(question: string): Promise<string>;
  /** Opens `url` in the person's browser (`weft login --sso`); false when that cannot start. */
  openBrowser(url: string): Promise<boolean>;
  /** Both standard input and standard error are a terminal: a person can answer a prompt. */
  readonly interactive: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly homeDir: string;
  readonly platform: NodeJS.Platform;
  /** The process user (for the credentials file owner check); undefined where there is none. */
  readonly uid: number | undefined;
  /** Aborted on Ctrl-C: long waits (`run --wait`, `logs --follow`) end cleanly. */
  readonly signal: AbortSignal;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks `signal.aborted`). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

/** Reads one line from the terminal without echoing it (a key typed at `--api-key-stdin`). */
function askHidden(question: string): Promise<string> {
  process.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) => {
    lines.question('', (answer) => {
      // Resolve before close(): close emits 'close' at once, which would answer '' first.
      resolve(answer);
      lines.close();
      process.stderr.write('\n');
    });
    lines.once('close', () => resolve(''));
  });
}

function ask(question: string): Promise<string> {
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolve) => {
    lines.question(question, (answer) => {
      resolve(answer);
      lines.close();
    });
    // Ctrl-D ends the question with no answer: treated as "no".
    lines.once('close', () => resolve(''));
  });
}

/** The real process, with Ctrl-C turned into an abort signal. */
export function processIo(): CliIo {
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin: () => (process.stdin.isTTY ? askHidden('API key: ') : readAll(process.stdin)),
    prompt: ask,
    openBrowser: (url) => openBrowser(url, process.platform, process.env),
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    homeDir: homedir(),
    platform: process.platform,
    uid: typeof process.getuid === 'function' ? process.getuid() : undefined,
    signal: interrupt.signal,
    sleep,
    now: () => Date.now(),
  };
}
