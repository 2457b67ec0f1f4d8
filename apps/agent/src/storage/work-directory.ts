import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AgentRunError } from '../runs/agent-run.error.js';
import { preparePrivateDirectory } from './private-directory.js';

/** Every run folder starts with this; only such entries are ever swept, whatever else shares the folder. */
export const RUN_DIRECTORY_PREFIX = 'run-';

/** The folder for transient run data: one private, randomly named sub-folder per run. */
export class WorkDirectory {
  constructor(readonly path: string) {}

  /** Creates the folder (mode 0700) if needed. */
  async prepare(): Promise<{ readableByOthers: boolean }> {
    return preparePrivateDirectory(this.path);
  }

  /** Deletes run folders left behind by a crash; returns how many there were. */
  async sweep(): Promise<number> {
    const leftovers = (await readdir(this.path)).filter((name) =>
      name.startsWith(RUN_DIRECTORY_PREFIX),
    );
    await Promise.all(
      leftovers.map((name) => rm(join(this.path, name), { recursive: true, force: true })),
    );
    return leftovers.length;
  }

  /** A new run folder; mkdtemp creates it with mode 0700 and an unguessable name. */
  async createRunDirectory(): Promise<string> {
    return mkdtemp(join(this.path, RUN_DIRECTORY_PREFIX));
  }

  async removeRunDirectory(runDirectory: string): Promise<void> {
    if (
      dirname(runDirectory) !== this.path ||
      !basename(runDirectory).startsWith(RUN_DIRECTORY_PREFIX)
    ) {
      throw new AgentRunError(
        'run-directory-outside-work-dir',
        'refusing to delete a folder that is not a run folder',
      );
    }
    await rm(runDirectory, { recursive: true, force: true });
  }
}
