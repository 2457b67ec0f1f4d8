import { RequestMethod, type INestApplication } from '@nestjs/common';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { ACTION_CATALOGUE, isAction } from '@weft/rbac';
import { ACTION_METADATA } from './actions.js';

export interface EndpointDeclaration {
  /** `GET /ready` */
  route: string;
  handler: string;
  action: string | undefined;
  /** True when the action is declared on the controller class rather than the handler. */
  fromClass: boolean;
}

/** Every HTTP route of an application with the action it declares (for review snapshots). */
export function listEndpoints(app: INestApplication): EndpointDeclaration[] {
  const modules = app.get(ModulesContainer);
  const scanner = new MetadataScanner();
  const endpoints: EndpointDeclaration[] = [];
  const controllers = [...modules.values()].flatMap((module) => [...module.controllers.values()]);
  for (const wrapper of controllers) {
    const instance = wrapper.instance as object | undefined;
    const type = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (!instance || !type) continue;
    const prototype = Object.getPrototypeOf(instance) as object;
    const base = normalise(Reflect.getMetadata(PATH_METADATA, type) as string | undefined);
    const classAction = Reflect.getMetadata(ACTION_METADATA, type) as string | undefined;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = (prototype as Record<string, unknown>)[name] as object;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
      const own = Reflect.getMetadata(ACTION_METADATA, handler) as string | undefined;
      endpoints.push({
        route: `${RequestMethod[method]} ${joinPath(base, normalise(path))}`,
        handler: `${type.name}.${name}`,
        action: own ?? classAction,
        fromClass: own === undefined && classAction !== undefined,
      });
    }
  }
  return endpoints.sort((a, b) => a.route.localeCompare(b.route));
}

// Route parameters that stand for an organization or environment but are not the names the
// guard reads (`:orgId`, `:environmentId`): a handler acting on `/organizations/:id` while the
// guard checked another organization is how peers leaked across tenants.
const LOOKALIKE_PARAMS =
  /^(org|orgid|organization|organizationid|tenant|tenantid|env|envid|environment)$/i;
const TENANT_COLLECTIONS = /^(orgs|organizations|organisations|tenants|envs|environments)$/i;

function misnamedTenantParams(route: string): string[] {
  const segments = route.split(' ')[1]?.split('/') ?? [];
  return segments.flatMap((segment, index) => {
    if (!segment.startsWith(':')) return [];
    const name = segment.slice(1);
    if (name === 'orgId' || name === 'environmentId') return [];
    const previous = segments[index - 1] ?? '';
    return LOOKALIKE_PARAMS.test(name) || TENANT_COLLECTIONS.test(previous) ? [name] : [];
  });
}

/**
 * Refuses to start an application whose routes break the access rules: every route declares
 * a catalogue action on its handler (a public action declared on a whole controller would open
 * every later handler too); environment-scoped routes carry `:environmentId`; no route names
 * an organization or environment parameter other than `:orgId` / `:environmentId`.
 */
export function assertEveryRouteDeclaresAction(app: INestApplication): void {
  const problems: string[] = [];
  for (const endpoint of listEndpoints(app)) {
    const where = `${endpoint.route} (${endpoint.handler})`;
    if (endpoint.action === undefined || !isAction(endpoint.action)) {
      problems.push(`${where} declares no action from the @weft/rbac catalogue`);
      continue;
    }
    const { scope } = ACTION_CATALOGUE[endpoint.action];
    const params = [...endpoint.route.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '');
    if (scope === 'public' && endpoint.fromClass) {
      problems.push(`${where} inherits the public action ${endpoint.action} from its controller`);
    }
    if (scope === 'environment' && !params.includes('environmentId')) {
      problems.push(
        `${where} performs ${endpoint.action} without an :environmentId route parameter`,
      );
    }
    for (const param of misnamedTenantParams(endpoint.route)) {
      problems.push(
        `${where} names :${param}; use :orgId or :environmentId, which the guard checks`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`routes break the access rules: ${problems.join('; ')}`);
}

function normalise(path: string | undefined): string {
  return (path ?? '').replace(/^\/+|\/+$/g, '');
}

function joinPath(base: string, path: string): string {
  return '/' + [base, path].filter((p) => p !== '').join('/');
}
