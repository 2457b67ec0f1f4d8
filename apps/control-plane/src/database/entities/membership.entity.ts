import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A user's membership of an organization, with the roles held there. */
@Entity({ name: 'memberships' })
export class Membership {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'role_ids', type: 'uuid', array: true, default: () => "'{}'" })
  roleIds!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
