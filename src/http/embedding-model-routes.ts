// /api/admin/embedding-model (issue 20): the model that embeds the organisation's new knowledge
// collections and chat attachments, so that their search is hybrid (vectors and keywords). Admins read
// and change it (the `switches` permissions, as for the features members may use); a model that does
// not exist or gives no embeddings is refused with a 400 and nothing changes.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { EmbeddingModelChoice, EmbeddingModelState } from "../documents/embedding-model-choice.ts";
import { caller } from "./admin-api-permissions.ts";

const ChoiceBody = Type.Object(
  // A model id, or null for keyword search only.
  { model: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]) },
  { additionalProperties: false },
);

function render(state: EmbeddingModelState) {
  return {
    model: state.model,
    source: state.source,
    installation_default: state.installationDefault,
    choices: state.choices,
  };
}

export function embeddingModelRoutes(choice: EmbeddingModelChoice): FastifyPluginAsync {
  return async (app) => {
    app.get("/api/admin/embedding-model", { config: { permission: "switches.read" } }, async (request) =>
      render(await choice.state(caller(request).organizationId)),
    );

    app.put<{ Body: Static<typeof ChoiceBody> }>(
      "/api/admin/embedding-model",
      { schema: { body: ChoiceBody }, config: { permission: "switches.write" } },
      async (request) => {
        const { organizationId, userId } = caller(request);
        await choice.set(organizationId, request.body.model, userId);
        return render(await choice.state(organizationId));
      },
    );

    // Back to the installation's default (CUSTODIAN_EMBEDDING_MODEL).
    app.delete(
      "/api/admin/embedding-model",
      { config: { permission: "switches.write" } },
      async (request) => {
        const { organizationId, userId } = caller(request);
        await choice.set(organizationId, undefined, userId);
        return render(await choice.state(organizationId));
      },
    );
  };
}
