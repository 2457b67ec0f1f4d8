import type { DataSource } from 'typeorm';
import { selectRows } from '../database/sql.js';

const MAX_ENTRIES = 10_000;

/**
 * Which agent groups are cloud groups (run by the installation for every organization), and
 * who owns them. A cloud group's row is not any tenant's, so it is read as the platform. A
 * group's kind never changes, so answers are kept (a bounded map).
 */
export class AgentGroupKinds {
  readonly #owners = new Map<string, string | null>();

  constructor(private readonly db: DataSource) {}

  /** The owning organization of a cloud group; null for a private group or none at all. */
  async cloudOwner(groupId: string): Promise<string | null> {
    const known = this.#owners.get(groupId);
    if (known !== undefined) return known;
    const [group] = await selectRows<{ org_id: string; shared: boolean }>(
      this.db,
      `SELECT org_id, shared FROM agent_groups WHERE id = $1`,
      [groupId],
    );
    if (group === undefined) return null; // not kept: it may be created later
    if (this.#owners.size >= MAX_ENTRIES) this.#owners.clear();
    const owner = group.shared ? group.org_id : null;
    this.#owners.set(groupId, owner);
    return owner;
  }
}
