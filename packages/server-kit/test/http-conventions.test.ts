import 'reflect-metadata';
import {
  BadRequestException,
  ServiceUnavailableException,
  Controller,
  Get,
  Module,
  Param,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createJsonLogger } from '@weft/log-schema';
import type { Principal } from '@weft/rbac';
import {
  DEPENDENCY_CHECKS,
  HealthController,
  OpenApiModule,
  RequireAction,
  SERVICE_LOGGER,
  ENVIRONMENT_OWNERSHIP,
  configureHttpApplication,
  listEndpoints,
  type EnvironmentOwnership,
  type DependencyCheck,
} from '../src/index.js';

const lines: string[] = [];
const logger = createJsonLogger({
  service: 'test',
  level: 'debug',
  write: (line) => lines.push(line),
});

// The request's principal is what an authentication layer would attach; here a header stands in.
const principals: Record<string, Principal> = {
  reader: {
    kind: 'user',
    id: 'u1',
    orgId: 'org-1',
    admin: false,
    environments: { 'env-1': ['read'] },
  },
  // Reads every environment of org-1 by default, and is an admin there.
  admin: {
    kind: 'user',
    id: 'u2',
    orgId: 'org-1',
    admin: true,
    environments: {},
    allEnvironments: ['read'],
  },
};

// env-1 and env-2 belong to org-1; env-3 to org-2.
const ownership: EnvironmentOwnership = {
  organizationOf: async (environmentId) =>
    ({ 'env-1': 'org-1', 'env-2': 'org-1', 'env-3': 'org-2' })[environmentId],
};

@Controller('orgs/:orgId/environments/:environmentId/projects')
class ProjectsController {
  @Get()
  @RequireAction('project.read')
  list(@Param('environmentId') environmentId: string) {
    return { environmentId };
  }

  @Get('deploy')
  @RequireAction('project.deploy')
  deploy() {
    return { deployed: true };
  }

  @Get('boom')
  @RequireAction('system.health')
  boom(): never {
    throw new Error('database password is hunter2-hunter2');
  }

  @Get('unavailable')
  @RequireAction('system.health')
  unavailable(): never {
    throw new ServiceUnavailableException({
      code: 'UPSTREAM_DOWN',
      message: 'host db-7.internal refused',
    });
  }

  @Get('bad')
  @RequireAction('system.health')
  bad(): never {
    throw new BadRequestException({ code: 'INVALID_PROJECT', message: 'name is required' });
  }
}

@Controller('undeclared')
class UndeclaredController {
  @Get()
  open() {
    return { open: true };
  }
}

@Controller('organizations/:id')
class LookalikeParamController {
  @Get()
  @RequireAction('organization.read')
  read() {
    return {};
  }
}

@Controller('projects')
class EnvironmentlessController {
  @Get()
  @RequireAction('project.read')
  list() {
    return [];
  }
}

@RequireAction('system.health')
@Controller('wide-open')
class ClassPublicController {
  @Get()
  everything() {
    return {};
  }
}

let fastChecks = 0;
const checks: DependencyCheck[] = [
  {
    name: 'fast',
    check: async () => {
      fastChecks += 1;
    },
  },
  { name: 'hanging', check: () => new Promise<void>(() => undefined) },
];

@Module({
  imports: [OpenApiModule],
  controllers: [HealthController, ProjectsController],
  providers: [
    { provide: DEPENDENCY_CHECKS, useValue: checks },
    { provide: SERVICE_LOGGER, useValue: logger },
    { provide: ENVIRONMENT_OWNERSHIP, useValue: ownership },
  ],
})
class AppModule {}

// The same routes, but nothing that can tell which organization an environment belongs to.
@Module({ imports: [OpenApiModule], controllers: [ProjectsController] })
class NoOwnershipModule {}

@Module({ imports: [OpenApiModule], controllers: [UndeclaredController] })
class LeakyModule {}

@Module({ imports: [OpenApiModule], controllers: [LookalikeParamController] })
class LookalikeModule {}

@Module({ imports: [OpenApiModule], controllers: [EnvironmentlessController] })
class EnvironmentlessModule {}

@Module({ imports: [OpenApiModule], controllers: [ClassPublicController] })
class ClassPublicModule {}

async function start(module: new () => unknown): Promise<{ app: INestApplication; url: string }> {
  const ref = await Test.createTestingModule({ imports: [module] }).compile();
  const app = ref.createNestApplication({ logger: false });
  app.use(
    (
      req: { headers: Record<string, string>; principal?: Principal },
      _res: unknown,
      next: () => void,
    ) => {
      const who = req.headers['x-test-principal'];
      if (who !== undefined && principals[who] !== undefined) req.principal = principals[who];
      next();
    },
  );
  configureHttpApplication(app, { logger, title: 'test', description: 'test' });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}` };
}

describe('HTTP conventions', () => {
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    ({ app, url } = await start(AppModule));
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses to start an application with a route that declares no action', async () => {
    await expect(start(LeakyModule)).rejects.toThrow(
      'routes break the access rules: GET /undeclared (UndeclaredController.open) declares no action from the @weft/rbac catalogue',
    );
  });

  it('refuses to start with an org parameter the guard does not read, an environment action without :environmentId, or a controller-wide public action', async () => {
    await expect(start(LookalikeModule)).rejects.toThrow('names :id; use :orgId or :environmentId');
    await expect(start(EnvironmentlessModule)).rejects.toThrow(
      'GET /projects (EnvironmentlessController.list) performs project.read without an :environmentId route parameter',
    );
    await expect(start(ClassPublicModule)).rejects.toThrow(
      'inherits the public action system.health from its controller',
    );
  });

  it('lists every route with its action', () => {
    expect(listEndpoints(app).map((e) => `${e.route} ${e.action}`)).toEqual([
      'GET /api/docs system.docs',
      'GET /health system.health',
      'GET /orgs/:orgId/environments/:environmentId/projects project.read',
      'GET /orgs/:orgId/environments/:environmentId/projects/bad system.health',
      'GET /orgs/:orgId/environments/:environmentId/projects/boom system.health',
      'GET /orgs/:orgId/environments/:environmentId/projects/deploy project.deploy',
      'GET /orgs/:orgId/environments/:environmentId/projects/unavailable system.health',
      'GET /ready system.ready',
    ]);
  });

  it('answers public actions anonymously', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('denies non-public actions without a principal (401) and without the level (403)', async () => {
    const projects = `${url}/orgs/org-1/environments/env-1/projects`;
    const anonymous = await fetch(projects);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'authentication required' },
    });

    const reader = await fetch(projects, { headers: { 'x-test-principal': 'reader' } });
    expect(reader.status).toBe(200);
    expect(await reader.json()).toEqual({ environmentId: 'env-1' });

    const deploy = await fetch(`${projects}/deploy`, { headers: { 'x-test-principal': 'reader' } });
    expect(deploy.status).toBe(403);
    expect(((await deploy.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');

    const otherEnvironment = await fetch(`${url}/orgs/org-1/environments/env-2/projects`, {
      headers: { 'x-test-principal': 'reader' },
    });
    expect(otherEnvironment.status).toBe(403);

    const otherOrg = await fetch(`${url}/orgs/org-2/environments/env-1/projects`, {
      headers: { 'x-test-principal': 'reader' },
    });
    expect(otherOrg.status).toBe(403);
  });

  it('never lets an environment id reach into another organization, even for an admin', async () => {
    const own = await fetch(`${url}/orgs/org-1/environments/env-2/projects`, {
      headers: { 'x-test-principal': 'admin' },
    });
    expect(own.status).toBe(200);
    // env-3 is org-2's: naming it under org-1 is refused, whatever the principal holds in org-1.
    const foreign = await fetch(`${url}/orgs/org-1/environments/env-3/projects`, {
      headers: { 'x-test-principal': 'admin' },
    });
    expect(foreign.status).toBe(403);
    const unknown = await fetch(`${url}/orgs/org-1/environments/env-404/projects`, {
      headers: { 'x-test-principal': 'admin' },
    });
    expect(unknown.status).toBe(403);
  });

  it('denies environment actions when nothing can tell who owns the environment (fail closed)', async () => {
    const bare = await start(NoOwnershipModule);
    try {
      const res = await fetch(`${bare.url}/orgs/org-1/environments/env-1/projects`, {
        headers: { 'x-test-principal': 'admin' },
      });
      expect(res.status).toBe(403);
    } finally {
      await bare.app.close();
    }
  });

  it('maps errors to one shape and never leaks internals', async () => {
    const bad = await fetch(`${url}/orgs/o/environments/e/projects/bad`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { code: 'INVALID_PROJECT', message: 'name is required' },
    });

    lines.length = 0;
    const boom = await fetch(`${url}/orgs/o/environments/e/projects/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(lines.some((line) => line.includes('unhandled error'))).toBe(true);

    const unavailable = await fetch(`${url}/orgs/o/environments/e/projects/unavailable`);
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toEqual({
      error: { code: 'UPSTREAM_DOWN', message: 'internal error' },
    });

    const missing = await fetch(`${url}/nowhere`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('reports readiness per dependency, bounded in time, with 503 when one is down', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past any cached result
    const started = Date.now();
    const res = await fetch(`${url}/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'not_ready',
      checks: { fast: 'up', hanging: 'down' },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers a burst of /ready probes with one round of checks', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const before = fastChecks;
    const statuses = await Promise.all(
      [1, 2, 3, 4].map(async () => (await fetch(`${url}/ready`)).status),
    );
    expect(statuses).toEqual([503, 503, 503, 503]);
    expect(fastChecks - before).toBe(1);
  });

  it('serves the OpenAPI document with each route action', async () => {
    const res = await fetch(`${url}/api/docs`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, { get: Record<string, unknown> }>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/ready']?.get['x-weft-action']).toBe('system.ready');
    expect(doc.paths['/api/docs']).toBeUndefined();
  });

  it('logs requests without their query strings', async () => {
    lines.length = 0;
    await fetch(`${url}/health?token=abcdef123456`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const request = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'request');
    expect(request).toMatchObject({ method: 'GET', path: '/health', status: 200 });
    expect(lines.join('\n')).not.toContain('abcdef123456');
  });
});
