// Classifiers see document text and keep metadata only (issue 20, API-3): a chat attachment, a knowledge
// upload and a vector-store file are each classified once stored; what is kept names categories, scores
// and counts, and holds no fragment of the document (nor do the logs).
import { beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { multipartFile } from "./helpers/multipart.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

/** A document that the built-in classifier labels: a threat, an email address, a leaked API key. */
const harmful = [
  "Quarterly depot memo CANARY-7c1e.",
  "",
  "I will kill you tomorrow with a knife if the shipment is late again.",
  "",
  "Write to canary.7c1e@example.com, key sk-CANARY7c1eCANARY7c1eCANARY7c1e",
].join("\n");
const benign = "Depot opening hours.\n\nThe Lindholm depot opens at seven and closes at five.";

/** Every run of eight characters of the text that holds a letter: what a leak would show. */
function fragments(text: string): string[] {
  const found = new Set<string>();
  for (let index = 0; index + 8 <= text.length; index += 1) {
    const piece = text.slice(index, index + 8);
    if (/[A-Za-z]/.test(piece)) found.add(piece.toLowerCase());
  }
  return [...found];
}

describe("classifiers over documents", () => {
  const platform = useTestPlatformWithUpstream();
  let owner: BrowserSession;

  beforeAll(async () => {
    owner = await signInOwner(platform, { email: "owner@classify.example" });
  }, 300_000);

  const classifier = () => platform.server.platform.documents.classifier;
  const rowOf = (documentId: string) =>
    platform.server.platform.db
      .selectFrom("document_classifications")
      .selectAll()
      .where("document_id", "=", documentId)
      .executeTakeFirst();

  async function upload(path: string, filename: string, content: string): Promise<string> {
    const { body, type } = await multipartFile(filename, content);
    const response = await owner.fetch(path, { method: "POST", headers: { "content-type": type }, body });
    expect(response.status, await response.clone().text()).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  it("[API-3] a harmful document's classification is recorded as labels, scores and counts, with no fragment of its text", async () => {
    const conversation = await owner.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model" }),
    });
    const { id } = (await conversation.json()) as { id: string };
    const attached = await upload(`/api/conversations/${id}/attachments`, "memo.txt", harmful);
    const plain = await upload(`/api/conversations/${id}/attachments`, "hours.txt", benign);
    await classifier().flush();

    // The positive control: the harmful document is labelled and flagged; the benign one is not.
    const found = await classifier().classification(platform.organization, attached);
    expect(found).toMatchObject({ classifier: "builtin", flagged: true, passages: 1, flaggedPassages: 1 });
    expect(found!.categories).toEqual(expect.arrayContaining(["pii/email", "secrets/api_key"]));
    expect(
      found!.categories.some(
        (category) => category.startsWith("violence") || category.startsWith("harassment"),
      ),
    ).toBe(true);
    expect(await classifier().classification(platform.organization, plain)).toMatchObject({
      flagged: false,
      categories: [],
      passages: 1,
    });

    // Metadata only: the scan finds what the row does hold (a category), and no fragment of the document.
    const row = await rowOf(attached);
    const stored = JSON.stringify(row).toLowerCase();
    expect(stored).toContain("secrets/api_key");
    const pieces = fragments(harmful);
    expect(pieces.length).toBeGreaterThan(50);
    expect(pieces.filter((piece) => stored.includes(piece))).toEqual([]);
    const logs = platform.logs().toLowerCase();
    // The log was written during the uploads (their requests are in it), and holds nothing of the document.
    expect(logs).toContain("starting multipart parsing");
    expect(pieces.filter((piece) => logs.includes(piece))).toEqual([]);

    // The metadata goes with its document.
    const detached = await owner.fetch(`/api/conversations/${id}/attachments/${attached}`, {
      method: "DELETE",
    });
    expect(detached.status).toBe(204);
    expect(await rowOf(attached)).toBeUndefined();
    expect(await rowOf(plain)).toBeDefined();
  });

  it("[API-3] knowledge uploads and vector-store files are classified too", async () => {
    const made = await owner.fetch("/api/knowledge", {
      method: "POST",
      body: JSON.stringify({ name: "Memos" }),
    });
    const collection = ((await made.json()) as { id: string }).id;
    const knowledge = await upload(`/api/knowledge/${collection}/files`, "memo.txt", harmful);

    const client = platform.client();
    const file = await client.files.create({ file: new File([harmful], "memo.txt"), purpose: "assistants" });
    const store = await client.vectorStores.create({ name: "Memos", file_ids: [file.id] });
    const documents = await platform.server.platform.documents.listDocuments(
      { organizationId: platform.organization, projectId: platform.project },
      store.id,
    );
    expect(documents).toHaveLength(1);
    await classifier().flush();

    for (const documentId of [knowledge, documents[0]!.id]) {
      const found = await classifier().classification(platform.organization, documentId);
      expect(found, documentId).toMatchObject({ flagged: true });
      expect(found!.categories).toContain("secrets/api_key");
    }
  });
});
