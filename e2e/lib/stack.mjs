// The usual test stack in one call: a git-backed repository holding `files`, the fake GitHub
// serving it, and the Worker (with its own identity provider) reading it through that GitHub.
import { GitRepo } from "./git-repo.mjs";
import { FakeGitHub } from "./fake-github.mjs";
import { startWorker } from "./worker.mjs";
import { fixtureFiles } from "./fixture.mjs";

/**
 * Resolves to {repo, github, worker, app, hook, stop}; `vars` and other options go to startWorker.
 * With `githubSignIn: {orgs, people}`, the fake GitHub also signs `people` in through an OAuth app
 * registered for the Worker, admitting members of `orgs`. With `githubApp` (createApp's options),
 * the Worker reads and writes as that GitHub App instead of a personal token, and with
 * `githubWriteApp` too, writes as that second app. With
 * `webhookSecret`, the fake GitHub sends push webhooks signed with it to the Worker.
 */
export async function startStack({ files = fixtureFiles(), vars = {}, githubSignIn, githubApp, githubWriteApp, webhookSecret, ...workerOptions } = {}) {
  const repo = await GitRepo.create();
  await repo.commit(files, "Fixture marketplace");
  const github = new FakeGitHub(repo, { people: githubSignIn?.people ?? {} });
  await github.start();
  let signInVars = {};
  let app;
  if (githubSignIn) {
    // The callback URL is known once the Worker has its port; it is set on the app below.
    app = github.registerOAuthApp(null);
    signInVars = { GITHUB_SIGN_IN_CLIENT_ID: app.clientId, GITHUB_SIGN_IN_CLIENT_SECRET: app.clientSecret, GITHUB_SIGN_IN_ORGS: githubSignIn.orgs.join(","), GITHUB_SIGN_IN_URL: github.url };
  }
  const appInstalled = githubApp ? github.createApp(githubApp) : null;
  const credentials = appInstalled
    ? { GITHUB_APP_ID: String(appInstalled.appId), GITHUB_APP_PRIVATE_KEY: appInstalled.privateKeyPem }
    : { GITHUB_SERVICE_TOKEN: github.token };
  // A second app for writes only, configured with its installation and a PKCS#8 key.
  const writeApp = githubWriteApp ? github.createApp(githubWriteApp) : null;
  if (writeApp) {
    Object.assign(credentials, {
      GITHUB_WRITE_APP_ID: String(writeApp.appId),
      GITHUB_WRITE_APP_PRIVATE_KEY: writeApp.privateKeyPkcs8Pem,
      GITHUB_WRITE_APP_INSTALLATION_ID: String(writeApp.installationId),
    });
  }
  const webhookVars = webhookSecret ? { GITHUB_WEBHOOK_SECRET: webhookSecret } : {};
  try {
    const worker = await startWorker({ ...workerOptions, vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, ...credentials, ...webhookVars, ...signInVars, ...vars } });
    if (app) github.oauthApps.get(app.clientId).redirectUri = `${worker.url}/callback`;
    const hook = webhookSecret ? github.addWebhook({ url: `${worker.url}/webhooks/github`, secret: webhookSecret }) : null;
    return {
      repo,
      github,
      worker,
      app: appInstalled,
      hook,
      async stop() {
        await worker.stop();
        await github.stop();
        await repo.destroy();
      },
    };
  } catch (error) {
    await github.stop();
    await repo.destroy();
    throw error;
  }
}
