/**
 * `--format json`, the machine contract of DESIGN.md section 2. Every key is always present
 * (`null` when not applicable), in a fixed order, so consumers can rely on the shape.
 */
import type { Finding } from "../lint/finding.js";
import type { FileResult, LintResults } from "./types.js";

/** A finding as it appears in the JSON report. */
export function findingToJson(f: Finding): Record<string, unknown> {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    node: f.node,
    op: f.op,
    expected: f.expected,
    actual: f.actual,
    condition: f.condition,
    fix: f.fix.map((s) => ({
      node: s.node,
      attribute: s.attribute,
      from: s.from,
      to: s.to,
      ...(s.framework !== undefined ? { framework: s.framework } : {}),
      ...(s.note !== undefined ? { note: s.note } : {}),
    })),
    messageId: f.messageId,
    data: f.data,
    trail: f.trail ?? null,
    related: f.related.map((r) => ({ node: r.node, role: r.role, message: r.message, ...(r.location ? { location: r.location } : {}) })),
    location: f.location,
  };
}

function fileToJson(f: FileResult): Record<string, unknown> {
  return {
    file: f.file,
    format: f.format,
    error: f.error ? { code: f.error.code, message: f.error.message, ...(f.error.location ? { location: f.error.location } : {}) } : null,
    findings: f.findings.map(findingToJson),
  };
}

/** Render results as the JSON report (ends with a newline). */
export function formatJson(results: LintResults): string {
  return `${JSON.stringify({ files: results.files.map(fileToJson), summary: results.summary }, null, 2)}\n`;
}
