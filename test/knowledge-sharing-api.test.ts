// Sharing knowledge collections with groups, as the Knowledge page does it (issue 20, CTL-2): the
// organisation's groups are listed by name (the caller's own marked, no members), each collection says
// whether the caller manages it or only reads it, and a share naming a group that does not exist is
// refused with a 400 and changes nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

interface Listed {
  id: string;
  access: string;
  shared_with: string[];
}

describe("knowledge sharing for the web app", () => {
  const platform = useTestPlatformWithUpstream();
  let owner: BrowserSession;
  let colleague: BrowserSession;
  let archivists: string;
  let surveyors: string;

  beforeAll(async () => {
    owner = await signInOwner(platform, { email: "keeper@sharing.example" });
    colleague = await signInOwner(platform, { email: "colleague@sharing.example" });
    const { scimGroups } = platform.server.platform.identity;
    archivists = (
      await scimGroups.create(
        platform.organization,
        { displayName: "Archivists", members: [{ value: colleague.userId }] },
        "test",
      )
    ).id;
    surveyors = (
      await scimGroups.create(
        platform.organization,
        { displayName: "Surveyors", members: [{ value: owner.userId }] },
        "test",
      )
    ).id;
  }, 300_000);

  const list = async (session: BrowserSession) =>
    ((await (await session.fetch("/api/knowledge")).json()) as { data: Listed[] }).data;

  it("[CTL-2] lists the organisation's groups by name, marks each collection's access, and refuses an unknown group", async () => {
    const groups = await owner.fetch("/api/knowledge/groups");
    expect(groups.status).toBe(200);
    const body = (await groups.json()) as { data: Array<Record<string, unknown>> };
    expect(body.data).toEqual(
      expect.arrayContaining([
        { id: archivists, name: "Archivists", member: false },
        { id: surveyors, name: "Surveyors", member: true },
      ]),
    );

    const made = await owner.fetch("/api/knowledge", {
      method: "POST",
      body: JSON.stringify({ name: "Field notes" }),
    });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as { id: string };
    expect((await list(owner)).find((item) => item.id === id)).toMatchObject({ access: "manage" });
    // The positive control for "not listed": the colleague's list is read, and the collection is not in it.
    expect(await list(colleague)).not.toContainEqual(expect.objectContaining({ id }));

    const unknown = await owner.fetch(`/api/knowledge/${id}/shares`, {
      method: "PUT",
      body: JSON.stringify({ group_ids: [archivists, "grp_missing"] }),
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: "group_not_found", param: "group_ids" } });
    expect((await list(owner)).find((item) => item.id === id)).toMatchObject({ shared_with: [] });

    const shared = await owner.fetch(`/api/knowledge/${id}/shares`, {
      method: "PUT",
      body: JSON.stringify({ group_ids: [archivists] }),
    });
    expect(shared.status).toBe(200);
    expect(await shared.json()).toMatchObject({ shared_with: [archivists], access: "manage" });
    expect((await list(colleague)).find((item) => item.id === id)).toMatchObject({
      access: "read",
      shared_with: [archivists],
    });
    // A reader cannot change the sharing.
    const theirs = await colleague.fetch(`/api/knowledge/${id}/shares`, {
      method: "PUT",
      body: JSON.stringify({ group_ids: [] }),
    });
    expect(theirs.status).toBe(403);
  });
});
