import { IsString, IsUUID, Length } from 'class-validator';

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
