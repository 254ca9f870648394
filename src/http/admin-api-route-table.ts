// The application's route table, collected as routes are registered, so tests can walk every route
// (permissions declared, no content on admin routes, tenant isolation) and fail on a new one.
import type { FastifyInstance, HTTPMethods } from "fastify";
import type { RouteAccess } from "../access/permissions.ts";

export interface RouteEntry {
  method: string;
  url: string;
  permission: RouteAccess | undefined;
}

/** Install first, before any route exists; the returned list fills as routes are registered. */
export function collectRoutes(app: FastifyInstance): RouteEntry[] {
  const routes: RouteEntry[] = [];
  app.addHook("onRoute", (route) => {
    const methods: HTTPMethods[] = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      // Fastify adds a HEAD route beside each GET; it runs the same handler and hooks.
      if (method === "HEAD") continue;
      routes.push({ method, url: route.url, permission: route.config?.permission });
    }
  });
  return routes;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route registered so far, from `collectRoutes`. */
    routeTable: RouteEntry[];
  }
}
