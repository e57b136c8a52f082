/**
 * The rule runner. Rules come in by injection (ESLint's Linter, Biome's registry): the engine
 * never imports `rules/`. Findings come out sorted so that every reporter is deterministic.
 */
import { sym } from "../ir/dim.js";
import type { Model, Node, Shape } from "../ir/graph.js";
import type { ShapeResult } from "../shapes/propagate.js";
import { type AnyRule, fillTemplate } from "./define-rule.js";
import { type Finding, type RelatedInfo, type Severity, type SeveritySetting, jsonDim, severityRank } from "./finding.js";
import { producingFramework } from "./framework.js";
import { type ReportDescriptor, type RuleContext, toJsonShape } from "./rule-context.js";
import { toJson } from "./rule-utils.js";

/** A user-given shape: integers, symbol names, or `null` for "any". */
export type ShapeSpec = readonly (number | string | null)[];

/** Options of {@link lint}. */
export interface LintOptions {
  /** The rules to run (usually `RULES` from `rules/index.ts`). */
  readonly rules: readonly AnyRule[];
  /** Severity per rule id; `off` skips the rule, anything else replaces its default severity. */
  readonly severities?: ReadonlyMap<string, SeveritySetting> | Readonly<Record<string, SeveritySetting>>;
  /** Required output shapes by output name (`""` = the first output). */
  readonly expectOutput?: ReadonlyMap<string, ShapeSpec>;
}

/** A rule threw; carries the rule id so the CLI can say which rule and which file. */
export class RuleError extends Error {
  override readonly name = "RuleError";
  readonly ruleId: string;
  constructor(ruleId: string, cause: unknown) {
    super(`rule '${ruleId}' failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.ruleId = ruleId;
  }
}

/** A user shape spec as IR dims: names become symbols. */
export function specToShape(spec: ShapeSpec): Shape {
  return spec.map((d) => (d === null ? null : typeof d === "number" ? d : sym(d)));
}

function severityFor(rule: AnyRule, severities: LintOptions["severities"]): SeveritySetting {
  const id = rule.meta.id;
  const s = severities instanceof Map ? severities.get(id) : (severities as Readonly<Record<string, SeveritySetting>> | undefined)?.[id];
  return s ?? rule.meta.defaultSeverity;
}

/** Run the rules over a propagated model and return its findings, sorted. */
export function lint(model: Model, shapes: ShapeResult, options: LintOptions): Finding[] {
  const nodeRank = new Map<Node, number>();
  model.graph.nodes.forEach((n, i) => nodeRank.set(n, i));
  const byName = new Map<string, Node>();
  for (const n of model.graph.nodes) if (n.name && !byName.has(n.name)) byName.set(n.name, n);

  const expectOutput = new Map<string, Shape>();
  for (const [name, spec] of options.expectOutput ?? []) expectOutput.set(name, specToShape(spec));
  const framework = producingFramework(model);

  const out: { finding: Finding; rank: number }[] = [];
  for (const rule of options.rules) {
    const setting = severityFor(rule, options.severities);
    if (setting === "off") continue;
    const severity: Severity = setting;
    const ctx: RuleContext = {
      id: rule.meta.id,
      model,
      shapes,
      expectOutput,
      framework,
      report: (d: ReportDescriptor<Readonly<Record<string, string>>>) => {
        const template = rule.meta.messages[d.messageId];
        if (template === undefined) throw new Error(`unknown messageId '${d.messageId}'`);
        const data = d.data as Readonly<Record<string, string | number>>;
        const node = typeof d.node === "string" ? byName.get(d.node) : d.node;
        const nodeName = typeof d.node === "string" ? d.node : d.node.name;
        const related: RelatedInfo[] = (d.related ?? []).map((r) => {
          const rn = typeof r.node === "string" ? byName.get(r.node) : r.node;
          const name = typeof r.node === "string" ? r.node : r.node.name;
          return rn ? { node: name, role: r.role, message: r.message, location: rn.loc } : { node: name, role: r.role, message: r.message };
        });
        const finding: Finding = {
          ruleId: rule.meta.id,
          severity,
          messageId: d.messageId,
          data: { ...data },
          message: fillTemplate(template, data),
          node: nodeName,
          op: d.op ?? node?.opType ?? "",
          expected: toJsonShape(d.expected, jsonDim),
          actual: toJsonShape(d.actual, jsonDim),
          condition: d.condition ?? null,
          fix: (d.fix ?? []).map((s) => ({ ...s, from: toJson(s.from), to: toJson(s.to) })),
          related,
          location: d.location ?? node?.loc ?? { nodeName },
          ...(d.trail !== undefined ? { trail: d.trail } : {}),
        };
        out.push({ finding, rank: node ? (nodeRank.get(node) ?? model.graph.nodes.length) : model.graph.nodes.length });
      },
    };
    try {
      rule.check(ctx);
    } catch (e) {
      throw new RuleError(rule.meta.id, e);
    }
  }
  return sortFindings(out);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Order findings by where they are (node order in the file, then line), then rule id, then
 * message, then the full JSON text, so that equal inputs always give byte-identical reports.
 */
function sortFindings(list: { finding: Finding; rank: number }[]): Finding[] {
  const keyed = list.map((x) => ({ ...x, json: JSON.stringify(x.finding) }));
  keyed.sort(
    (a, b) =>
      a.rank - b.rank ||
      (a.finding.location.line ?? 0) - (b.finding.location.line ?? 0) ||
      compareStrings(a.finding.node, b.finding.node) ||
      compareStrings(a.finding.ruleId, b.finding.ruleId) ||
      severityRank(a.finding.severity) - severityRank(b.finding.severity) ||
      compareStrings(a.finding.message, b.finding.message) ||
      compareStrings(a.json, b.json),
  );
  return keyed.map((x) => x.finding);
}
