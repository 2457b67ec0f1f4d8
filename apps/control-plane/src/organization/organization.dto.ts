import { ACCESS_LEVELS } from '@weft/rbac';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
} from 'class-validator';

const NAME = /^[^\p{Cc}]+$/u;

/** `POST /api/v1/organizations/:orgId/environments`. */
export class CreateEnvironmentRequest {
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'name must not contain control characters' })
  name!: string;

  @IsIn(['development', 'test', 'production', 'custom'], {
    message: 'kind must be one of development, test, production, custom',
  })
  kind!: 'development' | 'test' | 'production' | 'custom';
}

/** `PATCH /api/v1/organizations/:orgId/environments/:environmentId`. */
export class RenameEnvironmentRequest {
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'name must not contain control characters' })
  name!: string;
}

/** `POST` / `PATCH /api/v1/organizations/:orgId/roles[/:roleId]`; PATCH keeps omitted fields. */
export class RoleRequest {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'name must not contain control characters' })
  name?: string;

  @IsOptional()
  @IsBoolean()
  admin?: boolean;

  /** Levels on every environment, present and future. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(ACCESS_LEVELS.length)
  @IsIn(ACCESS_LEVELS, {
    each: true,
    message: `defaultLevels must hold only ${ACCESS_LEVELS.join(', ')}`,
  })
  defaultLevels?: string[];

  /** Levels per environment id, added to the default levels. */
  @IsOptional()
  @IsObject()
  environmentLevels?: Record<string, unknown>;
}

/** `PUT /api/v1/organizations/:orgId/members/:userId/roles`. */
export class MemberRolesRequest {
  @IsArray()
  @ArrayMaxSize(20)
  @IsUUID('all', { each: true, message: 'roleIds must hold role ids (UUIDs)' })
  roleIds!: string[];
}

/** `POST /api/v1/organizations/:orgId/invitations`. */
export class InvitationRequest {
  @IsEmail({}, { message: 'email must be an email address' })
  @Length(3, 320)
  email!: string;

  @IsArray()
  @ArrayMaxSize(20)
  @IsUUID('all', { each: true, message: 'roleIds must hold role ids (UUIDs)' })
  roleIds!: string[];
}
