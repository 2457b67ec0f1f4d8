import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateIf,
} from 'class-validator';

/** `POST /api/v1/auth/login`. Sizes are bounded before any password work is done. */
export class SignInRequest {
  @IsString()
  @Length(1, 320)
  email!: string;

  @IsString()
  @Length(1, 1024)
  password!: string;
}

/** `POST /api/v1/auth/session/organization`. */
export class SwitchOrganizationRequest {
  @IsUUID('all', { message: 'organizationId must be an organization id (a UUID)' })
  organizationId!: string;
}

/** A second factor: the current authenticator code, or one unused recovery code. */
export class SecondFactorRequest {
  @IsOptional()
  @Matches(/^[0-9]{6}$/, { message: 'code must be the 6 digits your authenticator app shows' })
  code?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}$/, {
    message: 'recoveryCode must be one of your recovery codes, like ABCD-EFGH-IJKL-MNOP',
  })
  recoveryCode?: string;
}

/** `POST /api/v1/auth/login/second-factor`: finishes a sign-in the password started. */
export class CompleteSignInRequest extends SecondFactorRequest {
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'challengeToken must be the token sign-in returned' })
  challengeToken!: string;
}

/** `POST /api/v1/auth/two-factor/totp/confirm`. */
export class ConfirmTotpRequest {
  @Matches(/^[0-9]{6}$/, { message: 'code must be the 6 digits your authenticator app shows' })
  code!: string;
}

/** `PATCH /api/v1/organizations/:orgId/policies`. Omitted fields keep their value. */
export class OrganizationPolicyRequest {
  @IsOptional()
  @IsBoolean()
  requireTwoFactor?: boolean;

  /** The whole password policy (checked against NIST's floor), or null for NIST's defaults. */
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsObject()
  passwordPolicy?: Record<string, unknown> | null;

  /** CIDR ranges (or single addresses); empty: any address. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(/^[0-9a-fA-F:.]{2,45}(\/[0-9]{1,3})?$/, {
    each: true,
    message: 'ipAllowlist must hold addresses or CIDR ranges such as 203.0.113.0/24',
  })
  ipAllowlist?: string[];

  @IsOptional()
  @IsIn(['security', 'writes', 'reads'], {
    message: 'auditLevel must be security, writes or reads',
  })
  auditLevel?: 'security' | 'writes' | 'reads';
}

/** `PUT /api/v1/organizations/:orgId/sso`: the organization's OpenID Connect provider. */
export class IdentityProviderRequest {
  @IsString()
  @Length(8, 500)
  issuer!: string;

  @IsString()
  @Length(1, 500)
  clientId!: string;

  /** Write-only; omit to keep the stored secret. */
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  clientSecret?: string;

  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUUID('all', { message: 'jitRoleId must be a role id (a UUID) or null' })
  jitRoleId?: string | null;

  @IsOptional()
  @IsBoolean()
  enforced?: boolean;
}
