import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AccessLevel } from '@weft/rbac';

/** A role in one organization: the org-wide Admin permission and per-environment access levels. */
@Entity({ name: 'roles' })
export class RoleRecord {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'built_in', type: 'boolean', default: false })
  builtIn!: boolean;

  @Column({ type: 'boolean', default: false })
  admin!: boolean;

  /** Levels granted in every environment of the org unless overridden per environment. */
  @Column({ name: 'default_levels', type: 'jsonb', default: () => "'[]'::jsonb" })
  defaultLevels!: AccessLevel[];

  /** Environment id → levels granted there. */
  @Column({ name: 'environment_levels', type: 'jsonb', default: () => "'{}'::jsonb" })
  environmentLevels!: Record<string, AccessLevel[]>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
