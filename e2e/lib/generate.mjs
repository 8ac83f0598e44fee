// Generates a realistic marketplace of `skills` skills spread over `groups` groups, each skill
// with a SKILL.md, a reference file and (every fifth) an executable script.

import { createHash } from "node:crypto";

/**
 * The files of a generated marketplace, in the shape GitRepo.commit takes. With `bigSkillBytes`,
 * group-000 also holds a skill `big` with that many bytes of incompressible data.
 */
export function generateMarketplace({ skills, groups, bigSkillBytes = 0 }) {
  const files = {};
  const plugins = [];
  for (let g = 0; g < groups; g++) {
    const group = `group-${String(g).padStart(3, "0")}`;
    plugins.push({ name: group, source: `./plugins/${group}`, description: `Generated group ${g}`, version: "1.0.0", category: "generated", tags: [`tag-${g % 7}`] });
    files[`plugins/${group}/.claude-plugin/plugin.json`] = JSON.stringify({ name: group, version: "1.0.0", description: `Generated group ${g}` }, null, 2);
  }
  for (let s = 0; s < skills; s++) {
    const group = `group-${String(s % groups).padStart(3, "0")}`;
    const name = `skill-${String(s).padStart(4, "0")}`;
    const folder = `plugins/${group}/skills/${name}`;
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
    files["plugins/group-000/skills/big/SKILL.md"] = "---\nname: big\ndescription: A skill with a large data file.\n---\n";
    files["plugins/group-000/skills/big/data.bin"] = Buffer.concat(chunks).subarray(0, bigSkillBytes);
  }
  files[".claude-plugin/marketplace.json"] = JSON.stringify({ name: "generated", owner: { name: "Bench" }, plugins }, null, 2);
  return files;
}
