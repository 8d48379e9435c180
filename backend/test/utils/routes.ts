import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { AUTHENTICATED_KEY, AuthRequirement, PUBLIC_KEY } from '../../src/common/auth/auth.decorators';

/** One HTTP route handler of the running application, with its declared access policy. */
export interface RouteInfo {
  /** Upper-case HTTP method, e.g. `GET`. */
  method: string;
  /** Nest/Fastify path syntax, e.g. `/users/:userId`. */
  path: string;
  /** `Controller.method`, for readable failure messages. */
  handler: string;
  /** Where @Public() was found (handler or class level). */
  publicOn: ('handler' | 'class')[];
  /** Where @Authenticated() was found (handler or class level). */
  authenticatedOn: ('handler' | 'class')[];
  /** The effective requirement (handler level overrides class level), when @Authenticated() is declared. */
  requirement: AuthRequirement | undefined;
}

function joinPath(...parts: string[]): string {
  const joined = `/${parts.filter(Boolean).join('/')}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [value === undefined ? '' : String(value)];
}

/**
 * Every route handler of every controller the application has registered, read from Nest's own module
 * container and route metadata (the same data the router uses), so a route added later shows up here without
 * anybody listing it.
 */
export function routeInventory(app: INestApplication): RouteInfo[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const routes: RouteInfo[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (!controller || typeof controller !== 'function') continue;
    const controllerPaths = asList(Reflect.getMetadata(PATH_METADATA, controller));
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function') continue;
      const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (requestMethod === undefined) continue; // a helper method, not a route
      const publicOn: RouteInfo['publicOn'] = [];
      const authenticatedOn: RouteInfo['authenticatedOn'] = [];
      if (Reflect.getMetadata(PUBLIC_KEY, handler) !== undefined) publicOn.push('handler');
      if (Reflect.getMetadata(PUBLIC_KEY, controller) !== undefined) publicOn.push('class');
      if (Reflect.getMetadata(AUTHENTICATED_KEY, handler) !== undefined) authenticatedOn.push('handler');
      if (Reflect.getMetadata(AUTHENTICATED_KEY, controller) !== undefined) authenticatedOn.push('class');
      const requirement = (Reflect.getMetadata(AUTHENTICATED_KEY, handler) ??
        Reflect.getMetadata(AUTHENTICATED_KEY, controller)) as AuthRequirement | undefined;
      for (const base of controllerPaths) {
        for (const sub of asList(Reflect.getMetadata(PATH_METADATA, handler))) {
          routes.push({
            method: RequestMethod[requestMethod],
            path: joinPath(base, sub),
            handler: `${controller.name}.${name}`,
            publicOn,
            authenticatedOn,
            requirement,
          });
        }
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/** `GET /users/:userId` */
export function routeKey(route: { method: string; path: string }): string {
  return `${route.method.toUpperCase()} ${route.path}`;
}

/** `/users/:userId` → `/users/{userId}` (OpenAPI path syntax). */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
