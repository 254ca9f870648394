// Runs an administrative operation where the data lives: through a running server's admin socket, or
// by opening the database directly when no server holds it.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import type { Config } from "../config/config.ts";
import { CustodianError } from "../core/errors.ts";
import { runOperation as run, type TableServices } from "../core/operation.ts";
import { acquireLock, lockHolder } from "../platform/data-dir-lock.ts";
import { operationTable, type AdminOperationTable } from "../platform/operations.ts";
import { openPlatform } from "../platform/platform.ts";
import { cliLogger } from "./cli-logger.ts";
import { adminSocketName, adminTokenName } from "../platform/server.ts";

export class CommandError extends Error {}

async function viaServer(config: Readonly<Config>, operation: string, input: Record<string, unknown>) {
  const socketPath = path.join(config.dataDir, adminSocketName);
  const token = readFileSync(path.join(config.dataDir, adminTokenName), "utf8").trim();
  const agent = new Agent({ connect: { socketPath } });
  try {
    const response = await request(`http://localhost/admin/${operation}`, {
      method: "POST",
      dispatcher: agent,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(input),
    });
    const body = (await response.body.json()) as { result?: unknown; error?: { message: string } };
    if (response.statusCode !== 200)
      throw new CommandError(body.error?.message ?? `status ${response.statusCode}`);
    return body.result;
  } finally {
    await agent.close();
  }
}

async function locally(config: Readonly<Config>, operation: string, input: Record<string, unknown>) {
  const platform = await openPlatform(config, cliLogger());
  try {
    if (!Object.hasOwn(operationTable, operation)) throw new CommandError(`Unknown operation ${operation}.`);
    const services: TableServices<AdminOperationTable> = platform;
    return await run(operationTable[operation as keyof AdminOperationTable], services, input, {
      actor: "cli",
    });
  } catch (error) {
    if (error instanceof CustodianError) throw new CommandError(error.message);
    throw error;
  } finally {
    await platform.close();
  }
}

function serverAnswers(config: Readonly<Config>): boolean {
  return (
    existsSync(path.join(config.dataDir, adminSocketName)) &&
    existsSync(path.join(config.dataDir, adminTokenName))
  );
}

export async function runOperation(
  config: Readonly<Config>,
  operation: string,
  input: Record<string, unknown>,
): Promise<unknown> {
  if (config.databaseUrl) {
    // PostgreSQL admits everyone: use a local server if one runs, otherwise connect directly.
    if (serverAnswers(config)) {
      try {
        return await viaServer(config, operation, input);
      } catch (error) {
        if (error instanceof CommandError) throw error;
      }
    }
    return locally(config, operation, input);
  }
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const holder = lockHolder(config.dataDir);
    if (holder?.role === "server") {
      // The server may still be starting; its socket appears once it listens.
      if (serverAnswers(config)) return viaServer(config, operation, input);
    } else if (!holder) {
      const lock = acquireLock(config.dataDir, "cli");
      if ("release" in lock) {
        try {
          return await locally(config, operation, input);
        } finally {
          lock.release();
        }
      }
    }
    await sleep(100);
  }
  throw new CommandError(`The data directory ${config.dataDir} is busy; try again.`);
}
