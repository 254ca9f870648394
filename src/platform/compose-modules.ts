// Builds a list of modules in the order given, each from the foundation and the exports of the modules
// it needs (which must come earlier in the list), and gathers what each adds to the platform.
import type { AnyModule, Built, Contributions, Foundation, Gathered } from "./module.ts";

export interface ComposedModules {
  /** Each module's exports, by module name. */
  exports: ReadonlyMap<string, unknown>;
  gathered: Gathered;
  /** Stops the tasks, then closes the modules, last built first. */
  close(): Promise<void>;
}

function emptyLists(): { [Kind in keyof Contributions]-?: NonNullable<Contributions[Kind]> } {
  return { policies: [], observers: [], routes: [], exportSections: [], userDeleted: [], tasks: [] };
}

export async function composeModules(
  base: Omit<Foundation, "gathered">,
  modules: readonly AnyModule[],
): Promise<ComposedModules> {
  const lists = emptyLists();
  const foundation: Foundation = { ...base, gathered: lists };
  const exports = new Map<string, unknown>();
  const built: Array<Built<unknown>> = [];
  const close = async () => {
    for (const task of lists.tasks) await task.stop();
    for (const module of built.toReversed()) await module.close?.();
  };
  try {
    for (const module of modules) {
      if (exports.has(module.name)) throw new Error(`Two modules are named '${module.name}'.`);
      const needs: Record<string, unknown> = {};
      for (const [key, needed] of Object.entries(module.needs)) {
        if (!exports.has(needed.name))
          throw new Error(`Module '${module.name}' needs '${needed.name}', which must come before it.`);
        needs[key] = exports.get(needed.name);
      }
      const result = await module.create(foundation, needs as never);
      built.push(result);
      exports.set(module.name, result.exports);
      for (const kind of Object.keys(lists) as Array<keyof Contributions>) {
        (lists[kind] as unknown[]).push(...(result[kind] ?? []));
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  // A task's first run waits one interval, so short-lived processes (the CLI) never run one.
  for (const task of lists.tasks) task.start();
  return { exports, gathered: lists, close };
}
