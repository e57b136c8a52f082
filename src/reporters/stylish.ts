/**
 * The default human report, after ESLint's `stylish`: findings grouped per file, one block per
 * finding with its severity, rule id and node, then the message, condition, shape trail,
 * related nodes and fix lines, then a summary line. Colour only when asked (the CLI asks when
 * stdout is a TTY and `NO_COLOR` is unset).
 */
import picocolors from "picocolors";
import type { Finding, Severity } from "../lint/finding.js";
import { detailLines } from "./text-parts.js";
import type { FileResult, LintResults, ReporterContext } from "./types.js";

/** Continuation lines start under the rule id of `  error  rule-id`. */
const INDENT = " ".repeat(9);

/** Keep multi-line texts inside their block. */
function indent(text: string): string {
  return text.replace(/\r?\n/g, `\n${INDENT}`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Render results as the stylish text report (ends with a newline). */
export function formatStylish(results: LintResults, ctx: ReporterContext): string {
  const c = picocolors.createColors(ctx.color ?? false);
  const sev = (s: Severity): string => (s === "error" ? c.red(s) : s === "warning" ? c.yellow(s) : c.blue(s));
  const lines: string[] = [];

  const where = (f: Finding): string => {
    const name = f.node || "(model)";
    const op = f.op && f.op !== f.node ? c.dim(` (${f.op})`) : "";
    const loc = f.location.line !== undefined ? c.dim(` line ${f.location.line}${f.location.column !== undefined ? `:${f.location.column}` : ""}`) : "";
    return `${name}${op}${loc}`;
  };

  const block = (file: FileResult): void => {
    lines.push(c.underline(file.file));
    if (file.error) {
      lines.push(`  ${sev("error")}  ${c.dim(file.error.code)}  could not analyse: ${file.error.message}`);
    }
    for (const f of file.findings) {
      lines.push(`  ${sev(f.severity)}  ${c.dim(f.ruleId)}  ${where(f)}`);
      lines.push(`${INDENT}${indent(f.message)}`);
      for (const d of detailLines(f, file.format)) {
        if (d.label === "fix") lines.push(`${INDENT}${c.green(`fix: ${indent(d.text)}`)}`);
        else if (d.label === "") lines.push(`${INDENT}     ${c.green(indent(d.text))}`);
        else lines.push(`${INDENT}${c.dim(`${d.label}:`)} ${indent(d.text)}`);
      }
    }
    lines.push("");
  };

  for (const file of results.files) if (file.error || file.findings.length > 0) block(file);

  const { errors, warnings, infos } = results.summary;
  const failed = results.files.filter((f) => f.error).length;
  const problems = errors + warnings + infos;
  let summary: string;
  if (problems === 0 && failed === 0) {
    summary = c.green(`no problems (${plural(results.files.length, "file")} checked)`);
  } else {
    summary = `${plural(problems, "problem")} (${plural(errors, "error")}, ${plural(warnings, "warning")}, ${plural(infos, "info")})`;
    if (failed > 0) summary += `, ${plural(failed, "file")} could not be analysed`;
    summary = errors > 0 || failed > 0 ? c.red(c.bold(summary)) : warnings > 0 ? c.yellow(c.bold(summary)) : c.bold(summary);
  }
  lines.push(summary);
  return `${lines.join("\n")}\n`;
}
