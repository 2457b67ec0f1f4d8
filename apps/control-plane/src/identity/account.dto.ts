import { IsEmail, IsOptional, IsString, Length, Matches } from 'class-validator';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const ONE_LINE = /^[^\p{Cc}]*$/u;

/** `POST /api/v1/auth/register`. */
export class RegisterRequest {
  @IsEmail({}, { message: 'email must be an email address' })
  @Length(3, 320)
  email!: string;

  @IsString()
  @Length(1, 1024)
  password!: string;

  @IsString()
  @Length(1, 100)
  @Matches(ONE_LINE, { message: 'firstName must be one line of text' })
  firstName!: string;

  @IsString()
  @Length(1, 100)
  @Matches(ONE_LINE, { message: 'lastName must be one line of text' })
  lastName!: string;

  @IsOptional()
  @Matches(/^\+?[0-9 ()./-]{4,30}$/, { message: 'phone must be a phone number' })
  phone?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(ONE_LINE, { message: 'company must be one line of text' })
  company?: string;

  @IsOptional()
  @IsString()
  @Length(1, 500)
  address?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]{1,490}$/, { message: 'website must be an http(s) address' })
  website?: string;
}

/** `POST /api/v1/auth/verify-email` and `POST /api/v1/invitations/accept`. */
export class TokenRequest {
  @Matches(TOKEN, { message: 'token must be the token from the link you received' })
  token!: string;
}

/** `POST /api/v1/auth/password-reset`. */
export class PasswordResetRequest {
  @IsEmail({}, { message: 'email must be an email address' })
  @Length(3, 320)
  email!: string;
}

/** `POST /api/v1/auth/password-reset/complete`. */
export class CompletePasswordResetRequest extends TokenRequest {
  @IsString()
  @Length(1, 1024)
  password!: string;
}

/** `POST /api/v1/auth/password`. */
export class ChangePasswordRequest {
  @IsString()
  @Length(1, 1024)
  currentPassword!: string;

  @IsString()
  @Length(1, 1024)
  password!: string;
}
