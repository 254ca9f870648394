// The files module: uploaded files (/v1/files), sealed in the blob store (local or S3).
import { FileService } from "../../files/file-service.ts";
import { filesExportSection } from "../../privacy/export-sections.ts";
import { defineModule } from "../module.ts";

export const filesModule = defineModule({
  name: "files",
  needs: {},
  migrations: ["0800-fine-tuning", "0810-file-upload-state"],
  operations: {},
  create({ db, keyring, audit, blobs }) {
    const files = new FileService({ db, keyring, audit, blobs });
    return { exports: { files, blobs }, exportSections: [filesExportSection(files)] };
  },
});
