export type ShutdownSignal = 'SIGTERM' | 'SIGINT';

export interface SignalSource {
  on(event: ShutdownSignal, listener: () => void): unknown;
  off(event: ShutdownSignal, listener: () => void): unknown;
}

export interface ShutdownHandlers {
  /** The first SIGTERM or SIGINT: drain. */
  readonly graceful: (signal: ShutdownSignal) => void;
  /** Any later one: the operator wants out now. */
  readonly forced: (signal: ShutdownSignal) => void;
}

const SIGNALS: readonly ShutdownSignal[] = ['SIGTERM', 'SIGINT'];
const SIGNAL_NUMBERS: Record<ShutdownSignal, number> = { SIGINT: 2, SIGTERM: 15 };

/** The conventional exit code of a process ended by `signal`. */
export function exitCodeFor(signal: ShutdownSignal): number {
  return 128 + SIGNAL_NUMBERS[signal];
}

/** Routes SIGTERM/SIGINT to the handlers; returns a function that removes the listeners. */
export function onShutdownSignals(source: SignalSource, handlers: ShutdownHandlers): () => void {
  let received = false;
  const listeners = SIGNALS.map((signal) => {
    const listener = (): void => {
      if (received) return handlers.forced(signal);
      received = true;
      handlers.graceful(signal);
    };
    source.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) source.off(signal, listener);
  };
}
