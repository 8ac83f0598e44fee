// A stand-in for the places the connector sends notifications to: a Slack incoming webhook, a Teams
// (Power Automate) workflow, or any other webhook URL. It records every POST and answers as each
// answers: Slack `200 ok` (text/plain) under /slack, Power Automate `202` with no body under /teams,
// `204` elsewhere. Failures can be injected for retry tests.
import http from "node:http";
import { text } from "node:stream/consumers";

/**
 * Starts the receiver on 127.0.0.1 (a free port). Resolves to:
 * - `url`: its base URL (post to `${url}/slack/...`, `${url}/teams/...` or any other path);
 * - `messages`: every POST, in order: {path, headers, body (parsed JSON, or null), raw, at (a Date), status, failed?};
 * - `fail(n, status = 500, headers = {})`: the next n POSTs answer `status` (and `headers`, e.g. a
 *   Retry-After); they are recorded too, with `failed: true`;
 * - `waitFor(count, timeoutMs = 10_000)`: resolves to the successful messages once there are at
 *   least `count`; rejects after the timeout with what it has;
 * - `stop()`.
 */
export async function startNotifyReceiver() {
  const messages = [];
  const failures = [];
  const waiters = new Set();
  const successful = () => messages.filter((m) => !m.failed);
  const wake = () => {
    for (const waiter of waiters) if (successful().length >= waiter.count) waiter.resolve();
  };

  const handle = async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST", "content-type": "text/plain" });
      return res.end("Method Not Allowed");
    }
    const raw = await text(req);
    let body = null;
    try {
      body = JSON.parse(raw);
    } catch {}
    const message = { path: url.pathname + url.search, headers: req.headers, body, raw, at: new Date() };
    messages.push(message);
    const failure = failures.shift();
    if (failure) {
      message.status = failure.status;
      message.failed = true;
      res.writeHead(failure.status, { "content-type": "text/plain", ...failure.headers });
      return res.end("injected failure");
    }
    if (url.pathname === "/slack" || url.pathname.startsWith("/slack/")) {
      message.status = 200;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    } else if (url.pathname === "/teams" || url.pathname.startsWith("/teams/")) {
      message.status = 202;
      res.writeHead(202);
      res.end();
    } else {
      message.status = 204;
      res.writeHead(204);
      res.end();
    }
    wake();
  };
  // A request that breaks off (the sender gave up) is dropped.
  const server = http.createServer((req, res) => handle(req, res).catch(() => res.destroy()));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    url: `http://127.0.0.1:${server.address().port}`,
    messages,
    fail(n, status = 500, headers = {}) {
      for (let i = 0; i < n; i++) failures.push({ status, headers });
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const waiter = { count };
        const settle = (outcome) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          outcome();
        };
        const giveUp = (why) => () => reject(new Error(`expected ${count} notification(s) ${why}, received ${successful().length}: ${JSON.stringify(messages.map(({ path, status, raw }) => ({ path, status, raw })))}`));
        const timer = setTimeout(() => settle(giveUp(`within ${timeoutMs} ms`)), timeoutMs);
        waiter.resolve = () => settle(() => resolve(successful()));
        waiter.stop = () => settle(giveUp("before the receiver stopped"));
        waiters.add(waiter);
        wake();
      });
    },
    async stop() {
      for (const waiter of [...waiters]) waiter.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
