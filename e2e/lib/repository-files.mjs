// What a skill folder holds in the bare repository, for byte-exact comparisons with packages.
import { createHash } from "node:crypto";

/** The files under `folder` of `repo` at `ref`: {relative path: {sha256, executable}}. */
export async function repositoryFiles(repo, folder, ref = "HEAD") {
  const listing = (await repo.git(["ls-tree", "-r", ref, `${folder}/`])).trim().split("\n");
  const files = {};
  for (const line of listing) {
    const [meta, file] = line.split("\t");
    const [mode, , blob] = meta.split(" ");
    const bytes = await repo.git(["cat-file", "blob", blob], { encoding: "buffer" });
    files[file.slice(folder.length + 1)] = { sha256: createHash("sha256").update(bytes).digest("hex"), executable: mode === "100755" };
  }
  return files;
}
