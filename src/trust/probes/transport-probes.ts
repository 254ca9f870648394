// SEC-2: encryption in transit, checked on the running installation. Its own listener: over HTTPS, a TLS
// 1.0 and a TLS 1.1 handshake must be refused and a TLS 1.2 one accepted; over plain HTTP, the listener
// must be on a loopback address. The database: embedded, or a connection that PostgreSQL itself reports
// as TLS (plain text only to this machine). Model servers: verified TLS, or plain text to this machine.
import { readFileSync } from "node:fs";
import { connect, type SecureVersion } from "node:tls";
import { sql } from "kysely";
import { databaseTransport, isLoopbackHost, upstreamTransport } from "../../config/transport.ts";
import { isEmbedded } from "../../db/database.ts";
import { expectThat, type Probe, type ProbeContext, type ProbeListener } from "../probe.ts";

const source = "src/trust/probes/transport-probes.ts";

/** Whether a handshake at exactly `version` succeeds against the listener. */
export function handshake(listener: ProbeListener, version: SecureVersion): Promise<boolean> {
  const url = new URL(listener.url);
  return new Promise((resolve) => {
    const socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port),
      minVersion: version,
      maxVersion: version,
      // The generated certificate names this machine; the CA is the installation's own.
      ca: listener.caFile ? readFileSync(listener.caFile) : undefined,
      rejectUnauthorized: listener.caFile !== null,
      servername: isLoopbackHost(url.hostname) ? undefined : url.hostname,
      // OpenSSL refuses TLS 1.0 and 1.1 at its default security level before sending anything.
      ciphers: version === "TLSv1.2" ? undefined : "DEFAULT:@SECLEVEL=0",
    });
    const done = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket.setTimeout(10_000, () => done(false));
    socket.once("secureConnect", () => done(true));
    socket.once("error", () => done(false));
  });
}

async function databaseChecks(context: ProbeContext): Promise<string> {
  const declared = databaseTransport(context.config);
  if (isEmbedded(context.db)) return "database: embedded in this process (no network)";
  const result = await sql<{ ssl: boolean | null; address: string | null }>`
    select (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as ssl,
           inet_server_addr()::text as address`.execute(context.db);
  const row = result.rows[0];
  const address = row?.address?.replace(/\/\d+$/, "") ?? null;
  const local = address === null || isLoopbackHost(address);
  expectThat(
    row?.ssl === true || local,
    `SEC-2: the database connection is plain text to a non-loopback address (${declared})`,
  );
  return `database: ${row?.ssl === true ? "TLS" : "plain text on a loopback address"} (${declared})`;
}

export const transportProbe: Probe = {
  name: "transport.tls",
  commitments: ["SEC-2"],
  description:
    "TLS 1.0 and 1.1 refused and TLS 1.2 accepted by the listener; database and model servers over verified TLS or loopback",
  source,
  remedy:
    "Serve HTTPS (leave CUSTODIAN_HTTP off, or listen on a loopback address behind a TLS proxy), reach " +
    "PostgreSQL with TLS (sslmode=verify-full) and model servers with https URLs; remove allowPlaintext.",
  async run(context) {
    const checks: string[] = [];
    const { listener, config } = context;
    if (config.http) {
      expectThat(isLoopbackHost(config.host), `SEC-2: plain HTTP is served on ${config.host}, not loopback`);
      checks.push(`listener: plain HTTP on loopback address ${config.host} only`);
    } else if (listener) {
      for (const old of ["TLSv1", "TLSv1.1"] as const)
        expectThat(!(await handshake(listener, old)), `SEC-2: the listener accepted a ${old} handshake`);
      expectThat(await handshake(listener, "TLSv1.2"), "SEC-2: the listener refused a TLS 1.2 handshake");
      checks.push("listener: TLS 1.0 and 1.1 handshakes refused, TLS 1.2 accepted");
    } else {
      checks.push("listener: not serving in this process (HTTPS with TLS 1.2 minimum when it does)");
    }
    checks.push(await databaseChecks(context));
    const upstreams = config.upstreams.map(
      (upstream) => [upstream.name, upstreamTransport(upstream)] as const,
    );
    const plain = upstreams.filter(([, transport]) => transport === "plaintext-opt-out");
    expectThat(
      plain.length === 0,
      `SEC-2: model servers reached in plain text off this machine: ${plain.map(([name]) => name).join(", ")}`,
    );
    checks.push(
      `model servers: ${upstreams.length} (${upstreams.map(([n, t]) => `${n} ${t}`).join(", ") || "none"})`,
    );
    return checks;
  },
};
