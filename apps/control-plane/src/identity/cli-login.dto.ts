import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';

/** `GET /api/v1/auth/cli/sso/:orgSlug?port&state&challenge`: what the CLI put in the URL it opened. */
export class CliSsoStartQuery {
  @Type(() => Number)
  @IsInt({ message: 'port must be the port of the CLI on 127.0.0.1, from 1024 to 65535' })
  @Min(1024, { message: 'port must be the port of the CLI on 127.0.0.1, from 1024 to 65535' })
  @Max(65535, { message: 'port must be the port of the CLI on 127.0.0.1, from 1024 to 65535' })
  port!: number;

  @Matches(/^[A-Za-z0-9_-]{16,128}$/, { message: 'state must be 16 to 128 base64url characters' })
  state!: string;

  @Matches(/^[A-Za-z0-9_-]{43}$/, {
    message: 'challenge must be the S256 PKCE challenge of the CLI (43 base64url characters)',
  })
  challenge!: string;
}

/** `POST /api/v1/auth/cli/token`: the one-time code the browser brought back, and the PKCE verifier. */
export class CliTokenRequest {
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'code must be the code the browser brought back' })
  code!: string;

  /** RFC 7636 §4.1: 43 to 128 unreserved characters. */
  @Matches(/^[A-Za-z0-9._~-]{43,128}$/, {
    message: 'verifier must be the PKCE verifier (43 to 128 unreserved characters)',
  })
  verifier!: string;
}
