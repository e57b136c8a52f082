/**
 * Where the installed package is (for rule READMEs and the version). Works from the sources
 * (`src/cli/`) and from the build (`dist/src/cli/`) by walking up to shapelint's package.json.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseReadme, firstParagraph } from "../lint/rule-docs.js";
import type { RuleDoc } from "../reporters/types.js";

let cachedRoot: string | null | undefined;

/** The package root folder, or `null` when it cannot be found. */
export function packageRoot(): string | null {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown };
        if (json.name === "shapelint") return (cachedRoot = dir);
      } catch {
        // Not ours; keep walking.
      }
    }
    const up = dirname(dir);
    if (up === dir) return (cachedRoot = null);
    dir = up;
  }
}

/** shapelint's version from package.json (`0.0.0` when unknown). */
export function packageVersion(): string {
  const root = packageRoot();
  if (!root) return "0.0.0";
  try {
    const v = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: unknown }).version;
    return typeof v === "string" ? v : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** The README of each rule id that has one. */
export function loadRuleDocs(ids: readonly string[]): Map<string, RuleDoc> {
  const out = new Map<string, RuleDoc>();
  const root = packageRoot();
  if (!root) return out;
  for (const id of ids) {
    const path = join(root, "rules", id, "README.md");
    if (!existsSync(path)) continue;
    const markdown = readFileSync(path, "utf8");
    out.set(id, { markdown, fullDescription: firstParagraph(parseReadme(markdown), "What it checks") });
  }
  return out;
}
