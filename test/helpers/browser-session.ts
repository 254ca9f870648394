// A signed-in browser session for API tests: a local owner account (or one made an admin), signed in
// through /api/session, with the cookies and CSRF header a browser would send; and a Chromium context
// signed in the same way for end-to-end tests.
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { TestPlatform } from "./platform.ts";

const defaultPassword = "correct horse battery staple";

export interface BrowserSession {
  /** fetch with the session's cookies, and the CSRF header and a same-origin Origin unless given. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  userId: string;
}

export async function signInOwner(
  platform: TestPlatform,
  account: { email: string; password?: string; organization?: string } = { email: "owner@example.com" },
): Promise<BrowserSession> {
  const organization = account.organization ?? platform.organization;
  const password = account.password ?? defaultPassword;
  const { users } = platform.server.platform.identity;
  const user = await users.createLocalOwner({
    organizationId: organization,
    email: account.email,
    password,
    actor: "test",
  });
  const origin = platform.server.url;
  const response = await fetch(`${origin}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify({ organization, email: account.email, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const { csrf_token: csrf } = (await response.json()) as { csrf_token: string };
  const cookies = response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
  return {
    userId: user.id,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("cookie", cookies);
      if (!headers.has("origin")) headers.set("origin", origin);
      if (!headers.has("x-csrf-token")) headers.set("x-csrf-token", csrf);
      if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
      return fetch(`${origin}${path}`, { ...init, headers });
    },
  };
}

/** A local account signed in as signInOwner does, then given the admin role in the default workspace. */
export async function signInAdmin(platform: TestPlatform, email: string): Promise<BrowserSession> {
  const session = await signInOwner(platform, { email });
  const { users } = platform.server.platform.identity;
  const workspaceId = (await users.defaultWorkspace(platform.organization)).id;
  await users.setRole({
    organizationId: platform.organization,
    workspaceId,
    userId: session.userId,
    role: "admin",
    actor: "test",
  });
  return session;
}

/** A Chromium context (clipboard allowed) signed in as an existing account through /api/session, as the
 * sign-in page does; the account's password is signInOwner's unless given. */
export async function signInBrowser(
  browser: Browser,
  platform: TestPlatform,
  email: string,
  options: { viewport: { width: number; height: number }; password?: string; organization?: string },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: options.viewport });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: platform.server.url });
  const page = await context.newPage();
  await page.goto(`${platform.server.url}/trust`);
  const status = await page.evaluate(
    async ([organization, email, password]) =>
      (
        await fetch("/api/session", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ organization, email, password }),
        })
      ).status,
    [options.organization ?? platform.organization, email, options.password ?? defaultPassword] as const,
  );
  if (status !== 200) throw new Error(`browser sign-in failed: ${status}`);
  return { context, page };
}
