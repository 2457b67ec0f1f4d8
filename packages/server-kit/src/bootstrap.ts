import { randomUUID } from 'node:crypto';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from '@weft/log-schema';
import { ActionGuard, ENVIRONMENT_OWNERSHIP, type EnvironmentOwnership } from './actions.js';
import { ConfigError, secretValuesOf, validateEnv } from './config.js';
import { assertEveryRouteDeclaresAction } from './endpoints.js';
import { HttpErrorFilter } from './errors.js';
import { createValidationPipe } from './validation.js';
import { NestJsonLogger } from './logger.js';
import { OpenApiDocumentHolder } from './openapi.js';
import type { TlsSettings } from './service-env.js';
import { listenHttps, type HttpsListener } from './tls.js';

/**
 * Loads, validates and compiles configuration at boot. On a bad setting it prints ONE line naming
 * it to stderr and exits with status 2 — no stack trace, no retry. Also returns the values of the
 * secret settings, for the log redactor.
 */
export function loadConfigOrExit<T extends object, C = T>(
  service: string,
  schema: new () => T,
  compile: (env: T) => C = (env) => env as unknown as C,
  env: Record<string, string | undefined> = process.env,
): { config: C; secrets: string[] } {
  try {
    const settings = validateEnv(schema, env);
    return { config: compile(settings), secrets: secretValuesOf(settings) };
  } catch (error) {
    if (ConfigError.is(error)) exitWithLine(service, error.message, 2);
    throw error;
  }
}

/** Prints `<service>: <message>` as one line on stderr and exits. */
export function exitWithLine(service: string, message: string, code = 1): never {
  process.stderr.write(`${service}: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(code);
}

export interface HttpServiceOptions {
  logger: Logger;
  title: string;
  description: string;
  version?: string;
}

/**
 * Creates a Weft HTTP application with the house conventions: JSON logs, the action guard on
 * every route (and a refusal to boot if a route declares no action), one error shape, request
 * logs without query strings, security headers, and the OpenAPI document at /api/docs.
 */
export async function createHttpApplication(
  module: Type<unknown> | DynamicModule,
  options: HttpServiceOptions,
): Promise<INestApplication> {
  const app = await NestFactory.create(module, {
    logger: new NestJsonLogger(options.logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  configureHttpApplication(app, options);
  return app;
}

/** Applies the conventions to an application created elsewhere (e.g. by @nestjs/testing). */
export function configureHttpApplication(app: INestApplication, options: HttpServiceOptions): void {
  const http = app.getHttpAdapter().getInstance() as { disable?(setting: string): void };
  http.disable?.('x-powered-by');
  app.use(requestLogger(options.logger.child({ component: 'http' })));
  app.useGlobalGuards(
    new ActionGuard(app.get(Reflector), optional<EnvironmentOwnership>(app, ENVIRONMENT_OWNERSHIP)),
  );
  app.useGlobalFilters(new HttpErrorFilter(options.logger));
  app.useGlobalPipes(createValidationPipe());
  assertEveryRouteDeclaresAction(app);

  const config = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion(options.version ?? '0.1.0')
    .build();
  const holder = app.get(OpenApiDocumentHolder, { strict: false });
  holder.document = SwaggerModule.createDocument(app, config);
}

/** A provider the application may or may not register. */
function optional<T>(app: INestApplication, token: symbol): T | undefined {
  try {
    return app.get<T | null>(token, { strict: false }) ?? undefined;
  } catch {
    return undefined;
  }
}

interface MinimalRequest {
  method: string;
  path?: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}
interface MinimalResponse {
  statusCode: number;
  setHeader(name: string, value: string): void;
  on(event: 'finish', listener: () => void): void;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function requestLogger(logger: Logger) {
  return (req: MinimalRequest, res: MinimalResponse, next: () => void): void => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('cache-control', 'no-store');
    res.on('finish', () => {
      // The path only: query strings can carry tokens.
      const path = req.path ?? req.url.split('?')[0];
      logger.info('request', {
        requestId,
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Math.round(performance.now() - started),
      });
    });
    next();
  };
}

/**
 * Listens — over HTTPS with hardenedTlsOptions when `tls` is given, else plain HTTP — then on
 * SIGTERM/SIGINT stops accepting requests, lets Nest close, releases the service's
 * connections, and exits 0. Requests in flight get `graceMs` (default 10 s) to finish before
 * their connections are cut, so a slow or hostile client cannot hold a shutdown open; if
 * releasing still hangs, the process exits 1 after another 10 s. A second signal exits at once
 * with status 1. With `tls`, SIGHUP reloads the certificate and key from their files (a bad
 * file is logged and the old certificate kept).
 */
export async function listenUntilSignal(
  app: INestApplication,
  options: {
    port: number;
    host: string;
    logger: Logger;
    release: () => Promise<void>;
    name: string;
    graceMs?: number;
    tls?: TlsSettings;
  },
): Promise<void> {
  const graceMs = options.graceMs ?? 10_000;
  let https: HttpsListener | undefined;
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      options.logger.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    closing = true;
    options.logger.info('shutting down', { signal });
    const server = (https?.server ?? app.getHttpServer()) as {
      closeIdleConnections?(): void;
      closeAllConnections?(): void;
    };
    // Nest closes the server it listens on; an HTTPS server mounted beside it is closed here.
    const httpsClosed = https
      ? new Promise<void>((resolve) => https?.server.close(() => resolve()))
      : Promise.resolve();
    server.closeIdleConnections?.();
    const cut = setTimeout(() => {
      options.logger.warn(
        'requests still running after the grace period: closing their connections',
        { graceMs },
      );
      server.closeAllConnections?.();
    }, graceMs);
    const deadline = setTimeout(() => {
      options.logger.error('shutdown did not finish in time: exiting', { graceMs });
      process.exit(1);
    }, graceMs + 10_000);
    cut.unref();
    deadline.unref();
    void Promise.all([app.close(), httpsClosed])
      .then(() => {
        clearTimeout(cut);
        return options.release();
      })
      .then(
        () => process.exit(0),
        (error: unknown) => {
          options.logger.error('shutdown failed', { err: error });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (options.tls) {
    https = await listenHttps(app, { port: options.port, host: options.host, tls: options.tls });
    const listener = https;
    process.on('SIGHUP', () => {
      listener.reload().then(
        () => options.logger.info('TLS certificate reloaded'),
        (error: unknown) =>
          options.logger.error('TLS certificate not reloaded; keeping the current one', {
            error: error instanceof Error ? error.message : String(error),
          }),
      );
    });
    options.logger.info(`${options.name} listening`, { url: listener.url });
    return;
  }
  await app.listen(options.port, options.host);
  options.logger.info(`${options.name} listening`, {
    url: `http://${options.host}:${options.port}`,
  });
}
