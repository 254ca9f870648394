// The platform's one table of administrative operations, gathered from its modules: the admin socket,
// the CLI, tests and (for the operations a console route shares) the admin API all run these.
import {
  bindOperations,
  type BoundOperations,
  type Intersection,
  type OperationCaller,
} from "../core/operation.ts";
import { platformModules, type Platform } from "./platform.ts";

export type OperationTableOf<Modules extends ReadonlyArray<{ operations: object }>> = Intersection<
  Modules[number]["operations"]
>;

function gather<Modules extends ReadonlyArray<{ name: string; operations: object }>>(
  modules: Modules,
): OperationTableOf<Modules> {
  const table: Record<string, unknown> = {};
  for (const module of modules) {
    for (const [name, operation] of Object.entries(module.operations)) {
      if (Object.hasOwn(table, name)) throw new Error(`Two modules declare the operation '${name}'.`);
      table[name] = operation;
    }
  }
  return table as OperationTableOf<Modules>;
}

/** Every operation by name. */
export const operationTable = gather(platformModules);
export type AdminOperationTable = typeof operationTable;
export type AdminOperations = BoundOperations<AdminOperationTable>;

/** The operations as typed functions, run against this platform as `actor` (the installation's administrator). */
export function adminOperations(platform: Platform, actor = "cli"): AdminOperations {
  const caller: OperationCaller = { actor };
  return bindOperations(operationTable, platform, caller);
}
