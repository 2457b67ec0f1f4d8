import type { Problem } from '../errors.js';
import { printable } from '../output/text.js';

/** One file of a project folder, its path relative to the folder with `/` separators. */
export interface ProjectFile {
  path: string;
  content: string;
}

/** A project document (design §1); the CLI reads only its name, the rest goes to the API as is. */
export interface ProjectDocument {
  name: string;
  [section: string]: unknown;
}

/**
 * The part of `@weft/project` the CLI uses (the folder ⇄ document conversions). Injected, so
 * the commands and their tests do not depend on the library's build; main.ts passes the real one.
 */
export interface ProjectLibrary {
  parseProjectFolder(files: readonly ProjectFile[]): ProjectDocument;
  projectToFolder(document: ProjectDocument): ProjectFile[];
}

const PROJECT_ERROR = Symbol.for('weft.project.error');

/**
 * The problems of a ProjectError `invalid_project` (recognised by its Symbol.for brand, so a
 * second copy of the library still counts), or undefined for any other error.
 */
export function projectProblems(error: unknown): Problem[] | undefined {
  if (typeof error !== 'object' || error === null || !(PROJECT_ERROR in error)) return undefined;
  const { problems } = error as { problems?: unknown };
  if (!Array.isArray(problems)) return undefined;
  return problems.map((problem: { path?: unknown; code?: unknown; message?: unknown }) => ({
    path: printable(problem.path, 300) || '(project)',
    ...(typeof problem.code === 'string' ? { code: problem.code } : {}),
    message: printable(problem.message),
  }));
}
