export {
  ACTION_METADATA,
  ActionGuard,
  ENVIRONMENT_OWNERSHIP,
  type EnvironmentOwnership,
  RequireAction,
  type AuthenticatedRequest,
} from './actions.js';
export {
  createHttpApplication,
  configureHttpApplication,
  exitWithLine,
  listenUntilSignal,
  loadConfigOrExit,
  type HttpServiceOptions,
} from './bootstrap.js';
export {
  ConfigError,
  Secret,
  assertNoSecretDefaults,
  secretSettingsOf,
  secretValuesOf,
  settingNamesOf,
  validateEnv,
} from './config.js';
export {
  assertEveryRouteDeclaresAction,
  listEndpoints,
  type EndpointDeclaration,
} from './endpoints.js';
export { HttpErrorFilter, type ErrorBody } from './errors.js';
export { NestJsonLogger } from './logger.js';
export { OpenApiController, OpenApiDocumentHolder, OpenApiModule } from './openapi.js';
export {
  checkReadiness,
  type DependencyCheck,
  type DependencyStatus,
  type ReadinessReport,
} from './readiness.js';
export { IsListenAddress, IsUrlWithProtocol, ToBool, ToInt, describeUrl } from './validators.js';
export {
  ServiceEnv,
  compileNatsSettings,
  compileTlsSettings,
  type NatsSettings,
  type NatsTlsFiles,
  type TlsSettings,
} from './service-env.js';
export {
  TLS_CIPHERS,
  TLS_ECDH_CURVES,
  hardenedTlsOptions,
  listenHttps,
  loadTlsCredentials,
  type HttpsListener,
  type TlsCredentials,
} from './tls.js';
export {
  DEPENDENCY_CHECKS,
  HealthController,
  SERVICE_LOGGER,
  type PublicReadiness,
} from './health.js';
export { StartupError, closeNats, connectNatsAtBoot, natsDependencyCheck } from './startup.js';
export { ServiceModule, type ServiceModuleOptions } from './service-module.js';
export { createValidationPipe } from './validation.js';
