export { HarnessError, HARNESS_ERROR_CODES, type HarnessErrorCode } from './errors.js';
export { startPostgres, type PostgresOptions, type RunningPostgres } from './postgres.js';
export {
  findNatsServer,
  startNats,
  type NatsServerOptions,
  type NatsTlsOptions,
  type RunningNats,
} from './nats.js';
export {
  MAX_LEAF_VALIDITY_DAYS,
  createCertificateAuthority,
  openCertificateAuthority,
  type CertificateAuthority,
  type CertificateOptions,
  type PemCertificate,
} from './tls.js';
export { ensureDevTls, type DevTlsFiles, type DevTlsOptions } from './dev-tls.js';
export { startS3, type RunningS3, type S3Connection, type S3ServerOptions } from './s3.js';
export {
  createGlobalSetup,
  globalTeardown,
  type GlobalSetupOptions,
  type TeardownReport,
} from './jest-global-setup.js';
export {
  createTestDatabase,
  testNatsUrl,
  testPostgres,
  testS3,
  type TestDatabase,
  type TestPostgres,
} from './jest-helpers.js';
export { TEST_ENVIRONMENT_VARIABLES } from './internal/env.js';
export type { LogSink } from './internal/output.js';
export { importTypeScript } from './import-typescript.js';
export { importBuiltPackage, type PackagingReport } from './packaging.js';
export {
  closedPort,
  runService,
  SOURCE_LOADER_ARGS,
  loaderArgsFor,
  waitForHttpStatus,
  type ServiceExit,
  type ServiceRunOptions,
} from './service-process.js';
export { startS3Process, type RunningS3Process } from './s3-process.js';
