// A scripted user agent: fetch with a cookie jar, following redirects one hop at a time and
// submitting HTML forms, so the sign-in pages (the connector's consent page, the identity
// provider's login form) are walked exactly as a person's browser would, with no human.

/** Cookies per host, as a browser keeps them (path and expiry simplified: tests are short). */
export class Browser {
  constructor() {
    this.jar = new Map();
    this.visited = [];
  }

  cookieHeader(url) {
    const jar = this.jar.get(new URL(url).host) ?? new Map();
    return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  store(url, response) {
    const host = new URL(url).host;
    const jar = this.jar.get(host) ?? new Map();
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attributes.map((a) => a.trim().toLowerCase()).find((a) => a.startsWith("max-age="));
      if (maxAge === "max-age=0" || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    this.jar.set(host, jar);
  }

  /** One request, no redirect following. */
  async request(url, { method = "GET", form, headers = {} } = {}) {
    const init = { method, redirect: "manual", headers: { ...headers } };
    const cookie = this.cookieHeader(url);
    if (cookie) init.headers.cookie = cookie;
    if (form) {
      init.body = new URLSearchParams(form).toString();
      init.headers["content-type"] = "application/x-www-form-urlencoded";
      init.headers.origin = new URL(url).origin;
    }
    const response = await fetch(url, init);
    this.store(url, response);
    this.visited.push({ method, url, status: response.status });
    return response;
  }

  /**
   * Follows redirects from `url` until a page that is not a redirect, or until a redirect to a
   * URL for which `stop(url)` is true (the client's redirect URI). Resolves to
   * {url, response, html} for a page or {redirectedTo} for a stop.
   */
  async follow(url, { stop = () => false, method, form } = {}) {
    let response = await this.request(url, { method, form });
    for (let hops = 0; hops < 20; hops++) {
      if (![301, 302, 303, 307, 308].includes(response.status)) {
        return { url, response, html: await response.text() };
      }
      const next = new URL(response.headers.get("location"), url).toString();
      if (stop(next)) return { redirectedTo: next };
      url = next;
      response = await this.request(url);
    }
    throw new Error(`too many redirects, last ${url}`);
  }

  /** Submits the first form of `page` (or the one whose action includes `action`) with `fields`. */
  async submit(page, { action, fields = {}, button } = {}, options = {}) {
    const forms = [...page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
    const match = forms.find((f) => !action || attribute(f[1], "action")?.includes(action));
    if (!match) throw new Error(`no form${action ? ` for ${action}` : ""} on ${page.url}:\n${page.html.slice(0, 2000)}`);
    const target = new URL(decode(attribute(match[1], "action") ?? page.url), page.url).toString();
    const values = {};
    for (const input of match[2].matchAll(/<input\b([^>]*)>/gi)) {
      const name = attribute(input[1], "name");
      if (name) values[name] = decode(attribute(input[1], "value") ?? "");
    }
    if (button) values[button.name] = button.value;
    return this.follow(target, { method: "POST", form: { ...values, ...fields }, ...options });
  }
}

function attribute(tag, name) {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

function decode(text) {
  return text.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/**
 * Walks a sign-in that starts at the connector's /authorize URL: approves the consent page (if
 * shown; with `choose`, by the button of that provider), logs in at the identity provider as
 * `email`, approves its consent, and stops at the redirect to `redirectUri`. Resolves to the URL
 * the client is sent back to (with code or error), or to {page} when the walk ends on a page
 * instead (a refusal).
 */
export async function walkSignIn(browser, authorizeUrl, { email, redirectUri, decision = "allow", choose }) {
  const stop = (url) => url.startsWith(redirectUri);
  let step = await browser.follow(authorizeUrl, { stop });
  for (let i = 0; i < 6 && !step.redirectedTo; i++) {
    const { html } = step;
    if (html.includes('name="decision"') || html.includes("name=decision")) {
      const value = choose && decision === "allow" ? `allow:${choose}` : decision;
      if (choose && !html.includes(`value="${value}"`)) return { page: step };
      step = await browser.submit(step, { action: "/authorize", button: { name: "decision", value } }, { stop });
    } else if (html.includes('name="login"')) {
      step = await browser.submit(step, { fields: { login: email, password: "any" } }, { stop });
    } else if (html.includes('name="prompt" value="consent"')) {
      step = await browser.submit(step, {}, { stop });
    } else {
      return { page: step };
    }
  }
  if (!step.redirectedTo) return { page: step };
  return step.redirectedTo;
}
