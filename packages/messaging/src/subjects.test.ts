import {
  assertSubjectToken,
  buildSubject,
  groupWildcard,
  parseSubject,
  subjectWildcard,
  type SubjectParts,
} from './subjects.js';
import { MessagingError } from './errors.js';

const group = {
  orgId: 'org-1',
  environmentId: 'env_prod',
  agentGroupId: '3f1c2d4e-0000-4000-8000-00000000abcd',
};

function errorOf(action: () => unknown): MessagingError {
  try {
    action();
  } catch (error) {
    if (MessagingError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a MessagingError');
}

describe('buildSubject / parseSubject', () => {
  it.each(['run', 'api', 'events', 'control'] as const)(
    'round-trips the %s subject of a group',
    (kind) => {
      const subject = buildSubject({ ...group, kind });
      expect(subject).toBe(`weft.org-1.env_prod.${group.agentGroupId}.${kind}`);
      expect(parseSubject(subject)).toEqual({ ...group, kind });
    },
  );

  it.each([
    ['a dot that would add a token', 'org.evil'],
    ['the single-token wildcard', '*'],
    ['the tail wildcard', '>'],
    ['a wildcard inside a word', 'org*'],
    ['a space', 'org 1'],
    ['a tab', 'org\t1'],
    ['a newline (protocol injection)', 'org\r\nPUB x 1'],
    ['a NUL byte', 'org\u00001'],
    ['a non-ASCII look-alike', 'оrg'],
    ['an empty id', ''],
    ['an id over 64 characters', 'a'.repeat(65)],
  ])('rejects an orgId with %s', (_label, orgId) => {
    const error = errorOf(() => buildSubject({ ...group, orgId, kind: 'run' }));
    expect(error.code).toBe('INVALID_SUBJECT_TOKEN');
    expect(error.field).toBe('orgId');
    expect(error.message).toMatch(/^orgId /);
  });

  it('names the offending character without repeating the input', () => {
    const error = errorOf(() => assertSubjectToken('abc\r\nPUB evil', 'environmentId'));
    expect(error.message).toBe(
      'environmentId contains U+000D at position 3; only A-Z a-z 0-9 _ - are allowed',
    );
  });

  it('rejects non-string ids and unknown kinds', () => {
    expect(errorOf(() => assertSubjectToken(42, 'agentGroupId')).message).toBe(
      'agentGroupId must be a string, got a number',
    );
    const kind = errorOf(() =>
      buildSubject({ ...group, kind: 'admin' } as unknown as SubjectParts),
    );
    expect(kind).toMatchObject({ code: 'INVALID_SUBJECT', field: 'kind' });
  });

  it('accepts exactly 64 characters', () => {
    expect(() => assertSubjectToken('a'.repeat(64), 'orgId')).not.toThrow();
  });

  it.each([
    ['another root', 'nats.org-1.env.grp.run'],
    ['too few tokens', 'weft.org-1.env.run'],
    ['too many tokens', 'weft.org-1.env.grp.run.extra'],
    ['a wildcard token', 'weft.*.env.grp.run'],
    ['a tail wildcard', 'weft.org-1.>'],
    ['an empty token', 'weft.org-1..grp.run'],
    ['an unknown kind', 'weft.org-1.env.grp.jobs'],
  ])('refuses to parse %s', (_label, subject) => {
    expect(errorOf(() => parseSubject(subject)).code).toBe('INVALID_SUBJECT');
  });

  it('says which part of a parsed subject is wrong', () => {
    expect(errorOf(() => parseSubject('weft.org-1.e v.grp.run'))).toMatchObject({
      code: 'INVALID_SUBJECT',
      field: 'environmentId',
    });
  });
});

describe('wildcards', () => {
  it('covers all kinds of one group', () => {
    expect(groupWildcard(group)).toBe(`weft.org-1.env_prod.${group.agentGroupId}.*`);
  });

  it('leaves out parts as single-token wildcards', () => {
    expect(subjectWildcard({ kind: 'events' })).toBe('weft.*.*.*.events');
    expect(subjectWildcard({ orgId: 'org-1', environmentId: 'env_prod' })).toBe(
      'weft.org-1.env_prod.*.*',
    );
    expect(subjectWildcard({})).toBe('weft.*.*.*.*');
  });

  it('still validates the parts it is given', () => {
    expect(errorOf(() => subjectWildcard({ orgId: '>' })).code).toBe('INVALID_SUBJECT_TOKEN');
    expect(errorOf(() => groupWildcard({ ...group, agentGroupId: '' })).field).toBe('agentGroupId');
    expect(errorOf(() => subjectWildcard({ kind: '*' as never })).code).toBe('INVALID_SUBJECT');
  });
});

describe('MessagingError', () => {
  it('is recognised by its brand, also across copies of the class', () => {
    const error = errorOf(() => assertSubjectToken('', 'orgId'));
    expect(MessagingError.is(error)).toBe(true);
    const lookalike = Object.assign(new Error('x'), { [Symbol.for('weft.messaging.error')]: true });
    expect(MessagingError.is(lookalike)).toBe(true);
    expect(MessagingError.is(new Error('x'))).toBe(false);
    expect(MessagingError.is(null)).toBe(false);
  });
});
