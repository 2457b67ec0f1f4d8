import { segment, type ApiClient } from '../api/api-client.js';
import type { EnvironmentRef } from '../cli/command-context.js';
import { integerOption } from '../cli/command-line.js';
import type { CommandSpec } from '../cli/command-spec.js';
import { EXIT } from '../errors.js';
import { printable } from '../output/text.js';
import { projectRef, inEnvironment, type ProjectView } from './projects.js';

export interface Deployment {
  id: string;
  revision: number;
  deployedAt: string;
  deployedBy: unknown;
}

/** POST …/projects/:projectId/deployments: the revision given, or the latest when undefined. */
export async function deployRevision(
  client: ApiClient,
  environment: EnvironmentRef,
  project: Pick<ProjectView, 'id' | 'name'>,
  revision: number | undefined,
): Promise<Deployment> {
  const answer = await client.post<{ deployment: Deployment }>(
    inEnvironment(environment, `projects/${segment(project.id)}/deployments`),
    `deploying ${printable(project.name, 80)}`,
    revision === undefined ? {} : { revision },
  );
  return answer.deployment;
}

export const deploy: CommandSpec = {
  name: 'deploy',
  summary: "deploy a project's revision (default: the latest) to the environment",
  usage: '<project> [--revision <n>]',
  options: { revision: { type: 'string' } },
  optionHelp: [['--revision <n>', 'the revision to deploy (default: the latest)']],
  positionals: ['project'],
  notes: 'Refused with VARIABLES_MISSING (exit 5) when the environment lacks a project variable.',
  async run(context, { positionals, values }) {
    const revision = integerOption(values, 'revision', { min: 1, max: 2 ** 31 - 1 });
    const environment = await context.environment();
    const client = await context.api();
    const project = await projectRef(client, environment, positionals[0] ?? '');
    const deployment = await deployRevision(client, environment, project, revision);
    context.out.result({ project: project.name, environment: environment.id, deployment }, [
      `deployed revision ${deployment.revision} of ${printable(project.name, 80)} to ${printable(environment.name, 80)}`,
    ]);
    return EXIT.ok;
  },
};
