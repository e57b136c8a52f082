/**
 * Broadcasting. Multidirectional (numpy) broadcasting is the rule of every elementwise ONNX op
 * since opset 7 (docs/Broadcasting.md); opsets 1-6 of Add, Sub, Mul, Div, Pow, And, Or, Xor,
 * Equal, Less and Greater had the legacy `broadcast`/`axis` attributes, where only the second
 * operand is broadcast to the first.
 *
 * Unknown is not an error: a mismatch is reported only when it is provable (two known dims,
 * neither of which can be 1, that can never be equal). Otherwise the result keeps the dim that
 * must win: a dim that cannot be 1, else the common dim, else `max(...)` of the candidates (for
 * every run in which the broadcast is legal, the result size is the maximum of the operands').
 */
import { type Dim, dimEquals, isConst, max } from "../../ir/dim.js";
import type { Shape, ShapeDim } from "../../ir/graph.js";
import type { InferContext } from "../define-op.js";
import { fmt, fmtShape, provablyDifferent, provablyNotOne, stridesOf } from "./tensor-util.js";
import { type Scalar, attempt } from "./values.js";

/** Options of {@link broadcastShapes}. */
export interface BroadcastOptions {
  /** Require equal dims (no size-1 stretching): the variadic ops before opset 8. */
  readonly strict?: boolean;
}

/**
 * The multidirectional broadcast of `shapes` (node input indices in `inputs`), recording
 * `BROADCAST_MISMATCH` for a provable mismatch. `null` when some rank is unknown.
 */
export function broadcastShapes(ctx: InferContext, shapes: readonly (Shape | null)[], inputs: readonly number[], options: BroadcastOptions = {}): Shape | null {
  if (shapes.some((s) => s === null)) return null;
  const list = shapes as readonly Shape[];
  const rank = Math.max(0, ...list.map((s) => s.length));
  const out: ShapeDim[] = [];
  for (let k = 0; k < rank; k++) {
    const entries: { dim: ShapeDim; input: number }[] = [];
    list.forEach((s, j) => {
      const idx = s.length - rank + k;
      if (idx >= 0) entries.push({ dim: s[idx]!, input: inputs[j] ?? j });
    });
    out.push(broadcastAxis(ctx, entries, k, options.strict === true));
  }
  return out;
}

function broadcastAxis(ctx: InferContext, entries: readonly { dim: ShapeDim; input: number }[], axis: number, strict: boolean): ShapeDim {
  const candidates = strict ? entries : entries.filter((e) => e.dim !== 1);
  if (candidates.length === 0) return 1;
  // Provable mismatch between two known, non-1 dims.
  for (let i = 0; i < candidates.length; i++) {
    const a = candidates[i]!;
    if (a.dim === null || (!strict && !provablyNotOne(a.dim))) continue;
    for (let j = i + 1; j < candidates.length; j++) {
      const b = candidates[j]!;
      if (b.dim === null || (!strict && !provablyNotOne(b.dim))) continue;
      if (provablyDifferent(a.dim, b.dim)) {
        const names = [ctx.node.inputs[a.input] ?? "", ctx.node.inputs[b.input] ?? ""];
        ctx.contradiction(
          "BROADCAST_MISMATCH",
          `${ctx.node.opType} cannot broadcast ${fmt(a.dim)} with ${fmt(b.dim)} at output axis ${axis} (inputs '${names[0]}' and '${names[1]}')`,
          { axis, dims: [a.dim, b.dim], inputs: names },
        );
        return null;
      }
    }
  }
  const surely = candidates.find((e) => e.dim !== null && isConst(e.dim)) ?? candidates.find((e) => e.dim !== null && provablyNotOne(e.dim));
  if (surely) return surely.dim;
  if (candidates.some((e) => e.dim === null)) return null;
  const dims = candidates.map((e) => e.dim as Dim);
  if (dims.every((d) => dimEquals(d, dims[0]!))) return dims[0]!;
  return attempt(() => max(...dims));
}

/**
 * The legacy (opset < 7) unidirectional broadcast: the output has A's shape. Without
 * `broadcast` the shapes must be equal; with it, B is a size-1 tensor or matches a contiguous
 * run of A's dims starting at `axis` (default: the trailing dims), size-1 dims stretching.
 * Returns the output shape and B's shape padded to A's rank (for value evaluation).
 */
export function legacyBroadcast(ctx: InferContext, a: Shape | null, b: Shape | null, broadcast: boolean, axisAttr: number | undefined): { shape: Shape | null; bPadded: Shape | null } {
  if (a === null) return { shape: null, bPadded: null };
  if (b === null) return { shape: a, bPadded: null };
  if (!broadcast) {
    if (a.length === b.length) {
      a.forEach((d, k) => {
        const e = b[k]!;
        if (d !== null && e !== null && provablyDifferent(d, e)) mismatch(ctx, k, d, e);
      });
      return { shape: a, bPadded: b };
    }
    ctx.contradiction("BROADCAST_MISMATCH", `${ctx.node.opType} without broadcast needs equal shapes, got ${fmtShape(a)} and ${fmtShape(b)}`, {
      axis: null,
      dims: [a.length, b.length],
      inputs: [ctx.node.inputs[0] ?? "", ctx.node.inputs[1] ?? ""],
    });
    return { shape: a, bPadded: null };
  }
  if (b.every((d) => d === 1)) return { shape: a, bPadded: a.map(() => 1) };
  const axis = axisAttr === undefined ? a.length - b.length : axisAttr < 0 ? axisAttr + a.length : axisAttr;
  if (axis < 0 || axis + b.length > a.length) {
    ctx.contradiction("BROADCAST_MISMATCH", `${ctx.node.opType}: ${fmtShape(b)} does not fit into ${fmtShape(a)} at axis ${axis}`, {
      axis,
      dims: [a.length, b.length],
      inputs: [ctx.node.inputs[0] ?? "", ctx.node.inputs[1] ?? ""],
    });
    return { shape: a, bPadded: null };
  }
  b.forEach((e, j) => {
    const d = a[axis + j]!;
    if (d !== null && e !== null && e !== 1 && provablyDifferent(d, e)) mismatch(ctx, axis + j, d, e);
  });
  const padded: ShapeDim[] = a.map(() => 1);
  b.forEach((e, j) => (padded[axis + j] = e));
  return { shape: a, bPadded: padded };
}

function mismatch(ctx: InferContext, axis: number, d: Dim, e: Dim): void {
  const names = [ctx.node.inputs[0] ?? "", ctx.node.inputs[1] ?? ""];
  ctx.contradiction("BROADCAST_MISMATCH", `${ctx.node.opType} cannot broadcast ${fmt(e)} to ${fmt(d)} at axis ${axis} (legacy broadcast)`, {
    axis,
    dims: [d, e],
    inputs: names,
  });
}

/**
 * Evaluate an elementwise function over broadcast operands with concrete shapes. Each operand's
 * dims must be 1 or equal to the output's (right-aligned).
 */
export function evalBroadcast(outShape: readonly number[], operands: readonly { shape: readonly number[]; scalars: readonly Scalar[] }[], fn: (xs: Scalar[]) => Scalar): Scalar[] | null {
  const rank = outShape.length;
  const total = outShape.reduce((p, d) => p * d, 1);
  const maps = operands.map((op) => {
    const st = stridesOf(op.shape);
    const eff: number[] = new Array<number>(rank).fill(0);
    for (let k = 0; k < op.shape.length; k++) {
      const outAxis = rank - op.shape.length + k;
      eff[outAxis] = op.shape[k] === 1 ? 0 : st[k]!;
    }
    return eff;
  });
  for (const op of operands) {
    if (op.shape.length > rank) return null;
    for (let k = 0; k < op.shape.length; k++) {
      const d = op.shape[k]!;
      if (d !== 1 && d !== outShape[rank - op.shape.length + k]) return null;
    }
  }
  const outStrides = stridesOf(outShape);
  const res: Scalar[] = [];
  for (let flat = 0; flat < total; flat++) {
    const xs: Scalar[] = [];
    for (let j = 0; j < operands.length; j++) {
      let off = 0;
      let rem = flat;
      for (let k = 0; k < rank; k++) {
        const idx = Math.floor(rem / outStrides[k]!);
        rem -= idx * outStrides[k]!;
        off += idx * maps[j]![k]!;
      }
      xs.push(operands[j]!.scalars[off] ?? null);
    }
    res.push(fn(xs));
  }
  return res;
}
