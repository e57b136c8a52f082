/**
 * Einsum (opset 12): `equation` such as `bij,bjk->bik` or `...ii->...i`; without `->` the output
 * is the ellipsis dims followed by the labels used exactly once, in alphabetical order (numpy's
 * implicit mode, which onnx.reference follows). Dims sharing a label must agree (a size-1 dim is
 * stretched, as numpy does); ellipsis dims broadcast across operands.
 */
import type { Shape, ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { broadcastShapes } from "./broadcast.js";
import { fmt, provablyDifferent, provablyNotOne } from "./tensor-util.js";

/** One operand's labels, with `...` as the single token `.`. */
function tokens(term: string): string[] | null {
  const out: string[] = [];
  for (let i = 0; i < term.length; ) {
    if (term.startsWith("...", i)) {
      if (out.includes(".")) return null;
      out.push(".");
      i += 3;
    } else if (/[A-Za-z]/.test(term[i]!)) out.push(term[i++]!);
    else return null;
  }
  return out;
}

function einsumInfer(ctx: InferContext): InferResult {
  const eqAttr = ctx.string("equation");
  const dtype = ctx.input(0)?.dtype ?? null;
  if (eqAttr === undefined) return null;
  const eq = eqAttr.replace(/\s+/g, "");
  const [lhs, rhs] = eq.split("->") as [string, string | undefined];
  const terms = lhs.split(",").map(tokens);
  if (terms.length !== ctx.inputCount || terms.some((t) => t === null)) return [tensor(dtype, null)];
  const labels = new Map<string, ShapeDim>();
  const ellipses: (Shape | null)[] = [];
  let rankKnown = true;
  terms.forEach((t, j) => {
    const shape = ctx.input(j)?.shape ?? null;
    if (shape === null) {
      rankKnown = false;
      for (const l of t!) if (l !== "." && !labels.has(l)) labels.set(l, null);
      return;
    }
    const nLetters = t!.filter((l) => l !== ".").length;
    const eRank = shape.length - nLetters;
    if (eRank < 0 || (eRank > 0 && !t!.includes("."))) {
      rankKnown = false;
      return;
    }
    let k = 0;
    for (const l of t!) {
      if (l === ".") {
        ellipses.push(shape.slice(k, k + eRank));
        k += eRank;
        continue;
      }
      const d = shape[k++] ?? null;
      if (!labels.has(l)) {
        labels.set(l, d);
        continue;
      }
      const prev = labels.get(l) ?? null;
      if (prev === null || prev === 1) labels.set(l, d === null ? prev : d);
      else if (d !== null && d !== 1 && provablyNotOne(d) && provablyNotOne(prev) && provablyDifferent(prev, d)) {
        ctx.contradiction("EINSUM_MISMATCH", `Einsum label '${l}' is ${fmt(prev)} in one operand and ${fmt(d)} in another`, { label: l, dims: [prev, d] });
      }
    }
  });
  if (!rankKnown) return [tensor(dtype, null)];
  const ell = ellipses.length === 0 ? [] : broadcastShapes(ctx, ellipses, ellipses.map((_, j) => j));
  if (ell === null) return [tensor(dtype, null)];
  let outTokens: string[];
  if (rhs !== undefined) {
    const t = tokens(rhs);
    if (t === null) return [tensor(dtype, null)];
    outTokens = t;
  } else {
    const counts = new Map<string, number>();
    for (const t of terms) for (const l of t!) if (l !== ".") counts.set(l, (counts.get(l) ?? 0) + 1);
    outTokens = [...(ellipses.length > 0 ? ["."] : []), ...[...counts].filter(([, n]) => n === 1).map(([l]) => l).sort()];
  }
  const out: ShapeDim[] = [];
  for (const l of outTokens) {
    if (l === ".") out.push(...ell);
    else if (!labels.has(l)) return [tensor(dtype, null)];
    else out.push(labels.get(l) ?? null);
  }
  return [tensor(dtype, out)];
}

/** Einsum definition. */
export const EINSUM_OPS: readonly OpDef[] = [defineOp({ type: "Einsum", domain: "", since: 12, attrs: ["equation"], infer: einsumInfer })];
