/**
 * Resize (opset 10-19) and Upsample: nearest, linear and cubic interpolation over any axes,
 * with every coordinate_transformation_mode and nearest_mode of the ONNX spec.
 *
 * Interpolation is separable, so it runs one axis at a time in double precision: for each
 * output coordinate of an axis the source coordinate `x` is computed from the spec's formula,
 * turned into taps (index, weight), and the slices along that axis are combined. For
 * tf_crop_and_resize an output whose coordinate on any axis falls outside `[0, in-1]` takes
 * `extrapolation_value`; that flag travels with the data through the later passes.
 */
import { badAttr, shapeFail, unsupported } from "./errors.js";
import { allocData, isIntDType, sizeOf, type Tensor } from "./tensor.js";

/** ONNX coordinate_transformation_mode values. */
export type CoordMode =
  | "half_pixel"
  | "half_pixel_symmetric"
  | "pytorch_half_pixel"
  | "align_corners"
  | "asymmetric"
  | "tf_half_pixel_for_nn"
  | "tf_crop_and_resize";

/**
 * ONNX nearest_mode values, plus `simple`: the rounding of Upsample and Resize-10, whose spec
 * only says "nearest"; onnxruntime floors when upsampling and takes the ceiling when
 * downsampling, and that is what is implemented.
 */
export type NearestMode = "round_prefer_floor" | "round_prefer_ceil" | "floor" | "ceil" | "simple";

/** Resize attributes. */
export interface ResizeAttrs {
  readonly mode: "nearest" | "linear" | "cubic";
  readonly coordMode: CoordMode;
  readonly nearestMode: NearestMode;
  readonly cubicA: number;
  readonly excludeOutside: boolean;
  readonly extrapolationValue: number;
}

/** Defaults of Resize-11+. */
export const RESIZE_DEFAULTS: ResizeAttrs = {
  mode: "nearest",
  coordMode: "half_pixel",
  nearestMode: "round_prefer_floor",
  cubicA: -0.75,
  excludeOutside: false,
  extrapolationValue: 0,
};

interface AxisTaps {
  readonly O: number;
  readonly T: number;
  readonly idx: Int32Array;
  readonly w: Float64Array;
  readonly outside: Uint8Array | null;
  readonly identity: boolean;
}

/**
 * Source coordinate of output index `o` (spec formulas). `s` is the scale of this axis, `O` the
 * integer output length and `L` the spec's `length_resized`, i.e. `scale * length_original`,
 * which is fractional when the output size came from `scales` (Resize-19 text: "`output_width`
 * the target length ... can be a fractional number"). The backend tests
 * `test_resize_downsample_scales_*_align_corners` encode that reading; onnxruntime uses the
 * integer output length instead (on the linear test it returns [1, 4] where the spec's reference
 * gives [1, 3.142857]).
 */
function sourceCoord(mode: CoordMode, o: number, s: number, I: number, O: number, L: number, r0: number, r1: number): number {
  switch (mode) {
    case "half_pixel":
      return (o + 0.5) / s - 0.5;
    case "half_pixel_symmetric": {
      const adj = O / L;
      const center = I / 2;
      return center * (1 - adj) + (o + 0.5) / s - 0.5;
    }
    case "pytorch_half_pixel":
      return L > 1 ? (o + 0.5) / s - 0.5 : 0;
    case "align_corners":
      return L === 1 ? 0 : (o * (I - 1)) / (L - 1);
    case "asymmetric":
      return o / s;
    case "tf_half_pixel_for_nn":
      return (o + 0.5) / s;
    case "tf_crop_and_resize":
      return L > 1 ? r0 * (I - 1) + (o * (r1 - r0) * (I - 1)) / (L - 1) : 0.5 * (r0 + r1) * (I - 1);
  }
}

function roundNearest(x: number, mode: NearestMode, downsampling: boolean): number {
  const f = Math.floor(x);
  switch (mode) {
    case "floor":
      return f;
    case "ceil":
      return Math.ceil(x);
    case "round_prefer_floor":
      return x - f === 0.5 ? f : Math.round(x);
    case "round_prefer_ceil":
      return x - f === 0.5 ? f + 1 : Math.round(x);
    case "simple":
      return downsampling ? Math.ceil(x) : Math.trunc(x);
  }
}

/** Keys cubic convolution kernel with parameter `a`, at distance `t >= 0`. */
function cubicWeight(t: number, a: number): number {
  const x = Math.abs(t);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

function axisTaps(I: number, O: number, L: number, s: number, r0: number, r1: number, at: ResizeAttrs): AxisTaps {
  const T = at.mode === "nearest" ? 1 : at.mode === "linear" ? 2 : 4;
  const idx = new Int32Array(O * T);
  const w = new Float64Array(O * T);
  let outside: Uint8Array | null = null;
  let identity = O === I;
  const clamp = (i: number): number => (i < 0 ? 0 : i > I - 1 ? I - 1 : i);
  for (let o = 0; o < O; o++) {
    const x = sourceCoord(at.coordMode, o, s, I, O, L, r0, r1);
    if (at.coordMode === "tf_crop_and_resize" && (x < 0 || x > I - 1)) {
      outside ??= new Uint8Array(O);
      outside[o] = 1;
      identity = false;
      continue;
    }
    const b = o * T;
    if (at.mode === "nearest") {
      idx[b] = clamp(roundNearest(x, at.nearestMode, s < 1));
      w[b] = 1;
    } else if (at.mode === "linear") {
      const x0 = Math.floor(x);
      const ratio = x - x0;
      idx[b] = clamp(x0);
      w[b] = 1 - ratio;
      idx[b + 1] = clamp(x0 + 1);
      w[b + 1] = ratio;
    } else {
      const x0 = Math.floor(x);
      const ratio = x - x0;
      const dist = [ratio + 1, ratio, 1 - ratio, 2 - ratio];
      let sum = 0;
      for (let t = 0; t < 4; t++) {
        const i = x0 - 1 + t;
        let wt = cubicWeight(dist[t] as number, at.cubicA);
        // exclude_outside: taps outside the input get weight 0 and the rest is renormalised.
        if (at.excludeOutside && (i < 0 || i >= I)) wt = 0;
        idx[b + t] = clamp(i);
        w[b + t] = wt;
        sum += wt;
      }
      if (at.excludeOutside && sum !== 0) for (let t = 0; t < 4; t++) w[b + t] = (w[b + t] as number) / sum;
    }
    if (identity) {
      for (let t = 0; t < T; t++) {
        const wt = w[b + t] as number;
        if (wt !== 0 && ((idx[b + t] as number) !== o || wt !== 1)) identity = false;
      }
    }
  }
  return { O, T, idx, w, outside, identity };
}

/**
 * Resize `x` to `outDims`. `scales[a]` is the scale used in the coordinate formulas (for
 * `sizes` input: `out/in`); `lengths[a]` the spec's `length_resized` (defaults to `outDims`);
 * `roi` is `[starts..., ends...]` over all axes (tf_crop_and_resize).
 */
export function resizeTo(x: Tensor, outDims: readonly number[], scales: readonly number[], roi: readonly number[] | null, at: ResizeAttrs, lengths: readonly number[] = outDims): Tensor {
  const rank = x.dims.length;
  if (outDims.length !== rank || scales.length !== rank) shapeFail(`Resize: output rank ${outDims.length} differs from input rank ${rank}`, x.dims, outDims);
  for (const d of outDims) if (!(d >= 0) || !Number.isInteger(d)) shapeFail(`Resize: output size [${outDims.join(",")}] is not a list of non-negative integers`, x.dims);
  let dims = [...x.dims];
  let data = Float64Array.from(x.data as ArrayLike<number>);
  let mask: Uint8Array | null = null;
  for (let a = 0; a < rank; a++) {
    const I = dims[a] as number;
    const O = outDims[a] as number;
    const r0 = roi === null ? 0 : (roi[a] ?? 0);
    const r1 = roi === null ? 1 : (roi[rank + a] ?? 1);
    if (O === I && at.coordMode !== "tf_crop_and_resize" && (scales[a] as number) === 1) continue;
    if (I === 0 && O > 0) shapeFail(`Resize: cannot interpolate an empty axis ${a} to ${O}`, x.dims, outDims);
    const taps = axisTaps(I, O, lengths[a] ?? O, scales[a] as number, r0, r1, at);
    if (taps.identity) continue;
    const outer = sizeOf(dims.slice(0, a));
    const inner = sizeOf(dims.slice(a + 1));
    const dst = new Float64Array(outer * O * inner);
    const dstMask: Uint8Array | null = mask !== null || taps.outside !== null ? new Uint8Array(dst.length) : null;
    for (let u = 0; u < outer; u++) {
      for (let o = 0; o < O; o++) {
        const db = (u * O + o) * inner;
        if (taps.outside !== null && taps.outside[o] === 1) {
          (dstMask as Uint8Array).fill(1, db, db + inner);
          continue;
        }
        for (let t = 0; t < taps.T; t++) {
          const wt = taps.w[o * taps.T + t] as number;
          if (wt === 0) continue;
          const sb = (u * I + (taps.idx[o * taps.T + t] as number)) * inner;
          for (let i = 0; i < inner; i++) dst[db + i] = (dst[db + i] as number) + wt * (data[sb + i] as number);
          if (mask !== null && dstMask !== null) for (let i = 0; i < inner; i++) if (mask[sb + i] === 1) dstMask[db + i] = 1;
        }
      }
    }
    data = dst;
    mask = dstMask;
    dims[a] = O;
  }
  dims = [...outDims];
  const out = allocData(x.dtype, data.length);
  const rounding = isIntDType(x.dtype);
  for (let i = 0; i < data.length; i++) {
    const v = mask !== null && mask[i] === 1 ? at.extrapolationValue : (data[i] as number);
    out[i] = rounding ? Math.round(v) : v;
  }
  return { dtype: x.dtype, dims, data: out };
}

/** `keep_aspect_ratio_policy` of Resize-18. */
export type AspectPolicy = "stretch" | "not_larger" | "not_smaller";

/**
 * Output dims and coordinate scales of Resize from its `scales` or `sizes` input.
 * - scales: `out = floor(in * scale)` (tf_crop_and_resize: `floor(in * (end-start) * scale)`);
 * - sizes: `out = sizes`, `scale = out/in`; with `not_larger`/`not_smaller` one scale
 *   (min/max of `sizes/in` over `axes`) is applied to every listed axis and
 *   `out = round(scale * in)` (round half away from zero, as `std::round`).
 * `axes` (Resize-18) lists the axes `scales`/`sizes` refer to; other axes keep their size.
 * `lengths` is the spec's `length_resized` per axis: the output size for `sizes`, the
 * unrounded `in * scale` (times the roi span for tf_crop_and_resize) for `scales`.
 */
export function resizeOutput(
  inDims: readonly number[],
  scalesIn: readonly number[] | null,
  sizesIn: readonly number[] | null,
  roi: readonly number[] | null,
  coordMode: CoordMode,
  axesIn: readonly number[] | null = null,
  policy: AspectPolicy = "stretch",
): { outDims: number[]; scales: number[]; lengths: number[] } {
  const rank = inDims.length;
  const axes = (axesIn ?? inDims.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  for (const a of axes) if (a < 0 || a >= rank) badAttr(`Resize: axis out of range for rank ${rank}`);
  const outDims = [...inDims];
  const scales = inDims.map(() => 1);
  const lengths = [...inDims];
  if (sizesIn !== null && sizesIn.length > 0) {
    if (sizesIn.length !== axes.length) shapeFail(`Resize: sizes has ${sizesIn.length} values for ${axes.length} axes`, inDims, sizesIn);
    if (policy === "stretch") {
      axes.forEach((a, i) => {
        outDims[a] = sizesIn[i] as number;
        lengths[a] = sizesIn[i] as number;
        scales[a] = (sizesIn[i] as number) / (inDims[a] as number);
      });
    } else {
      const ratios = axes.map((a, i) => (sizesIn[i] as number) / (inDims[a] as number));
      const s = policy === "not_larger" ? Math.min(...ratios) : Math.max(...ratios);
      for (const a of axes) {
        outDims[a] = Math.round(s * (inDims[a] as number));
        lengths[a] = outDims[a] as number;
        scales[a] = s;
      }
    }
  } else if (scalesIn !== null && scalesIn.length > 0) {
    if (scalesIn.length !== axes.length) shapeFail(`Resize: scales has ${scalesIn.length} values for ${axes.length} axes`, inDims, scalesIn);
    axes.forEach((a, i) => {
      const s = scalesIn[i] as number;
      if (!(s > 0)) badAttr(`Resize: scales must be positive, got [${scalesIn.join(",")}]`);
      const span = coordMode === "tf_crop_and_resize" && roi !== null ? (roi[rank + a] ?? 1) - (roi[a] ?? 0) : 1;
      lengths[a] = (inDims[a] as number) * span * s;
      outDims[a] = Math.floor(lengths[a] as number);
      scales[a] = s;
    });
  } else {
    badAttr("Resize: one of scales or sizes must be given");
  }
  return { outDims, scales, lengths };
}

/** Reject attributes that are not implemented (never drop them silently). */
export function checkResizeSupported(antialias: number): void {
  if (antialias !== 0) unsupported("Resize: antialias=1 is not implemented");
}
