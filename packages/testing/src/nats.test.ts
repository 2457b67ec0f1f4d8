import { jest } from '@jest/globals';
import { findNatsServer } from './nats.js';

describe('findNatsServer', () => {
  const saved = process.env.NATS_SERVER_BIN;

  afterEach(() => {
    if (saved === undefined) delete process.env.NATS_SERVER_BIN;
    else process.env.NATS_SERVER_BIN = saved;
    jest.restoreAllMocks();
  });

  it('finds the installed binary', () => {
    delete process.env.NATS_SERVER_BIN;
    expect(findNatsServer()).toMatch(/\/nats-server$/);
  });

  it('explains how to install nats-server when NATS_SERVER_BIN points nowhere', () => {
    process.env.NATS_SERVER_BIN = '/nonexistent/nats-server';
    expect(() => findNatsServer()).toThrow(
      /NATS_SERVER_BIN=\/nonexistent\/nats-server.*apt-get install -y nats-server/s,
    );
    expect(() => findNatsServer()).toThrow(
      expect.objectContaining({ code: 'NATS_SERVER_NOT_FOUND' }),
    );
  });
});
