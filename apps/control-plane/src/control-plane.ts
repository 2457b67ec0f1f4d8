import type { INestApplication } from '@nestjs/common';
import type { Logger } from '@weft/log-schema';
import { createHttpApplication } from '@weft/server-kit';
import { AppModule } from './app.module.js';
import { apiV1 } from './http/api-path.js';
import { largeBodies } from './http/large-bodies.js';
import passport from 'passport';
import { authenticate } from './identity/authentication.js';
import { LoginStateStore } from './identity/sso/login-state-store.js';
import { OrganizationOidcStrategy } from './identity/sso/organization-oidc-strategy.js';
import type { ControlPlaneConfig } from './config/control-plane.config.js';
import { openDependencies, type ControlPlaneDependencies } from './infrastructure/dependencies.js';

export interface ControlPlane {
  app: INestApplication;
  dependencies: ControlPlaneDependencies;
}

/**
 * Opens the control plane's dependencies (bounded waits; StartupError naming the setting when
 * one is unreachable) and builds the HTTP application around them. The caller listens.
 */
export async function createControlPlane(
  config: ControlPlaneConfig,
  logger: Logger,
): Promise<ControlPlane> {
  const dependencies = await openDependencies(config, logger);
  try {
    const app = await createHttpApplication(AppModule.register(dependencies, config, logger), {
      logger,
      title: 'Weft control plane',
      description:
        'Identity, organizations, environments, projects, deployments and the activity log.',
    });
    // request.ip: the socket's address unless a trusted proxy forwarded it.
    const http = app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void };
    http.set(
      'trust proxy',
      config.sessions.trustedProxies.length > 0 ? config.sessions.trustedProxies : false,
    );
    // Single sign-on: one passport strategy for every organization (passport's registry is
    // process-wide; a process runs one control plane).
    passport.use(
      new OrganizationOidcStrategy(
        dependencies.identityProviders,
        new LoginStateStore(dependencies.dataSource, {
          secureCookies: config.sessions.secureCookies,
          cookiePath: `/${apiV1('auth/sso')}`,
        }),
        { trustProxy: config.sessions.trustedProxies.length > 0 },
      ),
    );
    // Before any route (and so before the action guard): the session cookie becomes a principal.
    app.use(
      authenticate(dependencies.sessions, dependencies.apiKeys, dependencies.principals, logger, {
        // Writes made before there is a session: a stale cookie must not make them need a token.
        signInPaths: [
          'auth/login',
          'auth/login/second-factor',
          'auth/register',
          'auth/verify-email',
          'auth/password-reset',
          'auth/password-reset/complete',
        ].map((path) => `/${apiV1(path)}`),
      }),
    );
    // Then the organization's IP allowlist, and the request's record in the audit trail.
    app.use(dependencies.requestPolicies.middleware());
    // Project documents, archives and test samples are larger than the default JSON limit.
    app.use(largeBodies());
    return { app, dependencies };
  } catch (error) {
    await dependencies.close();
    throw error;
  }
}
