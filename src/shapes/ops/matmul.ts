/**
 * MatMul (numpy `matmul`: 1-D operands are promoted to matrices and the added axis removed
 * again; batch dims broadcast), its integer/quantized variants, and Gemm (`transA`/`transB`,
 * `C` broadcast unidirectionally to `[M, N]`). A provable inner-dimension mismatch is
 * `MATMUL_MISMATCH`.
 */
import type { Shape, ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { broadcastShapes } from "./broadcast.js";
import { fmt, provablyDifferent } from "./tensor-util.js";
import type { DType } from "../../ir/dtype.js";

function checkInner(ctx: InferContext, k1: ShapeDim, k2: ShapeDim, ia: number, ib: number): void {
  if (k1 !== null && k2 !== null && provablyDifferent(k1, k2)) {
    const names = [ctx.node.inputs[ia] ?? "", ctx.node.inputs[ib] ?? ""];
    ctx.contradiction("MATMUL_MISMATCH", `${ctx.node.opType} inner dimensions differ: ${fmt(k1)} vs ${fmt(k2)} (inputs '${names[0]}' and '${names[1]}')`, {
      dims: [k1, k2],
      inputs: names,
    });
  }
}

/** Output shape of numpy matmul of `a` (input `ia`) and `b` (input `ib`). */
export function matmulShape(ctx: InferContext, a: Shape | null, b: Shape | null, ia: number, ib: number): Shape | null {
  if (a === null || b === null || a.length === 0 || b.length === 0) return null;
  const aa = a.length === 1 ? [1, a[0]!] : a;
  const bb = b.length === 1 ? [b[0]!, 1] : b;
  checkInner(ctx, aa[aa.length - 1]!, bb[bb.length - 2]!, ia, ib);
  const batch = broadcastShapes(ctx, [aa.slice(0, -2), bb.slice(0, -2)], [ia, ib]);
  if (batch === null) return null;
  const out: ShapeDim[] = [...batch];
  if (a.length > 1) out.push(aa[aa.length - 2]!);
  if (b.length > 1) out.push(bb[bb.length - 1]!);
  return out;
}

function matmulOp(type: string, ia: number, ib: number, dtype: (ctx: InferContext) => DType | null, attrs: readonly string[] = []): OpDef {
  return defineOp({
    type,
    domain: "",
    since: 1,
    attrs,
    infer: (ctx): InferResult => [tensor(dtype(ctx), matmulShape(ctx, ctx.input(ia)?.shape ?? null, ctx.input(ib)?.shape ?? null, ia, ib))],
  });
}

function gemmInfer(ctx: InferContext): InferResult {
  const a = ctx.input(0)?.shape ?? null;
  const b = ctx.input(1)?.shape ?? null;
  const dtype = ctx.input(0)?.dtype ?? ctx.input(1)?.dtype ?? null;
  const ta = ctx.int("transA", 0) === 1;
  const tb = ctx.int("transB", 0) === 1;
  const okA = a !== null && a.length === 2;
  const okB = b !== null && b.length === 2;
  const m = okA ? a[ta ? 1 : 0]! : null;
  const ka = okA ? a[ta ? 0 : 1]! : null;
  const kb = okB ? b[tb ? 1 : 0]! : null;
  const n = okB ? b[tb ? 0 : 1]! : null;
  checkInner(ctx, ka, kb, 0, 1);
  const out: ShapeDim[] = [m, n];
  if (ctx.hasInput(2)) {
    const c = ctx.input(2)?.shape ?? null;
    if (c !== null && c.length <= 2) {
      // C must broadcast to [M, N] (unidirectional): the result may not grow beyond [M, N].
      const merged = broadcastShapes(ctx, [out, c], [0, 2]);
      if (merged !== null) {
        if (out[0] === null) out[0] = c.length === 2 && c[0] !== 1 ? (merged[0] ?? null) : null;
        if (out[1] === null) out[1] = c.length >= 1 && c[c.length - 1] !== 1 ? (merged[1] ?? null) : null;
      }
    }
  }
  return [tensor(dtype, out)];
}

/** Det (opset 11): `[*, M, M] -> [*]`; a non-square matrix is a contradiction. */
function detInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const s = x?.shape ?? null;
  if (s === null || s.length < 2) return [tensor(x?.dtype ?? null, null)];
  const m = s[s.length - 2]!;
  const n = s[s.length - 1]!;
  if (m !== null && n !== null && provablyDifferent(m, n)) {
    ctx.contradiction("NOT_SQUARE", `Det of a ${fmt(m)}x${fmt(n)} matrix`, { dims: [m, n], inputs: [ctx.node.inputs[0] ?? ""] });
  }
  return [tensor(x?.dtype ?? null, s.slice(0, -2))];
}

/** MatMul, MatMulInteger, QLinearMatMul, Gemm and Det definitions. */
export const MATMUL_OPS: readonly OpDef[] = [
  matmulOp("MatMul", 0, 1, (ctx) => ctx.input(0)?.dtype ?? ctx.input(1)?.dtype ?? null),
  matmulOp("MatMulInteger", 0, 1, () => "int32"),
  // QLinearMatMul(a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point): y has y_zero_point's type.
  matmulOp("QLinearMatMul", 0, 3, (ctx) => ctx.input(7)?.dtype ?? null),
  defineOp({ type: "Gemm", domain: "", since: 1, attrs: ["alpha", "beta", "transA", "transB", "broadcast"], infer: gemmInfer }),
  defineOp({ type: "Det", domain: "", since: 11, attrs: [], infer: detInfer }),
];
