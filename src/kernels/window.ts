/**
 * Sliding-window geometry of the kernels (Conv, ConvTranspose, pools), resolved from ONNX
 * attributes and the concrete input sizes.
 *
 * Deliberately independent of `src/shapes/`: output extents are computed by counting window
 * positions (Conv, pools) or by scattering every input position through every kernel tap
 * (ConvTranspose), never with the closed-form size formulas, so that running a graph is an
 * independent check of the static propagation.
 *
 * Every spatial rank (1-D, 2-D, 3-D) is lifted to 3-D with leading unit dims, so each kernel has
 * one loop nest.
 */
import { badAttr, shapeFail } from "./errors.js";

/** ONNX `auto_pad` values. */
export type AutoPad = "NOTSET" | "SAME_UPPER" | "SAME_LOWER" | "VALID";

/** A resolved window over up to 3 spatial dims, lifted to exactly 3 (leading dims are 1). */
export interface Window3 {
  /** Number of real spatial dims (1, 2 or 3). */
  readonly rank: number;
  readonly inD: number;
  readonly inH: number;
  readonly inW: number;
  readonly kD: number;
  readonly kH: number;
  readonly kW: number;
  readonly sD: number;
  readonly sH: number;
  readonly sW: number;
  readonly dD: number;
  readonly dH: number;
  readonly dW: number;
  /** Begin pads (may be negative for ConvTranspose, where they crop/extend). */
  readonly pD: number;
  readonly pH: number;
  readonly pW: number;
  readonly outD: number;
  readonly outH: number;
  readonly outW: number;
  /** The spatial output dims in the original rank. */
  readonly out: readonly number[];
  /** Resolved pads `[b0..bn-1, e0..en-1]` in the original rank. */
  readonly pads: readonly number[];
}

/** Common window attributes (ONNX names, already read from the node). */
export interface WindowAttrs {
  readonly autoPad?: AutoPad | undefined;
  readonly pads?: readonly number[] | undefined;
  readonly strides?: readonly number[] | undefined;
  readonly dilations?: readonly number[] | undefined;
}

function lift(v: readonly number[], fill: number): [number, number, number] {
  const r: number[] = [fill, fill, fill];
  const off = 3 - v.length;
  for (let i = 0; i < v.length; i++) r[off + i] = v[i] as number;
  return r as [number, number, number];
}

function checkLen(what: string, v: readonly number[] | undefined, n: number, fill: number): number[] {
  if (v === undefined || v.length === 0) return new Array<number>(n).fill(fill);
  if (v.length !== n) badAttr(`${what} has ${v.length} values, expected ${n} (one per spatial dim)`);
  return [...v];
}

function build(rank: number, input: readonly number[], kernel: readonly number[], strides: number[], dilations: number[], pads: number[], out: number[]): Window3 {
  const [inD, inH, inW] = lift(input, 1);
  const [kD, kH, kW] = lift(kernel, 1);
  const [sD, sH, sW] = lift(strides, 1);
  const [dD, dH, dW] = lift(dilations, 1);
  const [pD, pH, pW] = lift(pads.slice(0, rank), 0);
  const [outD, outH, outW] = lift(out, 1);
  return { rank, inD, inH, inW, kD, kH, kW, sD, sH, sW, dD, dH, dW, pD, pH, pW, outD, outH, outW, out, pads };
}

function resolveCommon(input: readonly number[], kernel: readonly number[], a: WindowAttrs): { n: number; strides: number[]; dilations: number[] } {
  const n = input.length;
  if (n < 1 || n > 3) badAttr(`only 1-D, 2-D and 3-D windows are supported, got ${n} spatial dims`);
  if (kernel.length !== n) badAttr(`kernel has ${kernel.length} spatial dims, input has ${n}`);
  const strides = checkLen("strides", a.strides, n, 1);
  const dilations = checkLen("dilations", a.dilations, n, 1);
  for (let i = 0; i < n; i++) {
    if (!((strides[i] as number) >= 1)) badAttr(`strides must be positive, got [${strides.join(",")}]`);
    if (!((dilations[i] as number) >= 1)) badAttr(`dilations must be positive, got [${dilations.join(",")}]`);
    if (!((kernel[i] as number) >= 1)) badAttr(`kernel dims must be positive, got [${kernel.join(",")}]`);
  }
  return { n, strides, dilations };
}

/**
 * Pads for `auto_pad` SAME_* of a forward window (Conv, pools): the output is `ceil(i/s)`
 * (counted, not computed) and the total pad is what the last window needs, never negative.
 * ONNX: SAME_UPPER puts the odd pad at the end, SAME_LOWER at the beginning (peers.md D1: ORT
 * before 1.13 had them swapped for ConvTranspose; the spec is followed here).
 */
function samePads(i: number, ek: number, s: number, upper: boolean): [number, number] {
  let o = 0;
  while (o * s < i) o++;
  const total = Math.max(0, (o - 1) * s + ek - i);
  const small = Math.floor(total / 2);
  return upper ? [small, total - small] : [total - small, small];
}

/** Count the window positions `p >= 0` whose window `[p*s, p*s+ek)` fits in the padded input. */
function countFloor(padded: number, ek: number, s: number): number {
  let o = 0;
  while (o * s + ek <= padded) o++;
  return o;
}

/**
 * Resolve a Conv window (also used by the pools when `ceilMode` is false).
 * Output per dim: the number of windows that fit in the padded input.
 */
export function convWindow(input: readonly number[], kernel: readonly number[], a: WindowAttrs, shapesForError: readonly (readonly number[])[] = [], ceilMode = false): Window3 {
  const { n, strides, dilations } = resolveCommon(input, kernel, a);
  const autoPad = a.autoPad ?? "NOTSET";
  let pads: number[];
  if (autoPad === "VALID") pads = new Array<number>(2 * n).fill(0);
  else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    pads = new Array<number>(2 * n).fill(0);
    for (let i = 0; i < n; i++) {
      const ek = ((kernel[i] as number) - 1) * (dilations[i] as number) + 1;
      const [b, e] = samePads(input[i] as number, ek, strides[i] as number, autoPad === "SAME_UPPER");
      pads[i] = b;
      pads[n + i] = e;
    }
  } else if (autoPad === "NOTSET") {
    pads = checkLen("pads", a.pads, 2 * n, 0);
    for (const p of pads) if (p < 0) badAttr(`pads must be non-negative, got [${pads.join(",")}]`);
  } else badAttr(`unknown auto_pad "${String(autoPad)}"`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const ek = ((kernel[i] as number) - 1) * (dilations[i] as number) + 1;
    const s = strides[i] as number;
    const pb = pads[i] as number;
    const padded = (input[i] as number) + pb + (pads[n + i] as number);
    let o = countFloor(padded, ek, s);
    if (ceilMode) {
      // ceil_mode also keeps a last partial window that starts inside the input or the begin pad
      // (ONNX since PR #5741 and PyTorch: a window starting in the end padding is dropped;
      // peers.md D11 - onnx < 1.16 shape inference keeps it).
      while (o * s < padded - ek + s && o * s < (input[i] as number) + pb && o * s + ek > padded) o++;
    }
    if (o < 1) {
      shapeFail(
        `the window (kernel ${kernel[i]}, dilation ${dilations[i]}: extent ${ek}) does not fit spatial dim ${i} of size ${input[i]} with pads ${pb}+${pads[n + i]}`,
        ...(shapesForError.length > 0 ? shapesForError : [input]),
      );
    }
    out.push(o);
  }
  return build(n, input, kernel, strides, dilations, pads, out);
}

/** ConvTranspose attributes beyond the common ones. */
export interface TransposeAttrs extends WindowAttrs {
  readonly outputPadding?: readonly number[] | undefined;
  readonly outputShape?: readonly number[] | undefined;
}

/**
 * The "full" transposed-conv extent, in scatter form: one past the largest output index any
 * input position reaches through any kernel tap (`x*s + t*d`).
 */
export function scatterExtent(i: number, k: number, s: number, d: number): number {
  let full = 0;
  for (let x = 0; x < i; x++) for (let t = 0; t < k; t++) full = Math.max(full, x * s + t * d + 1);
  return full;
}

/**
 * Resolve a ConvTranspose window. Input position `x` with tap `t` lands on output index
 * `x*s + t*d - pad_begin`; indices outside `[0, out)` are dropped (cropping) and outputs no tap
 * reaches stay zero (extension by output_padding or negative pads).
 *
 * Sizes follow the current ONNX spec (ConvTranspose-11 text as edited in place by PRs #3188 and
 * #3440; peers.md section 2.1):
 * - `output_shape` given: the output is `output_shape` (spatial dims; a full `N,C,...` form is
 *   accepted as ORT does, D6); `total = full + output_padding - output_shape`, pads are
 *   ignored (D9); SAME_UPPER: begin = floor(total/2); otherwise (NOTSET, VALID, SAME_LOWER)
 *   end = floor(total/2), begin = total - end (D5: extra pad at the beginning).
 * - SAME_*: the output is `i*s`; `total = full + output_padding - i*s`, split as above by
 *   UPPER/LOWER. When the kernel is shorter than the stride `total` is negative and the output
 *   is extended (D4: ORT and ONNX shape inference give `full + output_padding` instead); with
 *   `output_padding` the output stays `i*s` (D3: ONNX shape inference gives `i*s + op`).
 * - VALID: pads 0, output `full + output_padding`.
 * - NOTSET: explicit pads, output `full + output_padding - pb - pe`.
 * A negative `total` is halved with floor division as the spec's reference implementation and
 * the backend test `test_convtranspose_output_shape` do (D10: C++ `/2` truncates, which would
 * move the extra zero row to the beginning; ORT clamps the pad at 0).
 */
export function transposeWindow(input: readonly number[], kernel: readonly number[], a: TransposeAttrs, shapesForError: readonly (readonly number[])[] = []): Window3 {
  const { n, strides, dilations } = resolveCommon(input, kernel, a);
  const op = checkLen("output_padding", a.outputPadding, n, 0);
  for (const p of op) if (p < 0) badAttr(`output_padding must be non-negative, got [${op.join(",")}]`);
  const autoPad = a.autoPad ?? "NOTSET";
  if (!["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"].includes(autoPad)) badAttr(`unknown auto_pad "${String(autoPad)}"`);
  let outShape = a.outputShape !== undefined && a.outputShape.length > 0 ? [...a.outputShape] : null;
  if (outShape !== null && outShape.length === n + 2) outShape = outShape.slice(2);
  if (outShape !== null && outShape.length !== n) badAttr(`output_shape has ${outShape.length} values, expected ${n}`);
  const full: number[] = [];
  for (let i = 0; i < n; i++) full.push(scatterExtent(input[i] as number, kernel[i] as number, strides[i] as number, dilations[i] as number));
  const pads = new Array<number>(2 * n).fill(0);
  const out: number[] = [];
  const split = (i: number, total: number, upper: boolean): void => {
    if (upper) {
      pads[i] = Math.floor(total / 2);
      pads[n + i] = total - (pads[i] as number);
    } else {
      pads[n + i] = Math.floor(total / 2);
      pads[i] = total - (pads[n + i] as number);
    }
  };
  for (let i = 0; i < n; i++) {
    const f = full[i] as number;
    const opi = op[i] as number;
    let o: number;
    if (outShape !== null) {
      o = outShape[i] as number;
      split(i, f + opi - o, autoPad === "SAME_UPPER");
    } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      o = (input[i] as number) * (strides[i] as number);
      split(i, f + opi - o, autoPad === "SAME_UPPER");
    } else if (autoPad === "VALID") {
      o = f + opi;
    } else {
      const given = checkLen("pads", a.pads, 2 * n, 0);
      for (const p of given) if (p < 0) badAttr(`pads must be non-negative, got [${given.join(",")}]`);
      pads[i] = given[i] as number;
      pads[n + i] = given[n + i] as number;
      o = f + opi - (pads[i] as number) - (pads[n + i] as number);
    }
    if (!(o >= 1)) {
      shapeFail(
        `output spatial dim ${i} would be ${o} (input ${input[i]}, kernel ${kernel[i]}, stride ${strides[i]}, dilation ${dilations[i]}, pads ${pads[i]}+${pads[n + i]}, output_padding ${opi})`,
        ...(shapesForError.length > 0 ? shapesForError : [input]),
      );
    }
    out.push(o);
  }
  return build(n, input, kernel, strides, dilations, pads, out);
}
