import { IsEmail, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsUrlWithProtocol, Secret } from '@weft/server-kit';
import { WithKeySettings } from './key-settings.js';
import { WithBackupSettings, WithS3Settings } from './storage-settings.js';

/** Settings of `migrate`: only the database. */
export class MigrateEnv {
  @Secret()
  @IsUrlWithProtocol(['postgres:', 'postgresql:'])
  DATABASE_URL!: string;
}

/** Settings of the `keys` commands: the database and the key-encryption key. */
export class KeysEnv extends WithKeySettings(MigrateEnv) {}

/** Settings of `backup`, `restore` and `backups`: database, key-encryption key and object store. */
export class BackupEnv extends WithBackupSettings(WithS3Settings(KeysEnv)) {
  /**
   * Where `restore` writes: an empty database. A setting rather than an argument, so its password
   * never shows in the process list. Defaults to DATABASE_URL (refused unless that is empty).
   */
  @Secret()
  @IsOptional()
  @IsUrlWithProtocol(['postgres:', 'postgresql:'])
  WEFT_RESTORE_DATABASE_URL?: string;
}

/**
 * Settings of `bootstrap`: the database, the key-encryption key (the first organization gets
 * its data key) and who the first administrator is.
 */
export class BootstrapEnv extends KeysEnv {
  @IsEmail({}, { message: 'WEFT_BOOTSTRAP_ADMIN_EMAIL must be an email address' })
  WEFT_BOOTSTRAP_ADMIN_EMAIL!: string;

  @IsString()
  @Length(1, 100)
  WEFT_BOOTSTRAP_ADMIN_FIRST_NAME: string = 'Weft';

  @IsString()
  @Length(1, 100)
  WEFT_BOOTSTRAP_ADMIN_LAST_NAME: string = 'Administrator';

  /** Optional: generated (and printed once) when absent. Never has a default. */
  @Secret()
  @IsOptional()
  @IsString()
  @Length(15, 256, { message: 'WEFT_BOOTSTRAP_ADMIN_PASSWORD must be 15 to 256 characters' })
  WEFT_BOOTSTRAP_ADMIN_PASSWORD?: string;

  @IsString()
  @Length(1, 200)
  WEFT_BOOTSTRAP_ORG_NAME: string = 'Weft';

  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    message: 'WEFT_BOOTSTRAP_ORG_SLUG must be lower-case letters, digits and dashes',
  })
  WEFT_BOOTSTRAP_ORG_SLUG: string = 'weft';
}
