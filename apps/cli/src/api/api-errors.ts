import { CliError, type CliErrorCode, type Problem } from '../errors.js';
import { printable } from '../output/text.js';

const MAX_PROBLEMS = 1000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problemsOf(value: unknown): Problem[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(isObject)
    .slice(0, MAX_PROBLEMS)
    .map((problem) => ({
      path: printable(problem['path'], 300) || '(document)',
      ...(typeof problem['code'] === 'string' ? { code: printable(problem['code'], 80) } : {}),
      message: printable(problem['message']),
    }));
}

/**
 * The API's error as `{ code, message, problems }`. Accepted in the shape the design names
 * (`{ code, message, problems? }`) and in the one the server-kit error filter sends
 * (`{ error: { code, message, details? } }`, problems possibly under `details`).
 */
export function readApiError(body: unknown): {
  code?: string;
  message?: string;
  problems: Problem[];
} {
  if (!isObject(body)) return { problems: [] };
  const error = isObject(body['error']) ? body['error'] : body;
  const details = isObject(error['details']) ? error['details'] : {};
  const code = typeof error['code'] === 'string' ? printable(error['code'], 80) : undefined;
  const message = typeof error['message'] === 'string' ? printable(error['message']) : undefined;
  const problems = problemsOf(error['problems'] ?? details['problems'] ?? body['problems']);
  return { ...(code ? { code } : {}), ...(message ? { message } : {}), problems };
}

function kindOf(status: number): CliErrorCode {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 400 || status === 413 || status === 422) return 'validation';
  return 'failed';
}

/** A refused request as the error the user sees: what failed, the API's message and code. */
export function apiFailure(status: number, body: unknown, what: string): CliError {
  const { code, message, problems } = readApiError(body);
  const kind = kindOf(status);
  const reason =
    status >= 500
      ? `the control plane failed (HTTP ${status}${code ? ` ${code}` : ''})`
      : `${message ?? `HTTP ${status}`}${code ? ` (${code})` : ''}`;
  const hint = status === 401 ? '; run weft login again, or check WEFT_API_KEY' : '';
  return new CliError(kind, `${what}: ${reason}${hint}`, {
    problems,
    ...(code ? { apiCode: code } : {}),
  });
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A request that got no answer: timeout, Ctrl-C, refused connection, untrusted certificate. */
export function transportFailure(error: unknown, origin: string, timeoutMs: number): CliError {
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError') {
    return new CliError('failed', `${origin} did not answer within ${timeoutMs / 1000} s`);
  }
  if (name === 'AbortError') return new CliError('interrupted', 'interrupted');
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code !== undefined && TLS_CODES.has(code)) {
    return new CliError(
      'failed',
      `cannot verify the TLS certificate of ${origin} (${code}); if it is signed by a private CA, set NODE_EXTRA_CA_CERTS to that CA's PEM file`,
    );
  }
  const detail =
    code ?? (typeof cause?.message === 'string' ? cause.message : (error as Error).message);
  return new CliError('failed', `cannot reach ${origin}: ${printable(detail, 200)}`);
}
