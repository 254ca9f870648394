// The files module: uploaded files (/v1/files), sealed in the blob store (local or S3).
import path from "node:path";
import { FileService } from "../../files/file-service.ts";
import { LocalBlobStore } from "../../files/local-blob-store.ts";
import { S3BlobStore } from "../../files/s3-blob-store.ts";
import { filesExportSection } from "../../privacy/export-sections.ts";
import { defineModule } from "../module.ts";

export const filesModule = defineModule({
  name: "files",
  needs: {},
  migrations: ["0800-fine-tuning", "0810-file-upload-state"],
  operations: {},
  create({ config, db, keyring, audit }) {
    const { blobStore } = config;
    const blobs =
      blobStore.kind === "s3"
        ? new S3BlobStore({
            bucket: blobStore.bucket,
            endpoint: blobStore.endpoint,
            region: blobStore.region,
          })
        : new LocalBlobStore(path.join(config.dataDir, "blobs"));
    const files = new FileService({ db, keyring, audit, blobs });
    return {
      exports: { files, blobs },
      exportSections: [filesExportSection(files)],
      async close() {
        if (blobs instanceof S3BlobStore) blobs.close();
      },
    };
  },
});
