/**
 * The ONLY copy of the convolution, pooling and transposed-convolution length formulas. ONNX
 * ops, Keras layers and the lint rules all call these. Every formula is per spatial axis and
 * works on symbolic dims. Notation (shared/research/peers.md): `i` input length, `k` kernel,
 * `s` stride, `d` dilation, `ek = d(k-1)+1`, `pb/pe` begin/end pads, `op` output_padding,
 * `F = s(i-1) + ek`.
 */
import { type Dim, add, ceilDiv, floorDiv, max, min, mul, sub } from "../ir/dim.js";

/** Effective kernel extent `ek = d(k-1) + 1`. */
export function effectiveKernel(k: number, d = 1): number {
  return d * (k - 1) + 1;
}

/**
 * Forward conv / pool with explicit pads (ONNX Conv, MaxPool, AveragePool with auto_pad NOTSET;
 * PyTorch): `o = floor((i + pb + pe - ek)/s) + 1` (onnx/defs/nn/defs.cc convPoolShapeInference).
 */
export function convOutput(i: Dim, k: number, s: number, d: number, pb: number, pe: number): Dim {
  return add(floorDiv(sub(add(i, pb + pe), effectiveKernel(k, d)), s), 1);
}

/**
 * Pool with `ceil_mode=1`: `o = ceil((i + pb + pe - ek)/s) + 1`, minus one when the last window
 * would start in the end padding, i.e. `(o-1)s >= i + pb` (ONNX since PR #5741 / onnx 1.16,
 * matching PyTorch aten/src/ATen/native/Pool.h `pooling_output_shape_pad_lr`). With `pe < ek`
 * at most one window is dropped, so this equals `min(o, ceil((i + pb)/s))`.
 */
export function poolOutputCeil(i: Dim, k: number, s: number, d: number, pb: number, pe: number, lastWindowRule = true): Dim {
  const o = add(ceilDiv(sub(add(i, pb + pe), effectiveKernel(k, d)), s), 1);
  return lastWindowRule ? min(o, ceilDiv(add(i, pb), s)) : o;
}

/** TF/Keras/ONNX `SAME` forward conv or pool: `o = ceil(i/s)`. */
export function sameOutput(i: Dim, s: number): Dim {
  return ceilDiv(i, s);
}

/**
 * Total padding of a SAME forward conv: `max((ceil(i/s) - 1)s + ek - i, 0)`. SAME_UPPER (TF,
 * Keras) puts `floor(total/2)` at the begin and the rest at the end; SAME_LOWER the opposite.
 */
export function samePadTotal(i: Dim, k: number, s: number, d = 1): Dim {
  return max(sub(add(mul(sub(ceilDiv(i, s), 1), s), effectiveKernel(k, d)), i), 0);
}

/** Split a total pad: `[begin, end]` for SAME_UPPER (extra at the end) or SAME_LOWER (extra at the begin). */
export function splitPad(total: Dim, mode: "SAME_UPPER" | "SAME_LOWER"): [Dim, Dim] {
  const small = floorDiv(total, 2);
  const big = sub(total, small);
  return mode === "SAME_UPPER" ? [small, big] : [big, small];
}

/** TF/Keras/ONNX `VALID` forward conv or pool: `o = floor((i - ek)/s) + 1`. */
export function validOutput(i: Dim, k: number, s: number, d = 1): Dim {
  return convOutput(i, k, s, d, 0, 0);
}

/** Keras `causal` Conv1D: left pad `ek - 1`, so `o = floor((i - 1)/s) + 1 = ceil(i/s)`. */
export function causalOutput(i: Dim, k: number, s: number, d = 1): Dim {
  return convOutput(i, k, s, d, effectiveKernel(k, d) - 1, 0);
}

// ---------------------------------------------------------------------------------------------
// Transposed convolution.

/** Full transposed-conv length before cropping: `F = s(i-1) + ek`. */
export function convTransposeFull(i: Dim, k: number, s: number, d = 1): Dim {
  return add(mul(sub(i, 1), s), effectiveKernel(k, d));
}

/**
 * ONNX ConvTranspose with explicit pads (auto_pad NOTSET), and PyTorch `ConvTransposeNd`
 * (`pb = pe = padding`): `o = s(i-1) + ek + op - pb - pe` (ONNX ConvTranspose-11/22 doc).
 */
export function convTransposeOutput(i: Dim, k: number, s: number, d: number, pb: number, pe: number, op: number): Dim {
  return sub(add(convTransposeFull(i, k, s, d), op), pb + pe);
}

/** The ConvTranspose SAME conventions that disagree (peers.md section 8, D3/D4). */
export interface SameTransposeVariants {
  /** ONNX spec text since PR #3188: `o = i*s` (op ignored). */
  readonly spec: Dim;
  /** ONNX C++ shape inference: `F + op - max(ek - s, 0)`. */
  readonly onnxInference: Dim;
  /** onnxruntime CPU: `min(i*s, F + op)` (op absorbed into the padding). */
  readonly onnxruntime: Dim;
}

/** ONNX ConvTranspose with `auto_pad` SAME_UPPER/SAME_LOWER, in each runtime's reading. */
export function convTransposeSame(i: Dim, k: number, s: number, d: number, op: number): SameTransposeVariants {
  const ek = effectiveKernel(k, d);
  const full = add(convTransposeFull(i, k, s, d), op);
  return {
    spec: mul(i, s),
    onnxInference: sub(full, Math.max(ek - s, 0)),
    onnxruntime: min(mul(i, s), full),
  };
}

/** ONNX ConvTranspose `auto_pad=VALID`: `o = F + op`. */
export function convTransposeValid(i: Dim, k: number, s: number, d: number, op: number): Dim {
  return add(convTransposeFull(i, k, s, d), op);
}

/**
 * ONNX ConvTranspose with `output_shape`: the total pad `F + op - o` and its split. SAME_UPPER:
 * `begin = floor(total/2)`; otherwise (NOTSET, VALID, SAME_LOWER) `begin = total - floor(total/2)`
 * (spec text after PR #3440). A negative total means the output is extended (D10).
 */
export function convTransposePadsForOutputShape(i: Dim, k: number, s: number, d: number, op: number, o: Dim, autoPad: string): { total: Dim; begin: Dim; end: Dim } {
  const total = sub(add(convTransposeFull(i, k, s, d), op), o);
  const half = floorDiv(total, 2);
  return autoPad === "SAME_UPPER" ? { total, begin: half, end: sub(total, half) } : { total, begin: sub(total, half), end: half };
}

/** Keras padding mode of a transposed conv. */
export type KerasPadding = "valid" | "same" | "full";

/**
 * Keras `Conv{1,2,3}DTranspose` output length (Keras 2 `conv_utils.deconv_output_length`,
 * Keras 3 `compute_conv_transpose_output_shape`):
 * - `op` null: `valid` -> `s(i-1) + max(ek, s)`; `same` -> `i*s`; `full` -> `s(i-1) - ek + 2`... (`i*s - (s + ek - 2)`).
 * - `op` given: `s(i-1) + ek - 2*pad + op` with `pad = floor(ek/2)` (same), `0` (valid), `ek - 1` (full).
 */
export function kerasConvTransposeOutput(i: Dim, k: number, s: number, d: number, padding: KerasPadding, op: number | null): Dim {
  const ek = effectiveKernel(k, d);
  if (op === null) {
    if (padding === "valid") return add(mul(sub(i, 1), s), Math.max(ek, s));
    if (padding === "same") return mul(i, s);
    return sub(mul(i, s), s + ek - 2);
  }
  const pad = padding === "same" ? Math.floor(ek / 2) : padding === "valid" ? 0 : ek - 1;
  return add(sub(convTransposeFull(i, k, s, d), 2 * pad), op);
}

/** TF.js layers `deconvLength`: ignores dilation and output_padding; `valid` -> `i*s + max(k - s, 0)`, `same` -> `i*s`. */
export function tfjsConvTransposeOutput(i: Dim, k: number, s: number, padding: "valid" | "same"): Dim {
  return padding === "same" ? mul(i, s) : add(mul(i, s), Math.max(k - s, 0));
}

/** The inclusive range of legal transposed-conv output lengths (peers.md 1.1). */
export interface LegalRange {
  readonly lo: Dim;
  readonly hi: Dim;
}

/**
 * Every `o` that the forward conv maps back to `i`:
 * `valid` -> `[F, F + s - 1]`; `same` -> `[s(i-1) + 1, s*i]`; explicit total pad `P` -> `[F - P, F - P + s - 1]`.
 */
export function convTransposeLegalRange(i: Dim, k: number, s: number, d: number, padding: { kind: "valid" } | { kind: "same" } | { kind: "explicit"; total: number }): LegalRange {
  const full = convTransposeFull(i, k, s, d);
  if (padding.kind === "same") return { lo: add(mul(sub(i, 1), s), 1), hi: mul(i, s) };
  const P = padding.kind === "valid" ? 0 : padding.total;
  const lo = sub(full, P);
  return { lo, hi: add(lo, s - 1) };
}

// ---------------------------------------------------------------------------------------------
// Resizing.

/**
 * Exact rational form `p/q` of a double scale with a small denominator (2, 0.5, 1.5, 1/3 as
 * float32 ...), or `null`. Lets `floor(i * scale)` stay an exact symbolic expression.
 */
export function rationalScale(scale: number, maxDen = 64): { p: number; q: number } | null {
  if (!Number.isFinite(scale) || scale <= 0) return null;
  for (let q = 1; q <= maxDen; q++) {
    const p = Math.round(scale * q);
    // A float32 scale rounded *up* from p/q floors like p/q for every realistic length; one
    // rounded down would floor one lower at multiples of q, so it is not treated as exact.
    if (p > 0 && (p / q === scale || (Math.fround(p / q) === scale && scale > p / q))) return { p, q };
  }
  return null;
}

/**
 * ONNX Resize/Upsample output length from a scale: `floor(i * scale)` (onnx/defs/tensor/utils.cc,
 * opsets 7-17; with roi, `floor(i * (roi_end - roi_start) * scale)`). Symbolic when the scale is
 * a small rational; otherwise concrete inputs only (`null` for symbolic).
 */
export function scaledLength(i: Dim, scale: number): Dim | null {
  const r = rationalScale(scale);
  if (r) return floorDiv(mul(i, r.p), r.q);
  if (typeof i === "number") return Math.floor(i * scale);
  return null;
}

/**
 * ONNX Resize/Upsample output length from a float32 scale, as ONNX shape inference
 * (`onnx/defs/tensor/utils.cc` `resizeShapeInferenceHelper`: `floor(float(i) * scale)`) and
 * onnxruntime (`upsamplebase.h`: `static_cast<int64_t>(scales[i] * input_dims[i])`, a float
 * product) compute it: the product is rounded to float32 before the floor. So `10 * 0.7f` is 7
 * here, where the double product of {@link scaledLength} gives 6.
 *
 * Symbolic lengths use {@link rationalScale}: a scale that is `p/q` exactly, or its float32
 * rounding *up*, floors like `p/q` also in float32 as long as the result stays below `2^23 / q`
 * (a scale rounded down, such as `0.7f`, does not: `7 * fround(31/7)` floors to 30, so such
 * scales give `null` for symbolic lengths).
 */
export function resizeScaledLength(i: Dim, scale: number): Dim | null {
  if (!Number.isFinite(scale) || scale <= 0) return null;
  if (typeof i === "number") return Math.floor(Math.fround(Math.fround(i) * Math.fround(scale)));
  const r = rationalScale(Math.fround(scale));
  return r ? floorDiv(mul(i, r.p), r.q) : null;
}

/**
 * The Resize output length that the ONNX Resize-11+ doc text states when `scales` is given with
 * `coordinate_transformation_mode=tf_crop_and_resize`: `floor(i * (roi_end - roi_start) * scale)`.
 * Computed in double on the stored (float32) roi values. Neither ONNX shape inference nor
 * onnxruntime apply the roi to the length (they use
 * {@link resizeScaledLength}); this is kept to report the disagreement. Concrete lengths only.
 */
export function resizeRoiLength(i: number, roiStart: number, roiEnd: number, scale: number): number {
  return Math.floor(i * (roiEnd - roiStart) * scale);
}

/** Resize-18+ `keep_aspect_ratio_policy`. */
export type KeepAspectRatioPolicy = "stretch" | "not_larger" | "not_smaller";

/**
 * Resize-18+ output lengths for `sizes` under `keep_aspect_ratio_policy` (ONNX doc:
 * `scale = Min/Max(sizes[i] / in_size[d])`, `out_size[d] = round_int(scale * in_size[d])`, halves
 * rounded up), evaluated in float32 as ONNX shape inference `KeepAspectRatioHelper` does
 * (`sizes[i] / static_cast<float>(in)`, `std::roundf(scale * in)`). `stretch` returns `sizes`.
 */
export function keepAspectRatioSizes(input: readonly number[], sizes: readonly number[], policy: KeepAspectRatioPolicy): number[] {
  if (policy === "stretch") return [...sizes];
  let scale = policy === "not_larger" ? Infinity : -Infinity;
  sizes.forEach((s, j) => {
    const r = Math.fround(s / Math.fround(input[j]!));
    scale = policy === "not_larger" ? Math.min(scale, r) : Math.max(scale, r);
  });
  // roundf rounds halves away from zero; lengths are positive, so Math.round (halves up) agrees.
  return input.map((i) => Math.round(Math.fround(Math.fround(scale) * Math.fround(i))));
}

/**
 * Split of a concrete ConvTranspose `output_shape` total pad (`F + op - o`, see
 * {@link convTransposePadsForOutputShape}) under the two integer divisions in use (peers.md
 * section 8, D10): the spec text's `total/2` read as C++ truncation toward zero (ONNX C++), and
 * as Python floor division (`onnx.reference`). They differ only for a negative odd total, i.e.
 * when `output_shape` exceeds `F + op` by an odd amount. SAME_UPPER puts `total/2` at the begin,
 * every other auto_pad puts it at the end (spec text after onnx PR #3440).
 */
export function convTransposeOutputShapePadSplits(total: number, autoPad: string): { trunc: [number, number]; floor: [number, number] } {
  const split = (half: number): [number, number] => (autoPad === "SAME_UPPER" ? [half, total - half] : [total - half, half]);
  // `|| 0` turns the -0 of trunc(-0.5) into 0.
  return { trunc: split(Math.trunc(total / 2) || 0), floor: split(Math.floor(total / 2)) };
}

/**
 * onnxruntime's MaxPool/AveragePool length for auto_pad SAME_UPPER/SAME_LOWER with `ceil_mode=0`
 * (`PoolAttributes::ComputeSizePadDilations`): the pad is sized for the *undilated* kernel,
 * `pad = (ceil(i/s) - 1)s + k - i`, then the dilated window slides over it, giving
 * `ceil(i/s) - ceil((ek - k)/s)`: less than the spec's `ceil(i/s)` whenever `d > 1` and `k > 1`
 * (checked against onnxruntime-node 1.30, which also fails outright when this is negative).
 */
export function onnxruntimeSamePoolOutput(i: Dim, k: number, s: number, d: number): Dim {
  return sub(ceilDiv(i, s), Math.ceil((effectiveKernel(k, d) - k) / s));
}
