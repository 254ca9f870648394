// A private PostgreSQL server for a test: its own cluster (initdb) on a port of its own, serving TLS
// with a certificate the test made, so a client's TLS checks meet a real server. Needs PostgreSQL's
// binaries under /usr/lib/postgresql/<version>/bin; as root, the server runs as the `postgres` user.
import { execFile } from "node:child_process";
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { readFile } from "node:fs/promises";

const run = promisify(execFile);

export interface PostgresServer {
  port: number;
  /** The server's log so far, for a failure message. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** The bin directory of the newest PostgreSQL installed; throws when there is none. */
export function postgresBinaries(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((version) => existsSync(path.join(root, version, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL binaries under ${root}/<version>/bin`);
  return path.join(root, versions[0]!, "bin");
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** initdb refuses to run as root: there, run PostgreSQL's programs as the `postgres` user. */
async function asServerUser(owner: { uid: number; gid: number } | null, file: string, args: string[]) {
  return owner
    ? run("runuser", ["-u", "postgres", "--", file, ...args], { timeout: 120_000 })
    : run(file, args, { timeout: 120_000 });
}

async function serverUser(): Promise<{ uid: number; gid: number } | null> {
  if (userInfo().uid !== 0) return null;
  const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
  const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
  return { uid, gid };
}

/**
 * Start a server listening on `addresses`, with TLS on (`tls`: PEM certificate chain and key) and
 * trust authentication for user `postgres` (the tests are about the transport, not passwords).
 */
export async function startPostgresServer(options: {
  addresses: string[];
  tls: { cert: string; key: string };
}): Promise<PostgresServer> {
  const bin = postgresBinaries();
  const owner = await serverUser();
  const directory = mkdtempSync(path.join(tmpdir(), "custodian-pg-"));
  const dataDir = path.join(directory, "data");
  const logFile = path.join(directory, "server.log");
  if (owner) chownSync(directory, owner.uid, owner.gid);
  await asServerUser(owner, path.join(bin, "initdb"), [
    "-D",
    dataDir,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  const port = await freePort();
  for (const [name, content] of [
    ["server.crt", options.tls.cert],
    ["server.key", options.tls.key],
  ] as const) {
    const file = path.join(dataDir, name);
    writeFileSync(file, content, { mode: 0o600 });
    if (owner) chownSync(file, owner.uid, owner.gid);
  }
  appendFileSync(
    path.join(dataDir, "postgresql.conf"),
    [
      `listen_addresses = '${options.addresses.join(",")}'`,
      `port = ${port}`,
      `unix_socket_directories = '${directory}'`,
      "ssl = on",
      "ssl_cert_file = 'server.crt'",
      "ssl_key_file = 'server.key'",
      "fsync = off",
      "",
    ].join("\n"),
  );
  // Plain and TLS connections are both admitted: the client's own rules must refuse plain text.
  writeFileSync(
    path.join(dataDir, "pg_hba.conf"),
    "local all all trust\nhost all all 0.0.0.0/0 trust\nhost all all ::/0 trust\n",
  );
  const started = await asServerUser(owner, path.join(bin, "pg_ctl"), [
    "-D",
    dataDir,
    "-l",
    logFile,
    "-w",
    "-t",
    "90",
    "start",
  ]).catch((error: unknown) => error);
  const log = async () => (existsSync(logFile) ? readFile(logFile, "utf8") : "");
  if (started instanceof Error) {
    const message = `PostgreSQL did not start: ${started.message}\n${await log()}`;
    rmSync(directory, { recursive: true, force: true });
    throw new Error(message);
  }
  return {
    port,
    log,
    async stop() {
      await asServerUser(owner, path.join(bin, "pg_ctl"), [
        "-D",
        dataDir,
        "-m",
        "immediate",
        "-w",
        "stop",
      ]).catch(() => undefined);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
