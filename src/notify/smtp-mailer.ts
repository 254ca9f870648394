// Invitation and password-reset emails through an SMTP server (nodemailer), with SEC-2's rules for
// outbound connections: TLS 1.2 or newer with a verified certificate (implicit TLS or STARTTLS
// required), plain text only to this machine. The email holds the link and nothing of anyone's content.
import { readFileSync } from "node:fs";
import type { Transporter } from "nodemailer";
import { smtpSecurity } from "../config/transport.ts";
import { lazyModule } from "../core/lazy-module.ts";
import type { LinkMailer } from "../identity/invitation-service.ts";

export interface SmtpSettings {
  url: string;
  from: string;
  caFile?: string | null;
}

function message(purpose: "invite" | "reset", organizationName: string, link: string, expiresAt: Date) {
  const until = expiresAt.toUTCString();
  if (purpose === "invite") {
    return {
      subject: `You are invited to ${organizationName} on Custodian`,
      text: `You have been invited to join ${organizationName} on Custodian.\n\nOpen this link to set your password and sign in:\n${link}\n\nThe link works once, until ${until}.\n`,
    };
  }
  return {
    subject: `Set a new Custodian password for ${organizationName}`,
    text: `An administrator of ${organizationName} started a password reset for your Custodian account.\n\nOpen this link to set a new password:\n${link}\n\nThe link works once, until ${until}. Your other sessions end when you use it.\n`,
  };
}

// nodemailer (650 KB of source) loads with the first email, not with every server: most send none.
const loadNodemailer = lazyModule(() => import("nodemailer"));

export function createSmtpMailer(settings: SmtpSettings): LinkMailer & { close(): void } {
  const security = smtpSecurity("CUSTODIAN_SMTP_URL", settings.url);
  const url = new URL(settings.url);
  const ca = settings.caFile ? readFileSync(settings.caFile, "utf8") : undefined;
  let transport: Transporter | null = null;
  const open = lazyModule(async () => {
    const { default: nodemailer } = await loadNodemailer();
    transport = nodemailer.createTransport({
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port ? Number(url.port) : security === "tls" ? 465 : 587,
      secure: security === "tls",
      requireTLS: security === "starttls",
      ignoreTLS: security === "plaintext-loopback",
      ...(url.username
        ? {
            auth: {
              user: decodeURIComponent(url.username),
              pass: decodeURIComponent(url.password),
            },
          }
        : {}),
      tls: { minVersion: "TLSv1.2", rejectUnauthorized: true, ...(ca ? { ca } : {}) },
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
    });
    return transport;
  });
  return {
    async sendLink({ to, purpose, organizationName, link, expiresAt }) {
      const opened = await open();
      await opened.sendMail({
        from: settings.from,
        to,
        ...message(purpose, organizationName, link, expiresAt),
      });
    },
    close() {
      transport?.close();
    },
  };
}
