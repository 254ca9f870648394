// API keys are trusted from memory for a while (CUSTODIAN_KEY_CACHE_MS), yet a key revoked on this node
// stops working at once, one key or all of a user's: the revocation empties the cache. The cache here is
// ten minutes long, so a revocation that left it alone would leave the keys working and fail the test.
import { AuthenticationError } from "openai";
import { describe, expect, it } from "vitest";
import { signInOwner } from "../../test/helpers/browser-session.ts";
import { useTestPlatform } from "../../test/helpers/platform.ts";

describe("API key revocation with the key cache on", () => {
  const platform = useTestPlatform({ env: { CUSTODIAN_KEY_CACHE_MS: "600000" } });

  const newKey = (userId?: string) =>
    platform.server.platform.apiKeys.create({
      organizationId: platform.organization,
      projectId: platform.project,
      ...(userId ? { userId } : {}),
      actor: "test",
    });
  const works = async (key: string) => {
    const page = await platform.client({ apiKey: key }).models.list();
    return page.object === "list";
  };

  it("[CTL-2] a revoked key is refused on its next request; a key beside it still works", async () => {
    const revoked = await newKey();
    const kept = await newKey();
    // Positive control: both keys work, and are now held in the cache.
    expect(await works(revoked.key)).toBe(true);
    expect(await works(kept.key)).toBe(true);
    await platform.server.platform.apiKeys.revoke(platform.organization, revoked.id, "test");
    await expect(works(revoked.key)).rejects.toBeInstanceOf(AuthenticationError);
    expect(await works(kept.key)).toBe(true);
  });

  it("[CTL-2] revoking all of a user's keys refuses each of them on its next request", async () => {
    const { apiKeys } = platform.server.platform;
    const { userId } = await signInOwner(platform, { email: "leaver@keys.example" });
    const personal = [await newKey(userId), await newKey(userId)];
    for (const key of personal) expect(await works(key.key)).toBe(true);
    expect(await apiKeys.revokeAllForUser(platform.organization, userId, "test")).toBe(2);
    for (const key of personal) await expect(works(key.key)).rejects.toBeInstanceOf(AuthenticationError);
    expect(await works(platform.apiKey)).toBe(true);
  });
});
