// The one place /api routes' declared permissions are checked: each route states what it needs in
// its `config.permission` where it is declared, and one preHandler finds the caller's session
// (with the CSRF checks for changes) and asks the access domain whether their roles grant it.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AccessModule } from "../access/access-module.ts";
import { accessErrors } from "../access/access-errors.ts";
import type { RouteAccess } from "../access/permissions.ts";
import type { SessionPrincipal, SessionService } from "../identity/session-service.ts";
import { requireSession, requireSessionForChange } from "./session.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** What the caller needs: a permission, "signedIn", "public" (before sign-in) or "staff" (operators). */
    permission?: RouteAccess;
  }
  interface FastifyRequest {
    /** The session the permission check found; null on routes that declare none or "public". */
    sessionPrincipal: SessionPrincipal | null;
  }
}

export interface PermissionCheckDependencies {
  sessions: SessionService;
  access: AccessModule;
  secureCookies: boolean;
}

const readMethods = new Set(["GET", "HEAD", "OPTIONS"]);
/** Admin routes are ours alone: one that forgot to declare a permission is refused, not opened. */
const adminPrefix = "/api/admin/";

/** Install before any route is registered, so every route inherits the hook. */
export function installPermissionCheck(
  app: FastifyInstance,
  dependencies: PermissionCheckDependencies,
): void {
  const { sessions, access, secureCookies } = dependencies;
  app.decorateRequest("sessionPrincipal", null);
  app.addHook("preHandler", async (request: FastifyRequest) => {
    const declared = request.routeOptions.config.permission;
    if (declared === undefined) {
      if (request.routeOptions.url?.startsWith(adminPrefix)) throw accessErrors.undeclaredRoute();
      return;
    }
    if (declared === "public" || declared === "staff") return;
    const principal = readMethods.has(request.method)
      ? await requireSession(request, sessions, secureCookies)
      : await requireSessionForChange(request, sessions, secureCookies);
    if (declared !== "signedIn")
      await access.requirePermission(principal.organizationId, principal.userId, declared);
    request.sessionPrincipal = principal;
  });
}

/** The session the permission check found, for handlers of routes that declare a permission. */
export function caller(request: FastifyRequest): SessionPrincipal {
  if (!request.sessionPrincipal) throw accessErrors.undeclaredRoute();
  return request.sessionPrincipal;
}
