import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import {
  kmsKeyId,
  startFakeKms,
  startFakeVault,
  type FakeKeyService,
} from "../../test/helpers/fake-key-services.ts";
import { Keyring } from "./keyring.ts";

const place = { table: "messages", row: "msg_1" };

describe("customer-managed keys", () => {
  let database: TestDatabase;
  let kms: FakeKeyService;
  let vault: FakeKeyService;
  let keyring: Keyring;
  let organization = "";
  let counter = 0;

  beforeAll(async () => {
    database = await testDatabase();
    kms = await startFakeKms();
    vault = await startFakeVault("vault-token");
    // No caching of customer keys in tests, so a revocation shows on the very next use.
    keyring = new Keyring(database.db, randomBytes(32), { customerKeyCacheMs: 0 });
    await database.db.insertInto("organizations").values({ id: "org_other", name: "other" }).execute();
    await keyring.createOrganizationKey("org_other");
  });
  beforeEach(async () => {
    counter += 1;
    organization = `org_${counter}`;
    await database.db.insertInto("organizations").values({ id: organization, name: organization }).execute();
    await keyring.createOrganizationKey(organization);
    kms.enabled = true;
    vault.enabled = true;
  });
  afterAll(async () => {
    await kms?.close();
    await vault?.close();
    await database?.close();
  });

  const awsSettings = () => ({
    kind: "aws-kms" as const,
    keyId: kmsKeyId,
    region: "eu-west-1",
    endpoint: kms.url,
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "secret",
  });

  it("[SEC-1] moves existing data keys under an AWS KMS key; old data stays readable", async () => {
    const before = await keyring.seal(organization, place, "written before");
    await keyring.setCustomerKey(organization, awsSettings());
    expect(await keyring.customerKeyKind(organization)).toBe("aws-kms");
    expect((await keyring.open(organization, place, before)).toString()).toBe("written before");
    const after = await keyring.seal(organization, place, "written after");
    expect((await keyring.open(organization, place, after)).toString()).toBe("written after");
    // The master key alone can no longer unwrap the organisation's key.
    const withoutKms = new Keyring(database.db, randomBytes(32));
    await expect(withoutKms.open(organization, place, after)).rejects.toThrow();
  });

  it("[SEC-1] disabling the AWS KMS key locks exactly that organisation, and enabling it restores access", async () => {
    const sealed = await keyring.seal(organization, place, "secret");
    const other = await keyring.seal("org_other", place, "unaffected");
    await keyring.setCustomerKey(organization, awsSettings());
    kms.enabled = false;
    await expect(keyring.open(organization, place, sealed)).rejects.toMatchObject({
      status: 403,
      code: "customer_key_revoked",
    });
    await expect(keyring.assertAvailable(organization)).rejects.toMatchObject({
      code: "customer_key_revoked",
    });
    expect((await keyring.open("org_other", place, other)).toString()).toBe("unaffected");
    kms.enabled = true;
    expect((await keyring.open(organization, place, sealed)).toString()).toBe("secret");
  });

  it("[SEC-1] an unreachable key service is a 503 naming the cause, not a crash", async () => {
    const unreachable = { ...awsSettings(), endpoint: "http://127.0.0.1:9" };
    await expect(keyring.setCustomerKey(organization, unreachable)).rejects.toMatchObject({
      status: 503,
      code: "customer_key_unreachable",
    });
    // The failed switch changed nothing.
    expect(await keyring.customerKeyKind(organization)).toBe("local");
    await keyring.assertAvailable(organization);
  });

  it("[SEC-1] works with a Vault transit key, re-wraps after a Vault rotation, and locks on revocation", async () => {
    const sealed = await keyring.seal(organization, place, "vault data");
    await keyring.setCustomerKey(organization, {
      kind: "vault-transit",
      address: vault.url,
      keyName: "custodian",
      token: "vault-token",
    });
    const wrapped = async () =>
      (
        await database.db
          .selectFrom("organization_keys")
          .select("wrapped_key")
          .where("organization_id", "=", organization)
          .executeTakeFirstOrThrow()
      ).wrapped_key.toString();
    expect(await wrapped()).toMatch(/^vault:v1:/);
    vault.rotate();
    expect((await keyring.open(organization, place, sealed)).toString()).toBe("vault data");
    expect(await wrapped()).toMatch(/^vault:v2:/);
    vault.enabled = false;
    await expect(keyring.open(organization, place, sealed)).rejects.toMatchObject({
      code: "customer_key_revoked",
    });
    vault.enabled = true;
    await keyring.setCustomerKey(organization, null);
    expect(await keyring.customerKeyKind(organization)).toBe("local");
    vault.enabled = false;
    expect((await keyring.open(organization, place, sealed)).toString()).toBe("vault data");
  });

  it("stores the key service's credentials sealed, never in plaintext", async () => {
    await keyring.setCustomerKey(organization, {
      kind: "vault-transit",
      address: vault.url,
      keyName: "custodian",
      token: "vault-token",
    });
    const row = await database.db
      .selectFrom("organization_key_providers")
      .selectAll()
      .where("organization_id", "=", organization)
      .executeTakeFirstOrThrow();
    expect(row.kind).toBe("vault-transit");
    expect(row.settings.includes(Buffer.from("vault-token"))).toBe(false);
  });
});
