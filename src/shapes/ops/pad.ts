/**
 * Pad (ONNX Pad-1 `paddings` attribute, Pad-2 `pads` attribute, Pad-11+ `pads` input, Pad-18+
 * `axes` input, Pad-19 `wrap` mode). Each padded axis becomes `i + begin + end`; negative pads
 * crop (Pad-2+ doc: "can take negative values, which will remove a certain number of elements").
 *
 * Pads are read from the propagated value of the `pads` input, so amounts computed by a shape
 * subgraph (PyTorch `F.pad(x, [dx // 2, dx - dx // 2, ...])` to match a skip connection) stay
 * symbolic and the padded size comes out exact. The result must not be negative
 * (`ctx.require(o >= 0)`); an empty axis is legal.
 */
import { type Dim, add, isConst } from "../../ir/dim.js";
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { normalizeAxis, requireSize } from "./nn-util.js";

/** A pad amount: an integer or a symbolic dim; fractional values are not amounts. */
function padEntry(v: Dim | null | undefined): Dim | null {
  if (v === null || v === undefined) return null;
  return isConst(v) && !Number.isInteger(v) ? null : v;
}

interface PadVersion {
  /** Where the pads come from: `paddings` (Pad-1) / `pads` (Pad-2) attribute, or input 1. */
  readonly source: "paddings" | "pads" | "input";
  readonly axesInput: boolean;
  readonly modes: readonly string[];
}

function inferPad(ctx: InferContext, v: PadVersion): InferResult {
  const op = ctx.node.opType;
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  const dtype = x?.dtype ?? null;
  const mode = ctx.string("mode", "constant");
  if (!v.modes.includes(mode)) {
    ctx.contradiction("BAD_ATTRIBUTE", `mode of ${op} must be ${v.modes.join(", ")} at opset ${ctx.opset}; got '${mode}'`, { attribute: "mode", value: mode });
  }
  if (xs === null) return [tensor(dtype, null)];
  const rank = xs.length;
  let pads: readonly (Dim | null)[] | undefined;
  if (v.source === "input") {
    pads = ctx.input(1)?.value?.map(padEntry);
  } else {
    const a = ctx.attr(v.source);
    if (a === undefined) {
      ctx.contradiction("MISSING_ATTRIBUTE", `${op} requires attribute ${v.source}`, { attribute: v.source });
      return [tensor(dtype, xs.map(() => null))];
    }
    pads = a.type === "ints" ? a.value : undefined;
  }
  // Axes the pads apply to (Pad-18+ optional input 3; otherwise every axis).
  let axes: (number | null)[] | null = Array.from({ length: rank }, (_, a) => a);
  if (v.axesInput && ctx.hasInput(3)) {
    const av = ctx.input(3)?.value;
    if (av === undefined) axes = null;
    else {
      axes = av.map((d) => (isConst(d) && Number.isInteger(d) ? normalizeAxis(d, rank) : null));
      if (axes.some((a, k) => a === null || axes!.indexOf(a) !== k)) {
        ctx.contradiction("BAD_INPUT", `axes of ${op} must be distinct axes in [-${rank}, ${rank}); got [${av.map(String).join(", ")}]`, { input: "axes", value: av, rank });
        return [tensor(dtype, xs.map(() => null))];
      }
    }
  }
  if (pads === undefined || axes === null) {
    // Unknown amounts: the rank is kept; padded axes are unknown.
    return [tensor(dtype, xs.map((d, a) => (axes === null || axes.includes(a) ? null : d)))];
  }
  if (pads.length !== 2 * axes.length) {
    ctx.contradiction("BAD_INPUT", `${op} pads has ${pads.length} entries; expected ${2 * axes.length} (a begin and an end per ${v.axesInput && ctx.hasInput(3) ? "axis in axes" : "axis"})`, {
      input: "pads",
      expected: 2 * axes.length,
      actual: pads.length,
    });
    return [tensor(dtype, xs.map(() => null))];
  }
  const out: ShapeDim[] = [...xs];
  axes.forEach((a, j) => {
    const axis = a!;
    const i = xs[axis] ?? null;
    const b = pads[j] ?? null;
    const e = pads[axes.length + j] ?? null;
    if (i === null || b === null || e === null) out[axis] = null;
    else if (isConst(b) && isConst(e) && b >= 0 && e >= 0) out[axis] = add(add(i, b), e); // only grows
    else out[axis] = requireSize(ctx, add(add(i, b), e), `output length of ${op} on axis ${axis}`, 0);
  });
  return [tensor(dtype, out)];
}

const MODES = ["constant", "reflect", "edge"];

/** Pad definitions. */
export const PAD_OPS: readonly OpDef[] = [
  defineOp({ type: "Pad", domain: "", since: 1, attrs: ["mode", "paddings", "value"], infer: (c) => inferPad(c, { source: "paddings", axesInput: false, modes: MODES }) }),
  defineOp({ type: "Pad", domain: "", since: 2, attrs: ["mode", "pads", "value"], infer: (c) => inferPad(c, { source: "pads", axesInput: false, modes: MODES }) }),
  defineOp({ type: "Pad", domain: "", since: 11, attrs: ["mode"], infer: (c) => inferPad(c, { source: "input", axesInput: false, modes: MODES }) }),
  defineOp({ type: "Pad", domain: "", since: 18, attrs: ["mode"], infer: (c) => inferPad(c, { source: "input", axesInput: true, modes: MODES }) }),
  defineOp({ type: "Pad", domain: "", since: 19, attrs: ["mode"], infer: (c) => inferPad(c, { source: "input", axesInput: true, modes: [...MODES, "wrap"] }) }),
];
