import { createEnvelope, decodeEnvelope, encodeEnvelope, type Envelope } from './envelope.js';
import { MessagingError } from './errors.js';

const base = {
  type: 'run.requested',
  orgId: 'org-1',
  environmentId: 'prod',
  payload: { operationId: 'op-7', rows: [1, 2] },
};
const encoder = new TextEncoder();

function bytesOf(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function decodeError(bytes: Uint8Array, maxBytes?: number): MessagingError {
  try {
    decodeEnvelope(bytes, { maxBytes });
  } catch (error) {
    if (MessagingError.is(error)) return error;
    throw error;
  }
  throw new Error('expected decodeEnvelope to refuse');
}

describe('createEnvelope', () => {
  it('fills in version, a UUID id and the current time', () => {
    const before = Date.now();
    const envelope = createEnvelope({ ...base, agentGroupId: 'cloud', correlationId: 'req-42' });
    expect(envelope).toMatchObject({
      v: 1,
      type: 'run.requested',
      orgId: 'org-1',
      agentGroupId: 'cloud',
      correlationId: 'req-42',
    });
    expect(envelope.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(Date.parse(envelope.time)).toBeGreaterThanOrEqual(before);
    expect(createEnvelope(base).id).not.toBe(envelope.id);
    expect('agentGroupId' in createEnvelope(base)).toBe(false);
  });

  it('refuses ids that could be smuggled into subjects', () => {
    expect(() => createEnvelope({ ...base, orgId: 'org.*' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ENVELOPE', field: 'orgId' }),
    );
    expect(() => createEnvelope({ ...base, agentGroupId: 'g >' })).toThrow(
      expect.objectContaining({ field: 'agentGroupId' }),
    );
    expect(() => createEnvelope({ ...base, type: 'Run Requested' })).toThrow(
      expect.objectContaining({ field: 'type' }),
    );
  });
});

describe('encodeEnvelope / decodeEnvelope', () => {
  it('round-trips an envelope through bytes', () => {
    const envelope = createEnvelope({
      ...base,
      correlationId: 'req-42',
      time: new Date('2025-01-31T12:00:00.000Z'),
    });
    const decoded = decodeEnvelope(encodeEnvelope(envelope));
    expect(decoded).toEqual(envelope);
    expect(decoded.time).toBe('2025-01-31T12:00:00.000Z');
  });

  it('refuses an envelope of another version with its own code', () => {
    const future = { ...createEnvelope(base), v: 2 };
    expect(decodeError(bytesOf(future))).toMatchObject({
      code: 'UNSUPPORTED_ENVELOPE_VERSION',
      field: 'v',
    });
    expect(decodeError(bytesOf({ ...future, v: '1' }))).toMatchObject({
      code: 'INVALID_ENVELOPE',
      field: 'v',
    });
  });

  it.each([
    ['id', { id: undefined }],
    ['id', { id: 'a.b' }],
    ['type', { type: 42 }],
    ['time', { time: 'yesterday' }],
    ['time', { time: '2025-13-45T99:99:99Z' }],
    ['orgId', { orgId: '' }],
    ['environmentId', { environmentId: 'prod\n' }],
    ['agentGroupId', { agentGroupId: null }],
    ['correlationId', { correlationId: 'has space' }],
  ])('names the bad field %s', (field, change) => {
    const envelope = { ...createEnvelope(base), ...change };
    const error = decodeError(bytesOf(envelope));
    expect(error).toMatchObject({ code: 'INVALID_ENVELOPE', field });
    expect(error.message).toContain(`"${field}"`);
  });

  it('requires a payload and refuses unknown fields, without echoing hostile names', () => {
    const { payload: _payload, ...withoutPayload } = createEnvelope(base);
    expect(decodeError(bytesOf(withoutPayload))).toMatchObject({ field: 'payload' });
    const error = decodeError(bytesOf({ ...createEnvelope(base), 'admin\r\n': true }));
    expect(error).toMatchObject({ code: 'INVALID_ENVELOPE', field: 'admin??' });
  });

  it('refuses bytes that are not a UTF-8 JSON object', () => {
    expect(decodeError(encoder.encode('{"v":1,')).code).toBe('INVALID_ENVELOPE');
    expect(decodeError(new Uint8Array([0x7b, 0xff, 0x7d])).code).toBe('INVALID_ENVELOPE');
    expect(decodeError(bytesOf([createEnvelope(base)])).message).toBe(
      'envelope must be a JSON object, got an array',
    );
    expect(decodeError(bytesOf(null)).code).toBe('INVALID_ENVELOPE');
  });

  it('drops nothing it knows and keeps nothing it does not: the result is a fresh object', () => {
    const bytes = encoder.encode(
      JSON.stringify(createEnvelope(base)).replace('{', '{"__proto__":{"polluted":true},'),
    );
    expect(decodeError(bytes).field).toBe('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('guards the size on both sides', () => {
    const big = createEnvelope({ ...base, payload: 'x'.repeat(2000) });
    expect(() => encodeEnvelope(big, { maxBytes: 1000 })).toThrow(
      expect.objectContaining({ code: 'ENVELOPE_TOO_LARGE' }),
    );
    const bytes = encodeEnvelope(big);
    expect(decodeError(bytes, 1000).code).toBe('ENVELOPE_TOO_LARGE');
    expect(decodeEnvelope(bytes, { maxBytes: bytes.byteLength }).payload).toBe('x'.repeat(2000));
  });

  it('refuses payloads JSON cannot carry', () => {
    const envelope = createEnvelope(base) as Envelope<unknown>;
    expect(() => encodeEnvelope({ ...envelope, payload: undefined })).toThrow(
      expect.objectContaining({ field: 'payload' }),
    );
    expect(() => encodeEnvelope({ ...envelope, payload: { count: 10n } })).toThrow(
      expect.objectContaining({ code: 'INVALID_ENVELOPE', field: 'payload' }),
    );
  });
});
