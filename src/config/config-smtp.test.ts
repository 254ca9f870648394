// SEC-2 for mail: which SMTP URLs are accepted and how each is protected.
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.ts";
import { loadConfig } from "./config.ts";
import { smtpSecurity } from "./transport.ts";

describe("SMTP settings", () => {
  it("[SEC-2] needs TLS to another host: smtps:// from the first byte, smtp:// only with STARTTLS required", () => {
    expect(smtpSecurity("S", "smtps://user:pw@mail.example.com")).toBe("tls");
    expect(smtpSecurity("S", "smtp://mail.example.com:587")).toBe("starttls");
    // Plain text only on this machine, and even there STARTTLS can be asked for.
    expect(smtpSecurity("S", "smtp://127.0.0.1:2525")).toBe("plaintext-loopback");
    expect(smtpSecurity("S", "smtp://localhost:2525?starttls=required")).toBe("starttls");
    for (const bad of ["http://mail.example.com", "mail.example.com", "smtp://"])
      expect(() => smtpSecurity("S", bad)).toThrow(ConfigError);
  });

  it("is read with its defaults, and refused under its variable's name without echoing it", () => {
    const config = loadConfig({ CUSTODIAN_DATA_DIR: "/tmp/custodian-smtp-config" });
    expect(config.smtpUrl).toBeNull();
    expect(config.invitationTtlHours).toBe(168);
    try {
      loadConfig({ CUSTODIAN_SMTP_URL: "ftp://user:canary-pw@mail.example.com" });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).setting).toBe("CUSTODIAN_SMTP_URL");
      expect(String((error as Error).message)).not.toContain("canary-pw");
    }
    expect(() => loadConfig({ CUSTODIAN_INVITATION_TTL_HOURS: "0" })).toThrow(ConfigError);
  });
});
