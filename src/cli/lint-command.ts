/**
 * `shapelint [lint] <files|dirs|globs...>`: analyse each model, report, and exit 0 (no errors and
 * warnings within `--max-warnings`), 1 (errors, or too many warnings) or 2 (a file could not be
 * analysed, bad arguments, a broken config). One bad file never stops the others.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { RULES, RULES_BY_ID } from "../../rules/index.js";
import { analyseFile } from "../lint/analyse-file.js";
import { parseNamedShape, parseSeverity } from "../lint/config.js";
import type { SeveritySetting } from "../lint/finding.js";
import type { ShapeSpec } from "../lint/run-rules.js";
import { FORMATS, type FormatName, formatGithubSummary, formatResults, summarize } from "../reporters/index.js";
import type { FileResult, LintResults, ReporterContext } from "../reporters/types.js";
import { GITHUB_ANNOTATION_LIMIT } from "../reporters/github.js";
import { ConfigResolver } from "./config-loader.js";
import { type CliIO, type ExitCode, UsageError, colorAllowed } from "./io.js";
import { loadRuleDocs, packageVersion } from "./package-info.js";
import { expandTargets } from "./targets.js";

/** Options shared by `lint` and `shapes`. */
export const SHAPE_OPTIONS = {
  "input-shape": { type: "string", multiple: true },
} as const;

/** Parse repeated `[name=]d0,d1,...` arguments into a map. */
export function parseShapeArgs(values: readonly string[] | undefined, flag: string): Map<string, ShapeSpec> {
  const out = new Map<string, ShapeSpec>();
  for (const v of values ?? []) {
    const parsed = parseNamedShape(v);
    if (!parsed) throw new UsageError(`${flag} '${v}': want [name=]d0,d1,... with integers or names (e.g. x=1,3,H,W)`);
    out.set(parsed.name, parsed.shape);
  }
  return out;
}

const LINT_OPTIONS = {
  ...SHAPE_OPTIONS,
  "expect-output": { type: "string", multiple: true },
  format: { type: "string", short: "f" },
  "output-file": { type: "string", short: "o" },
  "max-warnings": { type: "string" },
  quiet: { type: "boolean" },
  rule: { type: "string", multiple: true },
  config: { type: "string", short: "c" },
  "no-color": { type: "boolean" },
  color: { type: "boolean" },
  "skip-non-models": { type: "boolean" },
} as const;

/** `--rule id=severity` options as a map; unknown ids and severities are usage errors. */
export function parseRuleArgs(args: readonly string[] | undefined): Map<string, SeveritySetting> {
  const out = new Map<string, SeveritySetting>();
  for (const r of args ?? []) {
    const eq = r.lastIndexOf("=");
    const id = eq >= 0 ? r.slice(0, eq) : r;
    const sev = parseSeverity(eq >= 0 ? r.slice(eq + 1) : "");
    if (!RULES_BY_ID.has(id)) throw new UsageError(`--rule '${r}': unknown rule '${id}' (see 'shapelint rules')`);
    if (sev === null) throw new UsageError(`--rule '${r}': want id=off|info|warning|error`);
    out.set(id, sev);
  }
  return out;
}

/** Run the lint command (argv without the `lint` word). */
export async function lintCommand(io: CliIO): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...io.argv], options: LINT_OPTIONS, allowPositionals: true, strict: true });

  const format = (values.format ?? "stylish") as FormatName;
  if (!FORMATS.includes(format)) throw new UsageError(`--format '${values.format}': want one of ${FORMATS.join(", ")}`);
  let maxWarnings = Number.POSITIVE_INFINITY;
  if (values["max-warnings"] !== undefined) {
    if (!/^\d+$/.test(values["max-warnings"])) throw new UsageError(`--max-warnings '${values["max-warnings"]}': want a non-negative integer`);
    maxWarnings = Number(values["max-warnings"]);
  }
  const cliRules = parseRuleArgs(values.rule);
  const cliInputs = parseShapeArgs(values["input-shape"], "--input-shape");
  const cliExpect = parseShapeArgs(values["expect-output"], "--expect-output");
  if (positionals.length === 0) throw new UsageError("no files given (usage: shapelint [lint] <files|dirs|globs...>)");

  const resolver = new ConfigResolver(new Set(RULES_BY_ID.keys()), values.config !== undefined ? resolve(io.cwd, values.config) : undefined);
  const { items } = expandTargets(positionals, io.cwd, { skipNonModels: values["skip-non-models"] === true });
  const files: FileResult[] = [];
  const debug = io.env.SHAPELINT_DEBUG === "1";
  let internalErrors = 0;

  for (const t of items) {
    if (t.kind === "missing") {
      files.push({ file: t.display, format: null, error: { code: "IO_ERROR", message: t.message }, findings: [] });
      continue;
    }
    const cfg = resolver.resolve(t.path);
    const severities = new Map([...cfg.rules, ...cliRules]);
    const inputShapes = new Map([...cfg.inputShape, ...cliInputs]);
    const expectOutput = new Map([...cfg.expectOutput, ...cliExpect]);
    const analysis = await analyseFile(t.path, { rules: RULES, severities, inputShapes, expectOutput }, t.display);
    let result = analysis.result;
    if (values.quiet) result = { ...result, findings: result.findings.filter((f) => f.severity === "error") };
    files.push(result);
    if (analysis.exception !== undefined) {
      const e = analysis.exception;
      if (debug) io.stderr.write(`${t.display}: ${e instanceof Error && e.stack ? e.stack : String(e)}\n`);
      else internalErrors++;
    }
  }

  const results: LintResults = { files, summary: summarize(files) };
  const outputFile = values["output-file"];
  const ctx: ReporterContext = {
    rules: RULES,
    cwd: io.cwd,
    color: format === "stylish" && outputFile === undefined && values["no-color"] !== true && (values.color === true || colorAllowed(io, false)),
    version: packageVersion(),
    ...(format === "sarif" ? { docs: loadRuleDocs(RULES.map((r) => r.meta.id)) } : {}),
  };
  const report = formatResults(format, results, ctx);
  if (outputFile !== undefined) {
    const path = resolve(io.cwd, outputFile);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, report);
  } else {
    io.stdout.write(report);
  }

  // The stylish report shows load errors itself; other formats (and -o) get them on stderr too.
  const failed = files.filter((f) => f.error);
  if (format !== "stylish" || outputFile !== undefined) {
    for (const f of failed) io.stderr.write(`shapelint: ${f.file}: ${f.error!.code}: ${f.error!.message}\n`);
  }
  if (format === "github") githubExtras(io, results, ctx);
  if (internalErrors > 0) io.stderr.write("shapelint: internal error (a bug in shapelint); set SHAPELINT_DEBUG=1 for the stack trace\n");

  const { errors, warnings } = results.summary;
  if (failed.length > 0) return 2;
  if (errors > 0) return 1;
  if (warnings > maxWarnings) {
    io.stderr.write(`shapelint: ${warnings} warning${warnings === 1 ? "" : "s"}, more than --max-warnings ${maxWarnings}\n`);
    return 1;
  }
  return 0;
}

/** Under GitHub Actions: the full list in the step summary, and a note when annotations were cut. */
function githubExtras(io: CliIO, results: LintResults, ctx: ReporterContext): void {
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) appendFileSync(summaryFile, formatGithubSummary(results, ctx));
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of results.files) {
    if (f.error) counts.error++;
    for (const x of f.findings) counts[x.severity]++;
  }
  const cut = Object.values(counts).reduce((a, n) => a + Math.max(0, n - GITHUB_ANNOTATION_LIMIT), 0);
  if (cut > 0) {
    io.stderr.write(`shapelint: ${cut} findings are beyond GitHub's ${GITHUB_ANNOTATION_LIMIT} annotations per level${summaryFile ? "; all are in the step summary" : ""}\n`);
  }
}

