// The chat workspace's services, wired: conversations, chatting, retention and its scheduled purge.
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import { PeriodicTask, purgeInterval } from "../jobs/periodic-task.ts";
import { ConversationChat, type ChatMeter, type ModelGate } from "./conversation-chat.ts";
import { ConversationService } from "./conversation-service.ts";
import { WorkspacePurge } from "./workspace-purge.ts";
import { WorkspaceRetention } from "./workspace-retention.ts";

export interface WorkspaceModule {
  conversations: ConversationService;
  chat: ConversationChat;
  retention: WorkspaceRetention;
  purge: WorkspacePurge;
  purgeTask: PeriodicTask;
}

export function createWorkspaceModule(dependencies: {
  db: Db;
  keyring: Keyring;
  audit: AuditLog;
  models: ModelRouter;
  logger: Logger;
  deletionWindowMs: number;
  /** How often the purge runs; by default often enough that deleted rows go well within the window. */
  purgeIntervalMs?: number | null;
  /** Decides whether a member may use a model (allow-lists, HIPAA mode). */
  gate?: ModelGate;
  /** Token budgets and metering for answers (the usage domain's). */
  meters?: readonly ChatMeter[];
}): WorkspaceModule {
  const { db, keyring, audit, models, logger, deletionWindowMs } = dependencies;
  const conversations = new ConversationService({ db, keyring, audit });
  const retention = new WorkspaceRetention({ db, audit });
  const purge = new WorkspacePurge({
    db,
    retention,
    shares: conversations.shares,
    deletion: conversations.deletion,
    deletionWindowMs,
  });
  conversations.preferences.changed.push(() => purge.preferencesChanged());
  // Runs often enough that deleted rows are gone well within the deletion window.
  const purgeTask = new PeriodicTask({
    name: "workspace-purge",
    intervalMs: purgeInterval(dependencies),
    db,
    logger,
    run: async () => {
      await purge.run();
    },
  });
  // Started by the platform once every module is built; the first run waits one interval.
  const chat = new ConversationChat({ conversations, models, gate: dependencies.gate });
  chat.meters.push(...(dependencies.meters ?? []));
  return {
    conversations,
    chat,
    retention,
    purge,
    purgeTask,
  };
}
