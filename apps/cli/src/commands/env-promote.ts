import { integerOption, stringOption } from '../cli/command-line.js';
import type { CommandContext } from '../cli/command-context.js';
import type { CommandSpec } from '../cli/command-spec.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { printable } from '../output/text.js';
import type { Deployment } from './deploy.js';
import { findProject, inEnvironment, type ProjectView, type RevisionView } from './projects.js';

export interface ProjectChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
}

interface Preview {
  changes: ProjectChange[];
  sourceRevision: number;
  targetRevision: number | null;
}

interface Promoted {
  project: ProjectView;
  revision: RevisionView;
  /** False when the target's latest revision already had this content (nothing new stored). */
  created: boolean;
  changes: ProjectChange[];
  deployment?: Deployment;
}

const MARK: Record<string, string> = { added: '+', removed: '-', changed: '~' };

/** The diff as `  + operations.load-orders` lines (+ added, - removed, ~ changed). */
export function changeLines(changes: readonly ProjectChange[]): string[] {
  if (changes.length === 0) return ['  (no changes)'];
  return changes.map((c) => `  ${MARK[c.change] ?? '?'} ${printable(c.path, 200)}`);
}

async function confirmed(context: CommandContext, question: string): Promise<boolean> {
  if (!context.io.interactive) {
    throw usageError('promotion needs confirmation: run it on a terminal, or give --yes');
  }
  return /^y(es)?$/i.test((await context.io.prompt(question)).trim());
}

export const envPromote: CommandSpec = {
  name: 'env promote',
  summary: "copy a project's revision from one environment to another, after showing the diff",
  usage: '<project> --from <env> --to <env> [--revision <n>] [--yes] [--deploy]',
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    revision: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    deploy: { type: 'boolean' },
  },
  optionHelp: [
    ['--from <id|name>', 'the environment to copy from'],
    ['--to <id|name>', 'the environment to copy to (needs Write access there)'],
    [
      '--revision <n>',
      'the revision to promote (default: the one deployed in --from, else its latest)',
    ],
    ['-y, --yes', 'do not ask for confirmation (required without a terminal)'],
    ['--deploy', 'deploy the promoted revision in --to'],
  ],
  positionals: ['project'],
  notes: "The promoted project uses the target environment's own project variables.",
  async run(context, { positionals, values }) {
    const name = positionals[0] ?? '';
    const fromName = stringOption(values, 'from');
    const toName = stringOption(values, 'to');
    if (fromName === undefined || toName === undefined)
      throw usageError('give both --from <env> and --to <env>');
    const revision = integerOption(values, 'revision', { min: 1, max: 2 ** 31 - 1 });
    const deploy = values['deploy'] === true;
    const from = await context.environment(fromName, '--from');
    const to = await context.environment(toName, '--to');
    if (from.id === to.id) throw usageError('--from and --to name the same environment');
    const client = await context.api();
    const project = await findProject(client, from, name);
    const body = {
      sourceEnvironmentId: from.id,
      projectId: project.id,
      ...(revision !== undefined ? { revision } : {}),
    };
    const preview = await client.post<Preview>(
      inEnvironment(to, 'promotions/preview'),
      'previewing the promotion',
      body,
    );
    const label = printable(project.name, 80);
    const target = printable(to.name, 80);
    const { out } = context;
    out.progress(
      `${label} revision ${preview.sourceRevision} (${printable(from.name, 80)}) → ${target} ` +
        `(${preview.targetRevision === null ? 'new there' : `now revision ${preview.targetRevision}`}):`,
    );
    for (const line of changeLines(preview.changes)) out.progress(line);
    if (preview.changes.length === 0 && preview.targetRevision !== null && !deploy) {
      out.result({ promoted: false, preview }, [
        `nothing to promote: ${target} already has this content`,
      ]);
      return EXIT.ok;
    }
    if (
      values['yes'] !== true &&
      !(await confirmed(context, `promote ${label} to ${target}? [y/N] `))
    ) {
      throw new CliError('failed', 'not promoted (not confirmed)');
    }
    const promoted = await client.post<Promoted>(
      inEnvironment(to, 'promotions'),
      `promoting ${label}`,
      {
        ...body,
        // Exactly the revision the diff was shown for, even if the source moved on meanwhile.
        revision: preview.sourceRevision,
        ...(deploy ? { deploy: true } : {}),
      },
    );
    const revisionThere = promoted.revision.revision;
    const lines = [
      promoted.created
        ? `promoted ${label} revision ${preview.sourceRevision} to ${target} as revision ${revisionThere}`
        : `unchanged: ${target} already has this content (revision ${revisionThere})`,
    ];
    if (promoted.deployment !== undefined) {
      lines.push(`deployed revision ${promoted.deployment.revision} in ${target}`);
    } else if (deploy) {
      out.warning(
        `the control plane did not report a deployment of revision ${revisionThere} in ${target}`,
      );
    }
    out.result({ promoted: promoted.created, preview, ...promoted }, lines);
    return EXIT.ok;
  },
};
