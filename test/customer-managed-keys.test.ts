// Customer-managed keys end to end: revoking the organisation's own KMS key locks its API traffic
// with a clear error, leaves other organisations alone, and restoring the key restores service.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminOperations } from "../src/platform/operations.ts";
import { startFakeKms, kmsKeyId, type FakeKeyService } from "./helpers/fake-key-services.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

describe("customer-managed keys through /v1", () => {
  let kms: FakeKeyService;

  beforeAll(async () => {
    kms = await startFakeKms();
  });
  afterAll(async () => {
    await kms?.close();
  });
  // Registered after the KMS's hooks, so it starts after the KMS and closes before it.
  const platform = useTestPlatformWithUpstream({ env: { CUSTODIAN_CUSTOMER_KEY_CACHE_MS: "0" } });

  it("[SEC-1] a revoked customer key answers 403 naming the cause; other organisations are untouched", async () => {
    const operations = adminOperations(platform.server.platform);
    const other = (await operations.createOrganization({ name: "Other" })) as { id: string };
    const otherKey = (await operations.createKey({ organization: other.id })) as { key: string };
    await operations.setCustomerKey({
      organization: platform.organization,
      kind: "aws-kms",
      keyId: kmsKeyId,
      region: "eu-west-1",
      endpoint: kms.url,
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "secret",
    });
    const ask = (apiKey?: string) =>
      platform
        .client(apiKey ? { apiKey } : {})
        .chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "hi" }] });
    await expect(ask()).resolves.toMatchObject({ object: "chat.completion" });

    kms.enabled = false;
    await expect(ask()).rejects.toMatchObject({ status: 403, code: "customer_key_revoked" });
    await expect(ask(otherKey.key)).resolves.toMatchObject({ object: "chat.completion" });

    kms.enabled = true;
    await expect(ask()).resolves.toMatchObject({ object: "chat.completion" });

    const entries = await platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["action", "metadata"])
      .where("action", "=", "organization.customer_key_set")
      .execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.metadata).not.toContain("secret");
  });

  it("[SEC-1] rotating the organisation's key seals new data with the new version, opens the old, and is audited", async () => {
    const operations = adminOperations(platform.server.platform);
    const { keyring, db } = platform.server.platform;
    const place = { table: "rotation_test", row: "1" };
    const before = await keyring.seal(platform.organization, place, "sealed before");
    const rotated = (await operations.rotateOrganizationKey({ organization: platform.organization })) as {
      version: number;
    };
    const versions = await keyring.keyVersions(platform.organization);
    expect(versions.map((entry) => entry.version)).toContain(rotated.version);
    expect(Math.max(...versions.map((entry) => entry.version))).toBe(rotated.version);
    expect((await keyring.open(platform.organization, place, before)).toString()).toBe("sealed before");
    const after = await keyring.seal(platform.organization, place, "sealed after");
    expect((await keyring.open(platform.organization, place, after)).toString()).toBe("sealed after");
    const entries = await db
      .selectFrom("audit_entries")
      .select(["action", "metadata"])
      .where("action", "=", "organization.key_rotated")
      .execute();
    expect(entries).toHaveLength(1);
    expect(JSON.parse(String(entries[0]!.metadata))).toEqual({ version: String(rotated.version) });
    await expect(operations.rotateOrganizationKey({ organization: "org_missing" })).rejects.toMatchObject({
      status: 404,
    });
  });
});
