import type { ProjectDocument, ProjectFile, ProjectLibrary } from './project-library.js';

/**
 * The real `@weft/project`, loaded when a command first needs it (push, pull): the other
 * commands start without loading the project and transform libraries.
 */
export async function loadProjectLibrary(): Promise<ProjectLibrary> {
  const library = await import('@weft/project');
  type Document = Parameters<typeof library.projectToFolder>[0];
  return {
    parseProjectFolder: (files: readonly ProjectFile[]) =>
      library.parseProjectFolder(files) as unknown as ProjectDocument,
    projectToFolder: (document: ProjectDocument) =>
      library.projectToFolder(document as unknown as Document),
  };
}
