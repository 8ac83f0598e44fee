// The fixture marketplace of the end-to-end tests, built in code so that its exact bytes (CRLF
// line endings, a binary file, an executable script) do not depend on how this project's own
// repository stores files.

export const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0x7f, 0x00, 0x01]);
export const SCRIPT = "#!/usr/bin/env python3\nprint('checking')\n";

const skill = (name, description, body = "Instructions.\n") => `---\nname: ${name}\ndescription: ${description}\n---\n\n# ${name}\n\n${body}`;

/** The fixture's files, in the shape GitRepo.commit takes. */
export function fixtureFiles() {
  return {
    ".claude-plugin/marketplace.json": JSON.stringify(
      {
        name: "acme-skills",
        owner: { name: "Acme IT", email: "it@acme.example" },
        metadata: { description: "Acme's shared Claude Skills", version: "1.0.0" },
        plugins: [
          { name: "sales", source: "./plugins/sales", description: "Sales skills", version: "1.2.0", category: "business", tags: ["crm", "proposals"] },
          { name: "engineering", source: "./plugins/engineering", description: "Engineering skills", version: "2.0.0", category: "development" },
          { name: "external", source: { source: "github", repo: "someone/else" }, description: "Lives elsewhere" },
        ],
      },
      null,
      2,
    ),
    "plugins/sales/.claude-plugin/plugin.json": JSON.stringify({ name: "sales", version: "1.2.0", description: "Sales skills" }),
    "plugins/sales/skills/proposal-writer/SKILL.md": skill("proposal-writer", "Writes client proposals in the house style. Use when asked for a proposal."),
    "plugins/sales/skills/proposal-writer/templates/proposal.md": "# Proposal for {{client}}\n",
    "plugins/sales/skills/proposal-writer/assets/logo.png": BINARY,
    // CRLF line endings and a folded multi-line description.
    "plugins/sales/skills/crm-notes/SKILL.md": "---\r\nname: crm-notes\r\ndescription: >\r\n  Summarises calls into CRM notes,\r\n  with next steps.\r\n---\r\n\r\nBody\r\n",
    // Non-ASCII description.
    "plugins/sales/skills/resume-helper/SKILL.md": skill("resume-helper", "Rédige des résumés — für Kundengespräche, 日本語も"),
    "plugins/engineering/.claude-plugin/plugin.json": JSON.stringify({ name: "engineering", version: "2.0.0" }),
    "plugins/engineering/skills/code-review/SKILL.md": skill("code-review", "Reviews code changes for bugs and style."),
    "plugins/engineering/skills/code-review/scripts/check.py": { content: SCRIPT, executable: true },
    // Broken frontmatter: skipped with a reason, never breaks the others.
    "plugins/engineering/skills/broken/SKILL.md": "---\nname: broken\ndescription: [unclosed\n---\n",
    // A duplicate name: the first by path (engineering/…) wins.
    "plugins/sales/skills/code-review/SKILL.md": skill("code-review", "A second skill with a taken name."),
    // An unpublished group: not in marketplace.json.
    "plugins/drafts/.claude-plugin/plugin.json": JSON.stringify({ name: "drafts", version: "0.1.0" }),
    "plugins/drafts/skills/secret-plan/SKILL.md": skill("secret-plan", "Not published yet."),
  };
}
