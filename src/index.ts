/**
 * shapelint's public API: load a model, propagate shapes, lint.
 */
import { RULES } from "../rules/index.js";
import { analyseFile, analyseModel } from "./lint/analyse-file.js";
import type { AnyRule } from "./lint/define-rule.js";
import type { SeveritySetting } from "./lint/finding.js";
import type { ShapeSpec } from "./lint/run-rules.js";
import type { Model } from "./ir/graph.js";
import type { FileResult } from "./reporters/types.js";

export type { Dim } from "./ir/dim.js";
export { formatDim, sym } from "./ir/dim.js";
export type { Graph, Model, Node, Shape, SourceLocation, TensorConst, ValueInfo } from "./ir/graph.js";
export { LoadError } from "./loaders/load-error.js";
export { propagate } from "./shapes/propagate.js";
export type { PropagateOptions, ShapeResult } from "./shapes/propagate.js";
export type { TensorInfo } from "./shapes/tensor-info.js";

// ---------------------------------------------------------------------------------------------
// Linting.


export { RULES, RULES_BY_ID } from "../rules/index.js";
export { defineRule, fillTemplate, placeholdersOf, ruleDocsUrl } from "./lint/define-rule.js";
export type { AnyRule, Rule, RuleDefinition, RuleMeta } from "./lint/define-rule.js";
export type { Finding, FixStep, Framework, JsonDim, JsonValue, RelatedInfo, Severity, SeveritySetting } from "./lint/finding.js";
export type { RuleContext, ReportDescriptor } from "./lint/rule-context.js";
export { lint as runRules } from "./lint/run-rules.js";
export type { LintOptions as RunRulesOptions, ShapeSpec } from "./lint/run-rules.js";
export { CONFIG_FILE_NAME, ConfigError, parseConfig, resolveConfig } from "./lint/config.js";
export type { Config, ResolvedConfig } from "./lint/config.js";
export { loadModelFile } from "./loaders/index.js";
export { formatGithub, formatJson, formatResults, formatSarif, formatStylish, summarize } from "./reporters/index.js";
export type { FileError, FileResult, FormatName, LintResults, ReporterContext, Summary } from "./reporters/index.js";

/** A shape per input or output name (`""` = the first one): integers, symbol names, or `null`. */
export type NamedShapes = ReadonlyMap<string, ShapeSpec> | Readonly<Record<string, ShapeSpec>>;

/** Options of {@link lint}. */
export interface LintApiOptions {
  /** Rules to run (default: every rule, {@link RULES}). */
  readonly rules?: readonly AnyRule[];
  /** Severity per rule id (`"off"` skips a rule); default: each rule's own. */
  readonly severities?: Readonly<Record<string, SeveritySetting>> | ReadonlyMap<string, SeveritySetting>;
  /** Input bindings, as `--input-shape`: `{ x: [1, 3, "H", "W"] }`. */
  readonly inputShapes?: NamedShapes;
  /** Required output shapes, as `--expect-output`: `{ "": [1, 1, 28, 28] }`. */
  readonly expectOutput?: NamedShapes;
}

function toMap<V>(m: ReadonlyMap<string, V> | Readonly<Record<string, V>> | undefined): Map<string, V> {
  if (m === undefined) return new Map();
  return m instanceof Map ? new Map(m) : new Map(Object.entries(m as Readonly<Record<string, V>>));
}

/**
 * Lint one model: a path (loaded with {@link loadModelFile}) or an already loaded {@link Model}.
 * Never throws for a bad model: a file that cannot be analysed has `error` set (code and message)
 * and no findings.
 *
 * ```ts
 * import { lint } from "shapelint";
 * const result = await lint("gen.onnx", { expectOutput: { "": [1, 1, 28, 28] } });
 * for (const f of result.findings) console.log(f.severity, f.ruleId, f.node, f.message);
 * ```
 */
export async function lint(target: string | Model, options: LintApiOptions = {}): Promise<FileResult> {
  const opts = {
    rules: options.rules ?? RULES,
    severities: toMap<SeveritySetting>(options.severities),
    inputShapes: toMap<ShapeSpec>(options.inputShapes),
    expectOutput: toMap<ShapeSpec>(options.expectOutput),
  };
  const analysis = typeof target === "string" ? await analyseFile(target, opts) : analyseModel(target, opts);
  return analysis.result;
}
