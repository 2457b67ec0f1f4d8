/**
 * What the redactor looks for by default. Every quantifier that precedes a literal is
 * bounded so that no pattern can backtrack quadratically on a large log payload (ReDoS).
 */

/**
 * Object keys whose values are secrets, matched anywhere in the key, case-insensitively
 * (`dbPassword`, `X-Api-Key`, `refresh_token`, `Set-Cookie`, `sessionId`…). It errs on
 * the side of redacting: `tokenCount` is redacted too.
 */
export const DEFAULT_SECRET_KEY_PATTERN =
  /passw(?:or)?d|passphrase|pwd|secret|token|authori[sz]ation|cookie|api[-_]?key|access[-_]?key|private[-_]?key|signing[-_]?key|encryption[-_]?key|credential|session|dsn|connection[-_]?string|totp|otp[-_]?seed|jwt|bearer/i;

/** What every masked value or substring is replaced with. */
export const REDACTED = '[REDACTED]';

/** Names that introduce a secret in free text: `password=…`, `"token": "…"`, `?api_key=…`. */
const SECRET_NAME =
  '(?:passw(?:or)?d|passphrase|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|client[-_]?secret)[\\w.-]{0,32}';
// The lookahead keeps already-masked text as it is, so redacting twice changes nothing.
const ASSIGNMENT = `${SECRET_NAME}["']?\\s{0,8}[=:]\\s{0,8}(?!["']?\\[REDACTED\\])`;

/**
 * Patterns masked inside every string. A pattern with a named group `secret` has only
 * that group replaced (keeping context such as the URL's user and host); a pattern
 * without one has its whole match replaced.
 */
export const DEFAULT_SECRET_VALUE_PATTERNS: readonly RegExp[] = Object.freeze([
  // PEM private keys of any kind (RSA, EC, OPENSSH, ENCRYPTED…); a block cut short by
  // truncation is masked to the end of the string rather than leaked.
  /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----|$)/g,
  // Header values that are credentials in their entirety: "Authorization: Basic …", cookies.
  /\b(?:proxy-)?(?:authorization|cookie|set-cookie)["']?\s{0,8}[=:]\s{0,8}["']?(?<secret>[^\r\n"']{1,4096})/gi,
  // Bearer tokens (RFC 6750 token68 syntax); 8+ characters so "Bearer of" is left alone.
  /\bBearer\s{1,8}(?<secret>[A-Za-z0-9\-._~+/]{8,4096}=*)/gi,
  // Credentials in URLs: scheme://user:password@host keeps the user and host.
  /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/?#@:]{0,256}:(?<secret>[^\s/?#]{1,1024})@/gi,
  // JSON Web Tokens wherever they appear (header and payload always start with "eyJ").
  /\beyJ[A-Za-z0-9_-]{4,8192}\.eyJ[A-Za-z0-9_-]{4,16384}\.[A-Za-z0-9_-]{0,8192}/g,
  // Secret assignments in free text, double-quoted (JSON), single-quoted and bare.
  new RegExp(`${ASSIGNMENT}"(?<secret>(?:[^"\\\\\\r\\n]|\\\\.){1,4096})`, 'gi'),
  new RegExp(`${ASSIGNMENT}'(?<secret>(?:[^'\\\\\\r\\n]|\\\\.){1,4096})`, 'gi'),
  new RegExp(`${ASSIGNMENT}(?<secret>[^\\s"'&,;)}\\]]{1,4096})`, 'gi'),
]);
