import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { DecryptionError } from "./aead.ts";
import { Keyring } from "./keyring.ts";

const place = { table: "messages", row: "msg_1" };

describe("Keyring", () => {
  let database: TestDatabase;
  let keyring: Keyring;
  let master: Buffer;

  beforeEach(async () => {
    database = await testDatabase();
    for (const id of ["org_a", "org_b"]) {
      await database.db.insertInto("organizations").values({ id, name: id }).execute();
    }
    master = randomBytes(32);
    keyring = new Keyring(database.db, master);
    await keyring.createOrganizationKey("org_a");
    await keyring.createOrganizationKey("org_b");
  });
  afterEach(() => database.close());

  it("[SEC-1] seals with AES-256-GCM so the stored bytes do not contain the plaintext", async () => {
    const canary = "CANARY-plaintext-7f3a";
    const sealed = await keyring.seal("org_a", place, canary);
    expect(sealed.includes(Buffer.from(canary))).toBe(false);
    expect(sealed.readUInt8(0)).toBe(1);
    expect((await keyring.open("org_a", place, sealed)).toString()).toBe(canary);
    // Random nonces: the same plaintext never seals to the same bytes.
    expect((await keyring.seal("org_a", place, canary)).equals(sealed)).toBe(false);
  });

  it("[SEC-1] refuses a tampered ciphertext", async () => {
    const sealed = await keyring.seal("org_a", place, "hello");
    for (const index of [20, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[index] = tampered[index]! ^ 0x01;
      await expect(keyring.open("org_a", place, tampered)).rejects.toBeInstanceOf(DecryptionError);
    }
  });

  it("[SEC-1] refuses a ciphertext moved to another row or table", async () => {
    const sealed = await keyring.seal("org_a", place, "hello");
    await expect(keyring.open("org_a", { table: "messages", row: "msg_2" }, sealed)).rejects.toThrow(
      DecryptionError,
    );
    await expect(keyring.open("org_a", { table: "files", row: "msg_1" }, sealed)).rejects.toThrow(
      DecryptionError,
    );
  });

  it("[SEC-1] refuses a ciphertext opened as another organisation", async () => {
    const sealed = await keyring.seal("org_a", place, "hello");
    await expect(keyring.open("org_b", place, sealed)).rejects.toThrow(DecryptionError);
  });

  it("[SEC-1] refuses a ciphertext whose key version was changed", async () => {
    await keyring.rotate("org_a");
    const sealed = await keyring.seal("org_a", place, "hello");
    const relabelled = Buffer.from(sealed);
    relabelled.writeUInt32BE(1, 1);
    await expect(keyring.open("org_a", place, relabelled)).rejects.toThrow(DecryptionError);
  });

  it("[SEC-1] rotation keeps old data readable and seals new data with the new version", async () => {
    const before = await keyring.seal("org_a", place, "old");
    expect(await keyring.rotate("org_a")).toBe(2);
    const after = await keyring.seal("org_a", place, "new");
    expect(after.readUInt32BE(1)).toBe(2);
    expect(before.readUInt32BE(1)).toBe(1);
    // A fresh keyring (a restarted process) unwraps both versions from the database.
    const restarted = new Keyring(database.db, master);
    expect((await restarted.open("org_a", place, before)).toString()).toBe("old");
    expect((await restarted.open("org_a", place, after)).toString()).toBe("new");
  });

  it("[SEC-1] stores organisation keys only wrapped, and a wrong master key cannot unwrap them", async () => {
    const sealed = await keyring.seal("org_a", place, "hello");
    const rows = await database.db.selectFrom("organization_keys").selectAll().execute();
    expect(rows).toHaveLength(2);
    const stranger = new Keyring(database.db, randomBytes(32));
    await expect(stranger.open("org_a", place, sealed)).rejects.toThrow(DecryptionError);
  });
});
