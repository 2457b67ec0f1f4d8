import { EventEmitter } from 'node:events';
import { exitCodeFor, onShutdownSignals, type ShutdownSignal } from './shutdown-signals.js';

describe('onShutdownSignals', () => {
  function wire() {
    const emitter = new EventEmitter();
    const calls: string[] = [];
    const stop = onShutdownSignals(emitter, {
      graceful: (signal) => calls.push(`graceful ${signal}`),
      forced: (signal) => calls.push(`forced ${signal}`),
    });
    return { emitter, calls, stop };
  }

  it('drains on the first signal and forces on any later one', () => {
    const { emitter, calls } = wire();
    emitter.emit('SIGTERM');
    emitter.emit('SIGINT');
    emitter.emit('SIGTERM');
    expect(calls).toEqual(['graceful SIGTERM', 'forced SIGINT', 'forced SIGTERM']);
  });

  it('removes its listeners when stopped', () => {
    const { emitter, calls, stop } = wire();
    stop();
    expect(emitter.listenerCount('SIGTERM') + emitter.listenerCount('SIGINT')).toBe(0);
    emitter.emit('SIGINT');
    expect(calls).toEqual([]);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as Array<[ShutdownSignal, number]>)('exits %s with %d when forced', (signal, code) => {
    expect(exitCodeFor(signal)).toBe(code);
  });
});
