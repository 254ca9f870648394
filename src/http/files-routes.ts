// /v1/files: upload (multipart), list, retrieve, content and delete, in OpenAI's shapes.
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "../core/errors.ts";
import type { AccessModule } from "../access/access-module.ts";
import { parseFileExpiry } from "../files/file-expiry.ts";
import type { FileService, StoredFile } from "../files/file-service.ts";

export interface FilesRoutesDependencies {
  files: FileService;
  /** CTL-2: the "file_upload" switch refuses uploads for the caller's key when off. */
  features?: Pick<AccessModule, "requireKeyFeature">;
}

function fileObject(file: StoredFile) {
  return {
    id: file.id,
    object: "file",
    bytes: file.bytes,
    created_at: Math.floor(file.createdAt.getTime() / 1000),
    filename: file.filename,
    purpose: file.purpose,
    status: "processed",
    status_details: null,
    expires_at: file.expiresAt ? Math.floor(file.expiresAt.getTime() / 1000) : null,
  };
}

/** A query parameter given once, or undefined; a repeated one is refused rather than half read. */
function single(value: unknown, param: string): string | undefined {
  if (value === undefined || typeof value === "string") return value;
  throw errors.invalidRequest(`'${param}' may be given once.`, param);
}

function organizationOf(request: FastifyRequest): { organizationId: string; actor: string } {
  const principal = request.principal;
  if (!principal) throw errors.missingApiKey();
  return { organizationId: principal.organizationId, actor: principal.keyId };
}

export function filesRoutes(dependencies: FilesRoutesDependencies) {
  const { files, features } = dependencies;
  return async function register(app: FastifyInstance): Promise<void> {
    // Before the multipart body is read: an upload the switch refuses is never parsed.
    app.addHook("onRequest", async (request) => {
      if (features && request.method === "POST" && request.routeOptions.url === "/v1/files") {
        const { organizationId, actor } = organizationOf(request);
        await features.requireKeyFeature({ organizationId, keyId: actor }, "file_upload");
      }
    });
    // Registered inside this plugin, so multipart parsing applies to these routes only.
    await app.register(multipart, {
      limits: { fileSize: files.maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12 },
    });

    app.post("/files", async (request) => {
      const { organizationId, actor } = organizationOf(request);
      if (!request.isMultipart()) {
        throw errors.invalidRequest("Upload files as multipart/form-data with 'file' and 'purpose'.", "file");
      }
      let content: Buffer | null = null;
      let filename = "";
      const fields: Record<string, string> = {};
      try {
        for await (const part of request.parts()) {
          if (part.type === "file") {
            if (part.fieldname !== "file") {
              await part.toBuffer();
              continue;
            }
            content = await part.toBuffer();
            filename = part.filename;
          } else if (typeof part.value === "string") {
            fields[part.fieldname] = part.value;
          }
        }
      } catch (error) {
        if ((error as { code?: string }).code === "FST_REQ_FILE_TOO_LARGE") {
          throw errors.invalidRequest(
            `A file may be at most ${files.maxBytes} bytes.`,
            "file",
            "file_too_large",
          );
        }
        throw errors.invalidRequest("The multipart body could not be read.", "file");
      }
      if (!content) throw errors.invalidRequest("Missing required parameter: 'file'.", "file");
      const purpose = fields.purpose;
      if (!purpose) throw errors.invalidRequest("Missing required parameter: 'purpose'.", "purpose");
      const expiresAfterSeconds = parseFileExpiry(fields);
      const file = await files.upload({
        organizationId,
        purpose,
        filename: filename.slice(0, 512),
        content,
        actor,
        expiresAfterSeconds,
      });
      return fileObject(file);
    });

    app.get<{ Querystring: Record<string, unknown> }>("/files", async (request) => {
      const { organizationId } = organizationOf(request);
      const after = single(request.query.after, "after");
      const purpose = single(request.query.purpose, "purpose");
      const givenLimit = single(request.query.limit, "limit");
      // Number("") is 0 and Number(" 5") is 5: only digits are a limit, and the service checks the range.
      const limit =
        givenLimit === undefined ? undefined : /^\d+$/.test(givenLimit) ? Number(givenLimit) : NaN;
      const order = single(request.query.order, "order");
      if (order !== undefined && order !== "asc" && order !== "desc")
        throw errors.invalidRequest("'order' must be 'asc' or 'desc'.", "order");
      const { files: page, hasMore } = await files.list(organizationId, {
        ...(after ? { after } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(purpose ? { purpose } : {}),
        ...(order ? { order } : {}),
      });
      const data = page.map(fileObject);
      return {
        object: "list",
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: hasMore,
      };
    });

    app.get<{ Params: { id: string } }>("/files/:id", async (request) => {
      const { organizationId } = organizationOf(request);
      return fileObject(await files.get(organizationId, request.params.id));
    });

    app.get<{ Params: { id: string } }>("/files/:id/content", async (request, reply) => {
      const { organizationId } = organizationOf(request);
      const content = await files.content(organizationId, request.params.id);
      return reply.type("application/octet-stream").header("cache-control", "no-store").send(content);
    });

    app.delete<{ Params: { id: string } }>("/files/:id", async (request) => {
      const { organizationId, actor } = organizationOf(request);
      await files.delete(organizationId, request.params.id, actor);
      return { id: request.params.id, object: "file", deleted: true };
    });
  };
}
