// SEC-5, PLAT-1, PLAT-3: the platform's own promises, checked live. HIPAA mode: the second probe
// organisation is kept in it, and it and every organisation in it have zero data retention and are
// refused models not covered by a BAA. The OpenAI-compatible API answers the official list shape over the
// installation's own listener with a probe key, and the web app is served. Nodes: every node sharing the
// database has a recent heartbeat and the same settings (on embedded PGlite, this one node).
import { fetch } from "undici";
import { isEmbedded } from "../../db/database.ts";
import {
  expectRefusal,
  expectThat,
  ProbeSkipped,
  statusOf,
  type Probe,
  type ProbeContext,
  listenerAgent,
} from "../probe.ts";
import { ProbeStore } from "../probe-store.ts";
import { heartbeatMs, settingsDigest } from "../trust-service.ts";

const source = "src/trust/probes/platform-probes.ts";
const uncovered = "trust-probe-uncovered-model";

export const hipaaProbe: Probe = {
  name: "platform.hipaa-mode",
  commitments: ["SEC-5"],
  description:
    "organisations in HIPAA mode have zero data retention and are refused models not covered by a BAA",
  source,
  remedy:
    "Turn HIPAA mode off and on again for the organisation (`custodian hipaa`), which records ZDR, and mark " +
    "only BAA-covered model servers with baa: true.",
  async run(context: ProbeContext) {
    const probe = await context.organizations.second();
    const { hipaa, settings } = context.privacy;
    if (!(await hipaa.enabled(probe.organizationId))) await hipaa.set(probe.organizationId, true, "system");
    const organizations = await hipaa.list();
    expectThat(
      organizations.includes(probe.organizationId),
      "SEC-5: HIPAA mode did not take (positive control)",
    );
    for (const organizationId of organizations) {
      for (const project of await context.tenancy.listProjects(organizationId)) {
        const effective = await settings.effective(organizationId, project.id);
        expectThat(
          effective.zdr,
          `SEC-5: a project of HIPAA organisation ${organizationId} lacks zero data retention`,
        );
      }
      const refusal = await expectRefusal(
        () => hipaa.checkModel(organizationId, uncovered),
        `SEC-5: HIPAA organisation ${organizationId} may use a model not covered by a BAA`,
      );
      expectThat(
        statusOf(refusal) === 403,
        `SEC-5: an uncovered model answered ${String(statusOf(refusal))}`,
      );
    }
    return [
      `${organizations.length} organisations in HIPAA mode (the probe's included): every project under ZDR`,
      `a model not covered by a BAA refused (403); ${hipaa.coveredModels.size} covered models`,
    ];
  },
};

export const apiProbe: Probe = {
  name: "platform.openai-api",
  commitments: ["PLAT-1"],
  description:
    "the OpenAI-compatible API lists models in OpenAI's shape with a probe key, and the web app is served",
  source,
  remedy:
    "Check that the server is reachable at its configured address and that `custodian models` lists a model.",
  async run(context) {
    const { listener } = context;
    if (!listener) throw new ProbeSkipped("runs only in a serving process (its own listener)");
    const probe = await context.organizations.first();
    const key = await context.apiKeys.create({
      organizationId: probe.organizationId,
      projectId: probe.projectId,
      name: "Trust probe",
      permission: "read_only",
      actor: "system",
    });
    const dispatcher = listenerAgent(listener);
    try {
      const models = await fetch(new URL("/v1/models", listener.url), {
        dispatcher,
        headers: { authorization: `Bearer ${key.key}` },
        signal: context.signal,
      });
      const body = (await models.json()) as {
        object?: string;
        data?: Array<{ id?: string; object?: string }>;
      };
      expectThat(models.status === 200, `PLAT-1: GET /v1/models answered ${models.status}`);
      expectThat(
        body.object === "list" &&
          Array.isArray(body.data) &&
          body.data.every((model) => model.object === "model"),
        "PLAT-1: GET /v1/models is not in OpenAI's list shape",
      );
      const page = await fetch(new URL("/", listener.url), { dispatcher, signal: context.signal });
      const html = await page.text();
      // A working tree that was never built (npm start builds it) says so; anything else is a failure.
      const unbuilt = page.status === 503 && html.includes("not built");
      expectThat(
        (page.status === 200 && html.includes("<html")) || unbuilt,
        `PLAT-1: the web app answered ${page.status}`,
      );
      return [
        `GET /v1/models: 200, OpenAI list shape, ${body.data!.length} models`,
        unbuilt
          ? "GET /: the web app is not built in this working tree (npm run build)"
          : "GET /: the web app",
      ];
    } finally {
      await dispatcher.close();
      await context.apiKeys.revoke(probe.organizationId, key.id, "system");
    }
  },
};

export const nodesProbe: Probe = {
  name: "platform.nodes",
  commitments: ["PLAT-3"],
  description:
    "every node sharing the database has a recent heartbeat and the same settings; embedded defaults on one machine",
  source,
  remedy:
    "A node with other settings or without a recent heartbeat: give every node the same configuration, and " +
    "restart or remove nodes that stopped.",
  async run(context) {
    const store = new ProbeStore(context.db);
    await store.heartbeat(context.nodeId, new Date(), settingsDigest(context.config));
    const nodes = await store.nodes(new Date(Date.now() - 3 * heartbeatMs));
    expectThat(
      nodes.some((node) => node.nodeId === context.nodeId),
      "PLAT-3: this node's heartbeat is missing",
    );
    const digests = new Set(nodes.map((node) => node.settingsDigest));
    expectThat(
      digests.size === 1,
      `PLAT-3: ${nodes.length} nodes disagree on settings (${digests.size} variants)`,
    );
    if (isEmbedded(context.db))
      return [
        "embedded PostgreSQL (PGlite) in the data directory, local files, one node with a recent heartbeat",
      ];
    return [
      `PostgreSQL server: ${nodes.length} nodes with heartbeats in the last ${(3 * heartbeatMs) / 1000} s`,
      "all agree on settings",
    ];
  },
};
