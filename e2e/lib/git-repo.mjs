// A real bare git repository driven through git plumbing: the fake GitHub serves it, tests commit
// to it and inspect it.
import { execFile } from "node:child_process";
import { mkdtemp, mkdir, writeFile, chmod, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const IDENTITY = {
  GIT_AUTHOR_NAME: "Fixture",
  GIT_AUTHOR_EMAIL: "fixture@example.com",
  GIT_COMMITTER_NAME: "Fixture",
  GIT_COMMITTER_EMAIL: "fixture@example.com",
};

/** A bare repository with one branch. */
export class GitRepo {
  constructor(gitDir, branch) {
    this.gitDir = gitDir;
    this.branch = branch;
  }

  /** Creates an empty bare repository in a temporary folder. */
  static async create({ branch = "main" } = {}) {
    const root = await mkdtemp(path.join(tmpdir(), "skillport-repo-"));
    const gitDir = path.join(root, "repo.git");
    await run("git", ["init", "--quiet", "--bare", "--initial-branch", branch, gitDir]);
    const repo = new GitRepo(gitDir, branch);
    repo.root = root;
    return repo;
  }

  /** Runs git against this repository; returns stdout (a Buffer when `encoding` is "buffer"). */
  async git(args, { env = {}, encoding = "utf8", maxBuffer = 512 << 20 } = {}) {
    const { stdout } = await run("git", ["--git-dir", this.gitDir, ...args], {
      env: { ...process.env, ...IDENTITY, ...env },
      encoding,
      maxBuffer,
    });
    return stdout;
  }

  /** The branch's commit sha, or null before the first commit. */
  async head() {
    try {
      return (await this.git(["rev-parse", "--verify", "--quiet", `refs/heads/${this.branch}`])).trim();
    } catch {
      return null;
    }
  }

  /**
   * Commits a change on the branch: `files` maps repository paths to a string, a Buffer,
   * `{content, executable}` or `{symlink: target}`; a `null` value deletes the path. Returns the new commit sha.
   */
  async commit(files, message = "Update fixture") {
    const work = await mkdtemp(path.join(tmpdir(), "skillport-work-"));
    const index = path.join(work, "index");
    const env = { GIT_INDEX_FILE: index };
    try {
      const parent = await this.head();
      if (parent) await this.git(["read-tree", parent], { env });
      for (const [file, value] of Object.entries(files)) {
        if (value === null) {
          await this.git(["rm", "--cached", "--quiet", "-r", "--ignore-unmatch", "--", file], { env });
          continue;
        }
        const { content, executable, symlink } = typeof value === "string" || Buffer.isBuffer(value) ? { content: value, executable: false } : value;
        const blobPath = path.join(work, "blob");
        await writeFile(blobPath, symlink ?? content);
        const sha = (await this.git(["hash-object", "-w", "--", blobPath])).trim();
        const mode = symlink !== undefined ? "120000" : executable ? "100755" : "100644";
        await this.git(["update-index", "--add", "--cacheinfo", `${mode},${sha},${file}`], { env });
      }
      const tree = (await this.git(["write-tree"], { env })).trim();
      const args = ["commit-tree", tree, "-m", message, ...(parent ? ["-p", parent] : [])];
      const commit = (await this.git(args)).trim();
      await this.git(["update-ref", `refs/heads/${this.branch}`, commit, ...(parent ? [parent] : [])]);
      return commit;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Writes `content` (a string or Buffer) as a blob; returns its sha. */
  async hashObject(content) {
    const work = await mkdtemp(path.join(tmpdir(), "skillport-blob-"));
    try {
      const file = path.join(work, "blob");
      await writeFile(file, content);
      return (await this.git(["hash-object", "-w", "--", file])).trim();
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * Builds a tree from `baseTree` (or empty) with `entries` applied, as GitHub's create-tree does:
   * each {path, mode, sha} sets a file, a null sha removes the path (a file or a folder).
   */
  async buildTree(baseTree, entries) {
    const work = await mkdtemp(path.join(tmpdir(), "skillport-tree-"));
    const env = { GIT_INDEX_FILE: path.join(work, "index") };
    try {
      if (baseTree) await this.git(["read-tree", baseTree], { env });
      for (const { path: file, mode, sha } of entries) {
        if (sha === null) await this.git(["rm", "--cached", "--quiet", "-r", "--ignore-unmatch", "--", file], { env });
        else await this.git(["update-index", "--add", "--cacheinfo", `${mode},${sha},${file}`], { env });
      }
      return (await this.git(["write-tree"], { env })).trim();
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** The commits on the branch, newest first: [{sha, parents, message}]. */
  async log() {
    const out = await this.git(["log", "--format=%H%x00%P%x00%B%x1e", this.branch]);
    return out.split("\x1e").map((r) => r.trim()).filter(Boolean).map((record) => {
      const [sha, parents, message] = record.split("\0");
      return { sha, parents: parents.split(" ").filter(Boolean), message: message.trim() };
    });
  }

  /** Writes the tree at `ref` into a folder (for comparing bytes and modes). */
  async checkout(ref, into) {
    await mkdir(into, { recursive: true });
    const archive = await this.git(["archive", "--format=tar", ref], { encoding: "buffer" });
    await new Promise((resolve, reject) => {
      const tar = execFile("tar", ["-x", "-C", into], (error) => (error ? reject(error) : resolve()));
      tar.stdin.end(archive);
    });
  }

  /** Removes the repository from disk. */
  async destroy() {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Reads a folder into the `files` shape `commit` takes, keeping executable bits. */
export async function readTree(dir) {
  const { readdir, readFile, stat } = await import("node:fs/promises");
  const files = {};
  async function walk(folder, prefix) {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(full, rel);
      else if (entry.isFile()) files[rel] = { content: await readFile(full), executable: ((await stat(full)).mode & 0o111) !== 0 };
    }
  }
  await walk(dir, "");
  return files;
}

export { chmod };
