/**
 * GitHub Actions workflow commands (`::error file=...,line=...,title=...::message`), one per
 * finding. Escaping follows actions/toolkit `command.ts` (ecosystem.md 3.5): in the message,
 * `%` `\r` `\n`; in properties also `:` and `,`.
 */
import type { Severity } from "../lint/finding.js";
import { plainText } from "./text-parts.js";
import type { LintResults, ReporterContext } from "./types.js";

/** GitHub shows at most this many annotations of each level per step. */
export const GITHUB_ANNOTATION_LIMIT = 10;

/** Escape the message part of a workflow command. */
export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escape a property value of a workflow command. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function command(s: Severity): "error" | "warning" | "notice" {
  return s === "error" ? "error" : s === "warning" ? "warning" : "notice";
}

/** A path relative to `cwd` when inside it, `/`-separated (GitHub wants repository paths). */
export function relativePath(file: string, cwd: string): string {
  const p = file.replace(/\\/g, "/");
  const base = cwd.replace(/\\/g, "/").replace(/\/+$/, "");
  if (p.startsWith(`${base}/`)) return p.slice(base.length + 1);
  return p.replace(/^(\.\/)+/, "");
}

function annotation(kind: string, props: [string, string | number | undefined][], message: string): string {
  const list = props.filter((p): p is [string, string | number] => p[1] !== undefined).map(([k, v]) => `${k}=${escapeProperty(String(v))}`);
  return `::${kind} ${list.join(",")}::${escapeData(message)}`;
}

/** Render results as workflow commands, one per line (ends with a newline when non-empty). */
export function formatGithub(results: LintResults, ctx: ReporterContext): string {
  const lines: string[] = [];
  for (const file of results.files) {
    const path = relativePath(file.file, ctx.cwd);
    if (file.error) {
      const loc = file.error.location;
      lines.push(annotation("error", [["file", path], ["line", loc?.line], ["col", loc?.column], ["title", `shapelint ${file.error.code}`]], `could not analyse: ${file.error.message}`));
    }
    for (const f of file.findings) {
      lines.push(
        annotation(
          command(f.severity),
          [["file", path], ["line", f.location.line], ["col", f.location.column], ["title", f.node ? `${f.ruleId} ${f.node}` : f.ruleId]],
          plainText(f, file.format),
        ),
      );
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/**
 * A Markdown table of every finding, for `$GITHUB_STEP_SUMMARY`: annotations beyond GitHub's
 * per-step limit are not shown, so the summary lists them all and says how many were cut.
 */
export function formatGithubSummary(results: LintResults, ctx: ReporterContext): string {
  const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
  const rows: string[] = [];
  const counts = { error: 0, warning: 0, notice: 0 };
  for (const file of results.files) {
    const path = relativePath(file.file, ctx.cwd);
    if (file.error) {
      counts.error++;
      rows.push(`| error | ${cell(file.error.code)} | ${cell(path)} |  | ${cell(file.error.message)} |`);
    }
    for (const f of file.findings) {
      counts[command(f.severity)]++;
      rows.push(`| ${f.severity} | ${cell(f.ruleId)} | ${cell(path)} | ${cell(f.node)} | ${cell(f.message)} |`);
    }
  }
  const { errors, warnings, infos } = results.summary;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? "" : "s"}`;
  const out = [`### shapelint: ${plural(errors, "error")}, ${plural(warnings, "warning")}, ${plural(infos, "info")}`, ""];
  if (rows.length) out.push("| severity | rule | file | node | message |", "| --- | --- | --- | --- | --- |", ...rows, "");
  const cut = Object.values(counts).reduce((a, n) => a + Math.max(0, n - GITHUB_ANNOTATION_LIMIT), 0);
  if (cut > 0) out.push(`${cut} of ${rows.length} findings were not shown as annotations (GitHub shows at most ${GITHUB_ANNOTATION_LIMIT} per level per step).`, "");
  return `${out.join("\n")}\n`;
}
