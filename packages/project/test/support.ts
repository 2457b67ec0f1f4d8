import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProjectError, type ProjectFile, type ProjectProblem } from '../src/index.js';

export const FIXTURE = fileURLToPath(new URL('./fixtures/orders-sync', import.meta.url));

/** The example project's files, as the CLI hands them over. */
export function fixtureFiles(): ProjectFile[] {
  return readdirSync(FIXTURE, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const full = join(entry.parentPath, entry.name);
      return {
        path: relative(FIXTURE, full).split('\\').join('/'),
        content: readFileSync(full, 'utf8'),
      };
    });
}

/** The problems `run` throws as a ProjectError of `code`; fails the test when it does not throw one. */
export function problemsOf(run: () => unknown, code = 'invalid_project'): ProjectProblem[] {
  try {
    run();
  } catch (error) {
    if (!ProjectError.is(error)) throw error;
    expect(error.code).toBe(code);
    return [...error.problems];
  }
  throw new Error('expected a ProjectError');
}

/** The one problem at `path` (the test fails when there is none or several). */
export function problemAt(problems: readonly ProjectProblem[], path: string): ProjectProblem {
  const found = problems.filter((problem) => problem.path === path);
  if (found.length !== 1)
    throw new Error(`expected one problem at ${path}, got ${JSON.stringify(problems, null, 2)}`);
  return found[0] as ProjectProblem;
}
