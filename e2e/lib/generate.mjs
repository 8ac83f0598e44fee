// Generates a realistic marketplace of `skills` skills spread over `groups` groups, each skill
// with a SKILL.md, a reference file and (every fifth) an executable script, in one of two
// layouts: "plugins" (a folder per group, skills in its skills/) or "collection" (`strict: false`
// entries sharing the repository root, each listing its skills under ./skills/).

import { createHash } from "node:crypto";

const groupName = (g) => `group-${String(g).padStart(3, "0")}`;

/** The folder of skill `name` (of group number `g`) in `layout`. */
export function skillFolder(layout, name, g = 0) {
  return layout === "collection" ? `skills/${name}` : `plugins/${groupName(g)}/skills/${name}`;
}

/**
 * The files of a generated marketplace, in the shape GitRepo.commit takes. With `bigSkillBytes`,
 * group-000 also holds a skill `big` with that many bytes of incompressible data.
 */
export function generateMarketplace({ skills, groups, bigSkillBytes = 0, layout = "plugins" }) {
  const files = {};
  const plugins = [];
  for (let g = 0; g < groups; g++) {
    const group = groupName(g);
    const entry = { name: group, source: `./plugins/${group}`, description: `Generated group ${g}`, version: "1.0.0", category: "generated", tags: [`tag-${g % 7}`] };
    if (layout === "collection") Object.assign(entry, { source: "./", strict: false, skills: [] });
    else files[`plugins/${group}/.claude-plugin/plugin.json`] = JSON.stringify({ name: group, version: "1.0.0", description: `Generated group ${g}` }, null, 2);
    plugins.push(entry);
  }
  for (let s = 0; s < skills; s++) {
    const name = `skill-${String(s).padStart(4, "0")}`;
    const folder = skillFolder(layout, name, s % groups);
    if (layout === "collection") plugins[s % groups].skills.push(`./${folder}`);
    files[`${folder}/SKILL.md`] =
      `---\nname: ${name}\ndescription: >\n  Generated skill number ${s}. Use it when the benchmark asks for skill ${s};\n  it explains a made-up procedure in a few steps.\nlicense: MIT\nmetadata:\n  owner: team-${s % 13}\n---\n\n# ${name}\n\n` +
      Array.from({ length: 12 }, (_, i) => `${i + 1}. Step ${i + 1} of the procedure for skill ${s}: check the inputs, then write the result.\n`).join("");
    files[`${folder}/references/notes.md`] = `# Notes for ${name}\n\n${"Background material for the procedure. ".repeat(20)}\n`;
    if (s % 5 === 0) files[`${folder}/scripts/run.sh`] = { content: `#!/bin/sh\necho "running ${name}"\n`, executable: true };
  }
  if (bigSkillBytes) {
    const chunks = [];
    let state = Buffer.alloc(32);
    for (let size = 0; size < bigSkillBytes; size += 32) chunks.push((state = createHash("sha256").update(state).digest()));
    const big = skillFolder(layout, "big");
    if (layout === "collection") plugins[0].skills.push(`./${big}`);
    files[`${big}/SKILL.md`] = "---\nname: big\ndescription: A skill with a large data file.\n---\n";
    files[`${big}/data.bin`] = Buffer.concat(chunks).subarray(0, bigSkillBytes);
  }
  files[".claude-plugin/marketplace.json"] = JSON.stringify({ name: "generated", owner: { name: "Bench" }, plugins }, null, 2);
  return files;
}
