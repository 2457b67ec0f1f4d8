import type {
  ProjectDocument,
  ProjectFile,
  ProjectLibrary,
} from '../../src/project/project-library.js';

/** A ProjectError as `@weft/project` throws it: branded with Symbol.for, carrying problems. */
export function projectError(
  problems: Array<{ path: string; code: string; message: string }>,
): Error {
  return Object.assign(new Error('the project is invalid'), {
    [Symbol.for('weft.project.error')]: true,
    code: 'invalid_project',
    problems,
  });
}

/**
 * Stands in for `@weft/project` (the CLI's own tests do not depend on it): the document is the
 * project name from weft-project.yaml plus the file paths it was read from; any file named
 * `*.bad` is a problem at its path.
 */
export function fakeProjectLibrary(): ProjectLibrary {
  return {
    parseProjectFolder(files: readonly ProjectFile[]): ProjectDocument {
      const bad = files.filter((f) => f.path.endsWith('.bad'));
      if (bad.length > 0) {
        throw projectError(
          bad.map((f) => ({
            path: f.path,
            code: 'unknown_file',
            message: 'is not part of a project folder',
          })),
        );
      }
      const main = files.find((f) => f.path === 'weft-project.yaml');
      const name = /^name:\s*(\S+)/m.exec(main?.content ?? '')?.[1];
      if (name === undefined) {
        throw projectError([
          { path: 'weft-project.yaml', code: 'required', message: 'is missing' },
        ]);
      }
      return { version: 1, name, files: files.map((f) => f.path) };
    },
    projectToFolder(document: ProjectDocument): ProjectFile[] {
      const operations = Object.keys((document['operations'] as object | undefined) ?? {});
      return [
        { path: 'weft-project.yaml', content: `version: 1\nname: ${document.name}\n` },
        ...operations.map((name) => ({ path: `operations/${name}.yaml`, content: `# ${name}\n` })),
      ];
    },
  };
}
