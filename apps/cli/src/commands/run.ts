import { segment } from '../api/api-client.js';
import { integerOption } from '../cli/command-line.js';
import type { CommandSpec } from '../cli/command-spec.js';
import { EXIT } from '../errors.js';
import { printable } from '../output/text.js';
import { projectRef, inEnvironment } from './projects.js';
import { failureReason } from './run-view.js';
import { waitForRun } from './run-waiter.js';

export const run: CommandSpec = {
  name: 'run',
  summary: "run a deployed project's operation now; with --wait, follow it to the end",
  usage: '<project> <operation> [--wait] [--timeout <seconds>]',
  options: { wait: { type: 'boolean' }, timeout: { type: 'string' } },
  optionHelp: [
    ['--wait', 'print status changes and record counts until the run ends; exit 1 if it failed'],
    [
      '--timeout <seconds>',
      'stop waiting after this long (exit 124; the run goes on); implies --wait',
    ],
  ],
  positionals: ['project', 'operation'],
  notes: 'Waiting reads the run (GET …/runs/:runId), which needs View Logs access besides Execute.',
  async run(context, { positionals, values }) {
    const [projectName = '', operation = ''] = positionals;
    const timeout = integerOption(values, 'timeout', { min: 1, max: 7 * 24 * 3600 });
    const wait = values['wait'] === true || timeout !== undefined;
    const environment = await context.environment();
    const client = await context.api();
    const project = await projectRef(client, environment, projectName);
    const submitted = await client.post<{ runId: string; status: string }>(
      inEnvironment(
        environment,
        `projects/${segment(project.id)}/operations/${segment(operation)}/runs`,
      ),
      `running ${printable(project.name, 80)} ${printable(operation, 80)}`,
    );
    const { out } = context;
    if (!wait) {
      out.result(submitted, [
        `submitted run ${printable(submitted.runId, 80)} (${printable(submitted.status, 40)})`,
      ]);
      return EXIT.ok;
    }
    out.progress(
      `submitted run ${printable(submitted.runId, 80)} of ${printable(project.name, 80)} ${printable(operation, 80)}`,
    );
    const outcome = await waitForRun({
      client,
      environment,
      runId: submitted.runId,
      io: context.io,
      out,
      ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    });
    if (outcome.kind === 'timeout') {
      out.result({ runId: submitted.runId, timedOut: true, run: outcome.run ?? null }, []);
      context.io.stderr(
        `weft: run ${submitted.runId} has not finished after ${timeout} s; it goes on (weft logs shows it)\n`,
      );
      return EXIT.timeout;
    }
    const { run: finished } = outcome;
    out.result({ run: finished }, []);
    if (finished.status === 'succeeded') return EXIT.ok;
    context.io.stderr(
      `weft: run ${printable(finished.id, 80)} ${printable(finished.status, 40)}: ${failureReason(finished)}\n`,
    );
    return EXIT.failed;
  },
};
