// Builds the identity domain's services from the platform's shared parts, for the platform to hold.
import type { AuditLog } from "../audit/audit-log.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import { PasswordLoginService } from "./password-login-service.ts";
import { SamlConnectionService } from "./saml/saml-connection-service.ts";
import { SamlLoginService } from "./saml/saml-login-service.ts";
import { SessionService, type SessionTimeouts } from "./session-service.ts";
import { UserService } from "./user-service.ts";

export interface IdentityServices {
  users: UserService;
  sessions: SessionService;
  passwordLogin: PasswordLoginService;
  samlConnections: SamlConnectionService;
  samlLogin: SamlLoginService;
}

export function createIdentityServices(dependencies: {
  db: Db;
  keyring: Keyring;
  audit: AuditLog;
  sessionTimeouts?: SessionTimeouts;
  /** The sessions' clock; tests move it to cross timeouts. */
  now?: () => number;
}): IdentityServices {
  const { db, keyring, audit } = dependencies;
  const users = new UserService({ db, audit });
  const sessions = new SessionService({
    db,
    audit,
    ...(dependencies.sessionTimeouts ? { timeouts: dependencies.sessionTimeouts } : {}),
    ...(dependencies.now ? { now: dependencies.now } : {}),
  });
  const samlConnections = new SamlConnectionService({ db, keyring, audit });
  return {
    users,
    sessions,
    passwordLogin: new PasswordLoginService({ audit, users, sessions }),
    samlConnections,
    samlLogin: new SamlLoginService({ db, audit, connections: samlConnections, users, sessions }),
  };
}
