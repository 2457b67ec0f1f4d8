import { resolve } from 'node:path';
import { segment } from '../api/api-client.js';
import { integerOption } from '../cli/command-line.js';
import type { CommandSpec } from '../cli/command-spec.js';
import { CliError, EXIT } from '../errors.js';
import { plural, printable } from '../output/text.js';
import { readProjectFolder } from '../project/folder-reader.js';
import { writeProjectFolder } from '../project/folder-writer.js';
import {
  projectProblems,
  type ProjectDocument,
  type ProjectLibrary,
} from '../project/project-library.js';
import { deployRevision } from './deploy.js';
import { findProject, inEnvironment, type ProjectView, type RevisionView } from './projects.js';

interface PushAnswer {
  project: ProjectView;
  revision: RevisionView;
  created: boolean;
}

/** The folder as a project document, or the parser's problems as a validation error (exit 5). */
function parseFolder(
  library: ProjectLibrary,
  folder: string,
  files: Parameters<ProjectLibrary['parseProjectFolder']>[0],
): ProjectDocument {
  try {
    return library.parseProjectFolder(files);
  } catch (error) {
    const problems = projectProblems(error);
    if (problems === undefined) throw error;
    throw new CliError(
      'validation',
      `${folder}: the project has ${plural(problems.length, 'problem')}`,
      {
        problems,
        apiCode: 'PROJECT_INVALID',
      },
    );
  }
}

export const projectPush: CommandSpec = {
  name: 'project push',
  summary: 'validate a project folder and store it as a new revision (unchanged: no new revision)',
  usage: '<folder> [--deploy]',
  options: { deploy: { type: 'boolean' } },
  optionHelp: [['--deploy', 'deploy the pushed revision to the environment too']],
  positionals: ['folder'],
  notes: `The folder is checked locally first (every problem printed as path: message, exit 5), then by the
control plane, which also checks what only it knows (connectors, files, variables).`,
  async run(context, { positionals, values }) {
    const folder = positionals[0] ?? '';
    const library = await context.projectLibrary();
    const files = await readProjectFolder(resolve(context.io.cwd, folder));
    const document = parseFolder(library, folder, files);
    const environment = await context.environment();
    const client = await context.api();
    const name = printable(document.name, 80);
    const pushed = await client.post<PushAnswer>(
      inEnvironment(environment, 'projects'),
      `pushing project ${name}`,
      { document },
    );
    const { revision } = pushed.revision;
    const lines = [
      pushed.created
        ? `created revision ${revision} of ${name} in ${printable(environment.name, 80)}`
        : `unchanged (revision ${revision})`,
    ];
    let deployment: unknown;
    if (values['deploy'] === true) {
      if (pushed.project.deployedRevision === revision) {
        lines.push(`already deployed (revision ${revision})`);
      } else {
        deployment = await deployRevision(client, environment, pushed.project, revision);
        lines.push(`deployed revision ${revision} to ${printable(environment.name, 80)}`);
      }
    }
    context.out.result({ ...pushed, ...(deployment !== undefined ? { deployment } : {}) }, lines);
    return EXIT.ok;
  },
};

export const projectPull: CommandSpec = {
  name: 'project pull',
  summary: "write a project's revision (default: the latest) into a new folder",
  usage: '<project> <folder> [--revision <n>]',
  options: { revision: { type: 'string' } },
  optionHelp: [['--revision <n>', 'the revision to pull (default: the latest)']],
  positionals: ['project', 'folder'],
  async run(context, { positionals, values }) {
    const [projectName = '', folder = ''] = positionals;
    const wanted = integerOption(values, 'revision', { min: 1, max: 2 ** 31 - 1 });
    const library = await context.projectLibrary();
    const environment = await context.environment();
    const client = await context.api();
    const project = await findProject(client, environment, projectName);
    const revision = wanted ?? project.latestRevision;
    const stored = await client.get<RevisionView & { document: ProjectDocument }>(
      inEnvironment(environment, `projects/${segment(project.id)}/revisions/${segment(revision)}`),
      `reading revision ${revision} of ${printable(project.name, 80)}`,
    );
    const files = library.projectToFolder(stored.document);
    const target = resolve(context.io.cwd, folder);
    await writeProjectFolder(target, files);
    context.out.result(
      { project: project.name, revision, folder: target, files: files.map((f) => f.path) },
      [
        `wrote ${plural(files.length, 'file')} of ${printable(project.name, 80)} revision ${revision} to ${target}`,
      ],
    );
    return EXIT.ok;
  },
};
