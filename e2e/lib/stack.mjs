// The usual test stack in one call: a git-backed repository holding `files`, the fake GitHub
// serving it, and the Worker (with its own identity provider) reading it through that GitHub.
import { GitRepo } from "./git-repo.mjs";
import { FakeGitHub } from "./fake-github.mjs";
import { startWorker } from "./worker.mjs";
import { fixtureFiles } from "./fixture.mjs";

/** Resolves to {repo, github, worker, stop}; `vars` and other options go to startWorker. */
export async function startStack({ files = fixtureFiles(), vars = {}, ...workerOptions } = {}) {
  const repo = await GitRepo.create();
  await repo.commit(files, "Fixture marketplace");
  const github = new FakeGitHub(repo);
  await github.start();
  try {
    const worker = await startWorker({ ...workerOptions, vars: { MARKETPLACE_REPO: "acme/skills", GITHUB_API_URL: github.url, GITHUB_SERVICE_TOKEN: github.token, ...vars } });
    return {
      repo,
      github,
      worker,
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
