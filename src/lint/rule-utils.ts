/**
 * Small helpers rules share: reading what propagation recorded (contradictions and facts by
 * code), and showing the dims and values it recorded (which may be `Expr`s) as text.
 */
import { type Dim, Expr, formatDim } from "../ir/dim.js";
import type { Node } from "../ir/graph.js";
import type { ShapeResult } from "../shapes/propagate.js";
import type { Contradiction, Fact } from "../shapes/define-op.js";
import type { JsonValue } from "./finding.js";

/** Contradictions with one of the given codes, in propagation order. */
export function contradictionsOf(shapes: ShapeResult, codes: readonly string[]): Contradiction[] {
  return shapes.contradictions.filter((c) => codes.includes(c.code));
}

/** Facts of one kind, in propagation order. */
export function factsOf(shapes: ShapeResult, kind: string): Fact[] {
  return shapes.facts.filter((f) => f.kind === kind);
}

/** Group items by node, keeping first-seen order. */
export function groupByNode<T extends { readonly node: Node }>(items: readonly T[]): Map<Node, T[]> {
  const out = new Map<Node, T[]>();
  for (const it of items) (out.get(it.node) ?? out.set(it.node, []).get(it.node)!).push(it);
  return out;
}

/** True when a recorded value is a dim (integer or expression). */
export function isDim(v: unknown): v is Dim {
  return typeof v === "number" || v instanceof Expr;
}

/** A recorded value as text: dims as formulas, lists as `[a, b]`, `null`/`undefined` as `?`. */
export function show(v: unknown): string {
  if (v === null || v === undefined) return "?";
  if (typeof v === "number" || v instanceof Expr) return formatDim(v);
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .map((k) => `${k}: ${show(o[k])}`)
      .join(", ")}}`;
  }
  return String(v);
}

/** A recorded value as JSON: dims become numbers or formula strings. */
export function toJson(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (v instanceof Expr) return formatDim(v);
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toJson(x);
    return out;
  }
  return String(v);
}

/** `a, b and c`; long lists end with `and N more`. */
export function listText(items: readonly string[], limit = 5): string {
  if (items.length === 0) return "";
  const shown = items.slice(0, limit);
  const more = items.length - shown.length;
  if (more > 0) return `${shown.join(", ")} and ${more} more`;
  if (shown.length === 1) return shown[0]!;
  return `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

/** A number from recorded data, or `undefined`. */
export function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}
