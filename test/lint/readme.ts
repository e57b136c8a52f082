/**
 * Rule READMEs show the report of their invalid example; the rule tests check that the README
 * shows exactly what the rule reports (the stylish block of the finding), so the docs cannot go
 * stale.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Finding } from "../../src/lint/finding.js";
import { RULES } from "../../rules/index.js";
import { formatStylish } from "../../src/reporters/stylish.js";

const ROOT = resolve(import.meta.dirname, "../..");

/** The README of a rule. */
export function readme(id: string): string {
  return readFileSync(join(ROOT, "rules", id, "README.md"), "utf8");
}

/** The stylish block of one finding, as a README shows it (without the file line and summary). */
export function stylishBlock(finding: Finding, format: "onnx" | "keras" = "onnx"): string {
  const text = formatStylish(
    { files: [{ file: "model", format, error: null, findings: [finding] }], summary: { errors: 0, warnings: 0, infos: 0 } },
    { rules: RULES, cwd: "/" },
  );
  const lines = text.split("\n");
  // Drop the file line, and the blank line and summary at the end.
  const block = lines.slice(1, lines.length - 3).join("\n");
  if (process.env.SHAPELINT_PRINT_BLOCKS === "1") console.log(`BLOCK ${finding.ruleId}\n${block}\nEND`);
  return block;
}
