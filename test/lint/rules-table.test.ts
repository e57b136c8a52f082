/**
 * `docs/rules.md` is generated from the rules' metadata and checked here, so it cannot go stale.
 * Regenerate with `SHAPELINT_UPDATE_DOCS=1 npx vitest run test/lint/rules-table.test.ts`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { RULES } from "../../rules/index.js";

const PATH = join(resolve(import.meta.dirname, "../.."), "docs/rules.md");

function table(): string {
  const rows = RULES.map((r) => `| [\`${r.meta.id}\`](../rules/${r.meta.id}/README.md) | ${r.meta.defaultSeverity} | ${r.meta.description.replace(/\|/g, "\\|")} |`);
  return [
    "# Rules",
    "",
    "<!-- Generated from the rules' metadata by test/lint/rules-table.test.ts; do not edit by hand. -->",
    "",
    "Each rule's README says what it checks, why, shows an invalid and a valid example, and how to fix",
    "it. Change a rule's severity with `--rule <id>=off|info|warning|error` or in",
    "`shapelint.config.json`; `shapelint rules <id>` prints a README in the terminal.",
    "",
    "| rule | default | reports |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

it("docs/rules.md lists every rule as its metadata says", () => {
  if (process.env.SHAPELINT_UPDATE_DOCS === "1") writeFileSync(PATH, table());
  expect(readFileSync(PATH, "utf8")).toBe(table());
});
