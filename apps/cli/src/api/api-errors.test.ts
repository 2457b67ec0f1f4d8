import { apiFailure, readApiError, transportFailure } from './api-errors.js';

describe('readApiError', () => {
  const problems = [
    { path: 'operations.a', code: 'unknown_reference', message: 'no connection b' },
  ];

  it('reads the server-kit shape, with problems under details', () => {
    expect(
      readApiError({
        error: { code: 'PROJECT_INVALID', message: 'invalid', details: { problems } },
      }),
    ).toEqual({
      code: 'PROJECT_INVALID',
      message: 'invalid',
      problems,
    });
  });

  it("reads the design's flat shape", () => {
    expect(readApiError({ code: 'PROJECT_INVALID', message: 'invalid', problems })).toEqual({
      code: 'PROJECT_INVALID',
      message: 'invalid',
      problems,
    });
  });

  it('tolerates junk', () => {
    expect(readApiError(undefined)).toEqual({ problems: [] });
    expect(readApiError('text')).toEqual({ problems: [] });
    expect(readApiError({ error: { code: 7, problems: [null, { message: 'm' }] } })).toEqual({
      problems: [{ path: '(document)', message: 'm' }],
    });
  });
});

describe('apiFailure', () => {
  it.each([
    [400, 'validation', 5],
    [401, 'auth', 3],
    [403, 'auth', 3],
    [404, 'not_found', 4],
    [409, 'failed', 1],
    [413, 'validation', 5],
    [422, 'validation', 5],
    [429, 'failed', 1],
    [503, 'failed', 1],
  ])('HTTP %i is %s (exit %i)', (status, code, exit) => {
    const error = apiFailure(status, { error: { code: 'X', message: 'm' } }, 'doing it');
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(exit);
    expect(error.apiCode).toBe('X');
  });

  it('a 5xx message is not shown (the server keeps its details), a 4xx one is', () => {
    expect(
      apiFailure(500, { error: { code: 'INTERNAL', message: 'stack at line 3' } }, 'pushing')
        .message,
    ).toBe('pushing: the control plane failed (HTTP 500 INTERNAL)');
    expect(apiFailure(409, undefined, 'deploying').message).toBe('deploying: HTTP 409');
  });
});

describe('transportFailure', () => {
  it('a certificate problem points at NODE_EXTRA_CA_CERTS', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }),
    });
    expect(transportFailure(error, 'https://weft.internal', 30_000).message).toBe(
      "cannot verify the TLS certificate of https://weft.internal (SELF_SIGNED_CERT_IN_CHAIN); if it is signed by a private CA, set NODE_EXTRA_CA_CERTS to that CA's PEM file",
    );
  });

  it('a timeout and an abort', () => {
    expect(
      transportFailure(new DOMException('t', 'TimeoutError'), 'https://w', 30_000).message,
    ).toBe('https://w did not answer within 30 s');
    expect(
      transportFailure(new DOMException('a', 'AbortError'), 'https://w', 30_000).exitCode,
    ).toBe(130);
  });
});
