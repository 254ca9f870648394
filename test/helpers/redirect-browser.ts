// A browser-like HTTP client for sign-in flows: follows redirects by hand, keeps cookies per origin
// (path-scoped, as browsers do), and submits the first form of an HTML page with given fields.
export interface BrowserStep {
  url: string;
  status: number;
  location: string | null;
  body: string;
  setCookies: string[];
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export class RedirectBrowser {
  readonly #jar = new Map<string, StoredCookie[]>();
  /** Every response seen, in order. */
  readonly history: BrowserStep[] = [];

  cookieHeader(url: URL): string {
    return (this.#jar.get(url.origin) ?? [])
      .filter((cookie) => url.pathname.startsWith(cookie.path))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join("; ");
  }

  cookie(origin: string, name: string): string | undefined {
    return this.#jar.get(new URL(origin).origin)?.find((cookie) => cookie.name === name)?.value;
  }

  #store(url: URL, setCookies: string[]): void {
    const cookies = this.#jar.get(url.origin) ?? [];
    for (const header of setCookies) {
      const [pair, ...attributes] = header.split(";");
      const separator = pair!.indexOf("=");
      const name = pair!.slice(0, separator).trim();
      const value = pair!.slice(separator + 1).trim();
      const path =
        attributes
          .map((attribute) => attribute.trim())
          .find((attribute) => attribute.toLowerCase().startsWith("path="))
          ?.slice(5) ?? "/";
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === "";
      const kept = cookies.filter((cookie) => !(cookie.name === name && cookie.path === path));
      if (!expired) kept.push({ name, value, path });
      cookies.splice(0, cookies.length, ...kept);
    }
    this.#jar.set(url.origin, cookies);
  }

  /** One request, no redirects followed. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<BrowserStep> {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(target, { method: init.method ?? "GET", headers, body, redirect: "manual" });
    const setCookies = response.headers.getSetCookie();
    this.#store(target, setCookies);
    const location = response.headers.get("location");
    const step = {
      url: target.href,
      status: response.status,
      location: location ? new URL(location, target).href : null,
      body: await response.text(),
      setCookies,
    };
    this.history.push(step);
    return step;
  }

  /**
   * Go to a URL and keep going: follow redirects, and on an HTML page with a form, fill in `fields`
   * and submit it. Stops at `until` (a URL prefix reached by a redirect, not requested), or when a
   * response neither redirects nor holds a form.
   */
  async navigate(url: string, fields: Record<string, string>, until?: string): Promise<BrowserStep> {
    let step = await this.request(url);
    for (let hops = 0; hops < 20; hops++) {
      if (step.location) {
        if (until && step.location.startsWith(until)) return step;
        step = await this.request(step.location);
        continue;
      }
      const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(step.body);
      if (!form) return step;
      const values: Record<string, string> = {};
      for (const input of form[2]!.matchAll(/<input[^>]*name="([^"]+)"[^>]*>/gi)) {
        const value = /value="([^"]*)"/.exec(input[0]);
        values[input[1]!] = fields[input[1]!] ?? value?.[1] ?? "";
      }
      step = await this.request(new URL(form[1]!, step.url).href, { method: "POST", form: values });
    }
    throw new Error("Too many steps.");
  }
}
