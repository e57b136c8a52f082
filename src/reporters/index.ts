/** The report formats. Each is a pure function of the results and rule metadata. */
import { formatGithub } from "./github.js";
import { formatJson } from "./json.js";
import { formatSarif } from "./sarif.js";
import { formatStylish } from "./stylish.js";
import type { LintResults, ReporterContext } from "./types.js";

export { formatGithub, formatGithubSummary, escapeData, escapeProperty } from "./github.js";
export { formatJson, findingToJson } from "./json.js";
export { formatSarif } from "./sarif.js";
export { formatStylish } from "./stylish.js";
export type { FileError, FileResult, LintResults, ReporterContext, RuleDoc, Summary } from "./types.js";
export { summarize } from "./types.js";

/** Names accepted by `--format`. */
export const FORMATS = ["stylish", "json", "sarif", "github"] as const;

/** A report format name. */
export type FormatName = (typeof FORMATS)[number];

/** True for the formats that are never coloured and go to stdout alone. */
export function isMachineFormat(f: FormatName): boolean {
  return f !== "stylish";
}

/** Render results in a format. */
export function formatResults(format: FormatName, results: LintResults, ctx: ReporterContext): string {
  switch (format) {
    case "stylish":
      return formatStylish(results, ctx);
    case "json":
      return formatJson(results);
    case "sarif":
      return formatSarif(results, ctx);
    case "github":
      return formatGithub(results, ctx);
  }
}
