import { projectError } from './errors.js';
import { checkProject } from './internal/check-project.js';
import { Problems } from './internal/problems.js';
import type { ProjectDocument, ValidateProjectOptions } from './types.js';

/**
 * The whole check of a project document (see the README for the list). Returns a fresh,
 * normalised copy — every section present, nulls left out — or throws ProjectError
 * `invalid_project` whose `problems` name every problem with its path.
 */
export function validateProject(
  value: unknown,
  options: ValidateProjectOptions = {},
): ProjectDocument {
  const problems = new Problems();
  const document = checkProject(value, options, problems);
  if (document === undefined || problems.size > 0)
    throw projectError('invalid_project', 'project', problems.list);
  return document;
}
