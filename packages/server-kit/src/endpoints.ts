import { RequestMethod, type INestApplication } from '@nestjs/common';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { isAction } from '@weft/rbac';
import { ACTION_METADATA } from './actions.js';

export interface EndpointDeclaration {
  /** `GET /ready` */
  route: string;
  handler: string;
  action: string | undefined;
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
      const action =
        (Reflect.getMetadata(ACTION_METADATA, handler) as string | undefined) ?? classAction;
      endpoints.push({
        route: `${RequestMethod[method]} ${joinPath(base, normalise(path))}`,
        handler: `${type.name}.${name}`,
        action,
      });
    }
  }
  return endpoints.sort((a, b) => a.route.localeCompare(b.route));
}

/** Refuses to start an application with a route that declares no catalogue action. */
export function assertEveryRouteDeclaresAction(app: INestApplication): void {
  const undeclared = listEndpoints(app).filter(
    (e) => e.action === undefined || !isAction(e.action),
  );
  if (undeclared.length > 0) {
    const list = undeclared.map((e) => `${e.route} (${e.handler})`).join(', ');
    throw new Error(`endpoints without an action from the @weft/rbac catalogue: ${list}`);
  }
}

function normalise(path: string | undefined): string {
  return (path ?? '').replace(/^\/+|\/+$/g, '');
}

function joinPath(base: string, path: string): string {
  return '/' + [base, path].filter((p) => p !== '').join('/');
}
