import type { DataSource } from 'typeorm';
import { selectRows } from '../database/sql.js';
import { asOrgId } from '../database/tenant.js';
import { AgentRegistry } from './agent-registry.js';

export const CLOUD_AGENTS_HELP = `Usage: weft-control-plane cloud-agents <command>

Cloud agent groups are run by the installation for every organization's runs. Their agents
belong to the organization that operates this installation (--org, its slug).

Commands:
  create-group --org <slug> --name <name>
              create a cloud agent group; prints its id
  enrolment-token --org <slug> --group <id>
              a one-time enrolment token (15 minutes) for a new agent of the group; prints it
              once (give it to the agent as WEFT_AGENT_ENROLMENT_TOKEN, with agentKind: cloud)
`;

export class CloudAgentsUsageError extends Error {}

function option(args: readonly string[], name: string): string {
  const at = args.indexOf(name);
  const value = at >= 0 ? args[at + 1] : undefined;
  if (value === undefined || value.startsWith('--')) {
    throw new CloudAgentsUsageError(`cloud-agents: ${name} is required (try cloud-agents --help)`);
  }
  return value;
}

/** Runs `cloud-agents …` against the database; returns what to print. */
export async function runCloudAgentsCommand(
  db: DataSource,
  args: readonly string[],
): Promise<string> {
  const [command] = args;
  if (command === undefined || command === '--help' || command === 'help') return CLOUD_AGENTS_HELP;
  const slug = option(args, '--org');
  const [org] = await selectRows<{ id: string }>(
    db,
    `SELECT id FROM organizations WHERE slug = $1`,
    [slug],
  );
  if (org === undefined)
    throw new CloudAgentsUsageError(`cloud-agents: no organization "${slug.slice(0, 64)}"`);
  const orgId = asOrgId(org.id);
  const registry = new AgentRegistry(db);
  const actor = { type: 'system' as const, id: 'cloud-agents-command' };
  switch (command) {
    case 'create-group': {
      const { id } = await registry.createCloudGroup(
        orgId,
        option(args, '--name').slice(0, 100),
        actor,
      );
      return `${id}\n`;
    }
    case 'enrolment-token': {
      const { token, expiresAt } = await registry.createCloudEnrolmentToken(
        orgId,
        option(args, '--group'),
        actor,
      );
      return `${token}\n# expires ${expiresAt}\n`;
    }
    default:
      throw new CloudAgentsUsageError(
        `cloud-agents: unknown command "${command.slice(0, 40)}" (try cloud-agents --help)`,
      );
  }
}
