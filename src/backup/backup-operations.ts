// Taking a backup as an administrative operation, so that `custodian backup create` runs where the data
// lives: in the running server (through its admin socket: the embedded database has one process), or
// in the command's own process when no server holds the data directory.
import path from "node:path";
import { Type } from "@sinclair/typebox";
import { defineOperation, installationOnly } from "../core/operation.ts";
import type { BackupSummary } from "./backup-create.ts";

const operation = defineOperation<{
  backup: { create(file: string, actor: string): Promise<BackupSummary> };
}>();

export const backupOperations = {
  createBackup: operation({
    description: "write a sealed, consistent backup of the database and every blob it references to FILE",
    permission: installationOnly,
    input: Type.Object({ out: Type.String({ minLength: 1, title: "FILE" }) }),
    output: Type.Object({
      file: Type.String(),
      archiveId: Type.String(),
      schemaVersion: Type.String(),
      tables: Type.Integer(),
      rows: Type.Integer(),
      blobs: Type.Integer(),
      bytes: Type.Integer(),
    }),
    async run({ backup }, input, caller) {
      return backup.create(path.resolve(input.out), caller.actor);
    },
  }),
};
