export {
  PROJECT_ERROR_CODES,
  PROJECT_PROBLEM_CODES,
  ProjectError,
  type ProjectErrorCode,
  type ProjectProblem,
  type ProjectProblemCode,
} from './errors.js';
export {
  PROJECT_SECTIONS,
  type ApiMethod,
  type CompiledOperation,
  type CompileOperationOptions,
  type InlineInterface,
  type InterfaceFormat,
  type JsonObject,
  type JsonValue,
  type NotificationEvent,
  type OperationConnectorStep,
  type OperationDocument,
  type OperationStep,
  type OperationVariable,
  type ProjectApiEndpoint,
  type ProjectChange,
  type ProjectConnection,
  type ProjectDocument,
  type ProjectFile,
  type ProjectInterface,
  type ProjectNotification,
  type ProjectOperation,
  type ProjectSchedule,
  type ProjectScript,
  type ProjectSection,
  type ProjectTransformation,
  type ProjectVariable,
  type ValidateProjectOptions,
  type VariableKind,
} from './types.js';
export { MAX_DOCUMENT_BYTES } from './internal/check-project.js';
export { validateProject } from './validate.js';
export { parseProjectFolder, projectToFolder } from './folder.js';
export { compileOperation } from './compile-operation.js';
export { diffProjects } from './diff.js';
export { projectDigest } from './digest.js';
export {
  MAX_ARCHIVE_BYTES,
  PROJECT_ARCHIVE_FORMAT,
  createProjectArchive,
  readProjectArchive,
  type ArchiveSignature,
  type CreateProjectArchiveOptions,
  type ProjectArchive,
  type ReadProjectArchiveOptions,
} from './archive.js';
