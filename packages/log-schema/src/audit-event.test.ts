import { randomUUID } from 'node:crypto';
import { AUDIT_ACTOR_TYPES, AUDIT_OUTCOMES, parseAuditEvent } from './index.js';
import { refusal, withField } from '../test/support.js';

const minimal = {
  v: 1,
  id: randomUUID(),
  time: '2024-06-01T12:00:00.000Z',
  orgId: randomUUID(),
  actor: { type: 'user', id: randomUUID() },
  action: 'project.deploy',
  target: { type: 'project', id: randomUUID() },
  outcome: 'succeeded',
};

describe('parseAuditEvent', () => {
  it('accepts a minimal event', () => {
    expect(parseAuditEvent(minimal)).toEqual(minimal);
  });

  it('accepts the optional fields', () => {
    const full = {
      ...minimal,
      requestId: 'req-1',
      ip: '2001:db8::1',
      details: { environment: 'prod' },
    };
    expect(parseAuditEvent(full)).toEqual(full);
    expect(parseAuditEvent({ ...full, ip: '203.0.113.9' }).ip).toBe('203.0.113.9');
  });

  it('treats null optional fields as absent and drops unknown fields', () => {
    const parsed = parseAuditEvent({
      ...minimal,
      requestId: null,
      ip: null,
      details: null,
      extra: 1,
    });
    expect(parsed).toEqual(minimal);
    expect(parsed).not.toHaveProperty('requestId');
    expect(parsed).not.toHaveProperty('extra');
  });

  it.each(AUDIT_ACTOR_TYPES.map((type) => [type]))('accepts actor type %s', (type) => {
    expect(parseAuditEvent(withField(minimal, 'actor.type', type)).actor.type).toBe(type);
  });

  it.each(AUDIT_OUTCOMES.map((outcome) => [outcome]))('accepts outcome %s', (outcome) => {
    expect(parseAuditEvent({ ...minimal, outcome }).outcome).toBe(outcome);
  });

  it.each([
    ['v', 0],
    ['id', undefined],
    ['id', ''],
    ['id', 'has space'],
    ['id', 'x'.repeat(257)],
    ['time', '2024-13-01T00:00:00Z'],
    ['orgId', 42],
    ['actor', undefined],
    ['actor', 'user:1'],
    ['actor', ['user']],
    ['actor.type', 'robot'],
    ['actor.id', undefined],
    ['action', ''],
    ['target', null],
    ['target.type', undefined],
    ['target.id', 'line\nbreak'],
    ['outcome', 'ok'],
    ['requestId', 'with space'],
    ['ip', 'localhost'],
    ['ip', '999.1.1.1'],
    ['details', 'text'],
    ['details', [1, 2]],
  ])('refuses a bad %s (case %#), naming the field', (field, value) => {
    const error = refusal(() => parseAuditEvent(withField(minimal, field, value)));
    expect(error.code).toBe('INVALID_AUDIT_EVENT');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`"${field}"`);
  });

  it.each([null, 'event', 42, [minimal], new Map()])('refuses the non-object %p', (value) => {
    const error = refusal(() => parseAuditEvent(value));
    expect(error.code).toBe('INVALID_AUDIT_EVENT');
    expect(error.field).toBeUndefined();
  });
});
