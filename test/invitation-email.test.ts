// Invitations by email through a real SMTP server that the test starts on this machine (smtp-server):
// the mail arrives over STARTTLS verified against the server's CA, its link works, and a server that
// will not upgrade to TLS gets nothing (SEC-2), leaving no invitation half-made.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tlsMaterial } from "../src/http/tls.ts";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { redeem, tokenOf } from "./helpers/invitation-flow.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";
import { waitFor } from "./helpers/wait-for.ts";

interface Received {
  to: string[];
  secure: boolean;
  raw: string;
}

function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

async function startSmtp(options: { key?: string; cert?: string; port?: number; tls: boolean }) {
  const received: Received[] = [];
  const server = new SMTPServer({
    ...(options.tls ? { key: options.key!, cert: options.cert! } : { hideSTARTTLS: true }),
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          to: session.envelope.rcptTo.map((address) => address.address),
          secure: session.secure,
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
      resolve(address.port);
    });
  });
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("invitations by email", () => {
  let platform: TestPlatform;
  let owner: BrowserSession;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let tlsDir: string;
  let material: Awaited<ReturnType<typeof tlsMaterial>>;

  beforeAll(async () => {
    tlsDir = mkdtempSync(path.join(tmpdir(), "custodian-smtp-"));
    material = await tlsMaterial(tlsDir, null);
    smtp = await startSmtp({ key: material.key, cert: material.cert, tls: true });
    platform = await startTestPlatform({
      env: {
        // On this machine plain text would be allowed; asking for STARTTLS proves the TLS path.
        CUSTODIAN_SMTP_URL: `smtp://localhost:${smtp.port}?starttls=required`,
        CUSTODIAN_SMTP_CA_FILE: material.caFile!,
        CUSTODIAN_SMTP_FROM: "Custodian <no-reply@people.example>",
        CUSTODIAN_PUBLIC_URL: "http://127.0.0.1:9",
      },
    });
    owner = await signInOwner(platform, { email: "owner@mail.example" });
  });
  afterAll(async () => {
    await platform?.close();
    await smtp?.close();
    rmSync(tlsDir, { recursive: true, force: true });
  });

  it("[SEC-2] sends the invitation over verified STARTTLS, and the link in the mail signs the invitee in", async () => {
    const response = await owner.fetch("/api/admin/invitations", {
      method: "POST",
      body: JSON.stringify({ email: "newcomer@mail.example", role: "member" }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toMatchObject({ emailed: true });
    await waitFor(() => smtp.received.length === 1, { timeoutMs: 60_000 });
    const mail = smtp.received[0]!;
    expect(mail.to).toEqual(["newcomer@mail.example"]);
    expect(mail.secure).toBe(true);
    const body = decodeQuotedPrintable(mail.raw);
    expect(body).toMatch(/^Subject: You are invited to /m);
    const link = /http:\/\/127\.0\.0\.1:9\/invite#[A-Za-z0-9]+/.exec(body)?.[0];
    expect(link).toBeDefined();
    const joined = await redeem(platform, tokenOf(link!), "the invitee's own password");
    expect(joined.response.status).toBe(200);
    expect(((await joined.response.json()) as { user: { email: string } }).user.email).toBe(
      "newcomer@mail.example",
    );
  });

  it("[SEC-2] a server that does not offer STARTTLS gets no mail; the invitation is not made", async () => {
    const port = smtp.port;
    await smtp.close();
    const plain = await startSmtp({ port, tls: false });
    try {
      const response = await owner.fetch("/api/admin/invitations", {
        method: "POST",
        body: JSON.stringify({ email: "second@mail.example", role: "member" }),
      });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: { code: "mail_failed" } });
      expect(plain.received).toEqual([]);
      const pending = (await (await owner.fetch("/api/admin/invitations")).json()) as {
        data: Array<{ email: string }>;
      };
      expect(pending.data.map((item) => item.email)).not.toContain("second@mail.example");
      // Positive control: the same request without email makes the invitation.
      const linkOnly = await owner.fetch("/api/admin/invitations", {
        method: "POST",
        body: JSON.stringify({ email: "second@mail.example", role: "member", send_email: false }),
      });
      expect(linkOnly.status).toBe(201);
    } finally {
      await plain.close();
    }
  });
});
