/**
 * MaxPool, AveragePool, LpPool (1-D, 2-D, 3-D; pads, auto_pad, strides, dilations, ceil_mode,
 * count_include_pad, storage_order) and the global pools, by direct loops over each window.
 *
 * Windows come from `window.ts` (counted positions, not size formulas). A tap is inside the
 * input, inside the padding (`[-pb, 0)` or `[i, i+pe)`), or beyond the padding (only the last
 * window of ceil_mode can reach there).
 */
import { shapeFail } from "./errors.js";
import { allocData, sizeOf, type Tensor } from "./tensor.js";
import { convWindow, transposeWindow, type Window3, type WindowAttrs } from "./window.js";

/** Pool attributes. */
export interface PoolAttrs extends WindowAttrs {
  readonly kernelShape: readonly number[];
  readonly ceilMode?: boolean | undefined;
  /** AveragePool: divide by the taps inside the padded input instead of inside the input. */
  readonly countIncludePad?: boolean | undefined;
  /** MaxPool indices: 0 row-major, 1 column-major (over the spatial dims). */
  readonly storageOrder?: number | undefined;
  /** LpPool exponent. */
  readonly p?: number | undefined;
}

/** Geometry of a pool over NC + spatial dims. */
export function poolGeometry(xDims: readonly number[], attrs: PoolAttrs): Window3 {
  if (xDims.length < 3 || xDims.length > 5) shapeFail(`pool input must be N x C x D1..Dn with 1 to 3 spatial dims`, xDims);
  return convWindow(xDims.slice(2), attrs.kernelShape, attrs, [xDims], attrs.ceilMode === true);
}

type Kind = "max" | "avg" | "lp";

function pool(x: Tensor, attrs: PoolAttrs, kind: Kind, wantIndices: boolean): { y: Tensor; indices: Tensor | null } {
  const g = poolGeometry(x.dims, attrs);
  const N = x.dims[0] as number;
  const C = x.dims[1] as number;
  const inSp = g.inD * g.inH * g.inW;
  const outSp = g.outD * g.outH * g.outW;
  const outDims = [N, C, ...g.out];
  const y = allocData(x.dtype, N * C * outSp);
  const idx = wantIndices ? new Float64Array(N * C * outSp) : null;
  const xd = x.data;
  const p = attrs.p ?? 2;
  const includePad = attrs.countIncludePad === true;
  const colMajor = attrs.storageOrder === 1;
  const pads = g.pads;
  const r = g.rank;
  // End pads lifted to 3-D like the begin pads.
  const peD = r === 3 ? (pads[r] as number) : 0;
  const peH = r >= 2 ? (pads[2 * r - 2] as number) : 0;
  const peW = pads[2 * r - 1] as number;
  for (let nc = 0; nc < N * C; nc++) {
    const xOff = nc * inSp;
    let o = nc * outSp;
    for (let od = 0; od < g.outD; od++) {
      for (let oh = 0; oh < g.outH; oh++) {
        for (let ow = 0; ow < g.outW; ow++) {
          let best = -Infinity;
          let bestAt = -1;
          let sum = 0;
          let inside = 0;
          let padded = 0;
          for (let kd = 0; kd < g.kD; kd++) {
            const id = od * g.sD - g.pD + kd * g.dD;
            const inPadD = id >= -g.pD && id < g.inD + peD;
            const inD = id >= 0 && id < g.inD;
            for (let kh = 0; kh < g.kH; kh++) {
              const ih = oh * g.sH - g.pH + kh * g.dH;
              const inPadH = ih >= -g.pH && ih < g.inH + peH;
              const inH = ih >= 0 && ih < g.inH;
              for (let kw = 0; kw < g.kW; kw++) {
                const iw = ow * g.sW - g.pW + kw * g.dW;
                if (inPadD && inPadH && iw >= -g.pW && iw < g.inW + peW) padded++;
                if (!inD || !inH || iw < 0 || iw >= g.inW) continue;
                const at = (id * g.inH + ih) * g.inW + iw;
                const v = xd[xOff + at] as number;
                inside++;
                if (kind === "max") {
                  // Strict ">" keeps the first maximum, as ORT and PyTorch report its index.
                  if (v > best || bestAt < 0) {
                    best = v;
                    bestAt = at;
                  }
                } else if (kind === "avg") sum += v;
                else sum += Math.pow(Math.abs(v), p);
              }
            }
          }
          if (kind === "max") {
            y[o] = bestAt < 0 ? -Infinity : best;
            if (idx !== null) {
              let flat = bestAt;
              if (colMajor && bestAt >= 0) {
                const w = bestAt % g.inW;
                const h = Math.floor(bestAt / g.inW) % g.inH;
                const d = Math.floor(bestAt / (g.inW * g.inH));
                flat = r === 3 ? d + g.inD * (h + g.inH * w) : r === 2 ? h + g.inH * w : w;
              }
              idx[o] = xOff + flat;
            }
          } else if (kind === "avg") {
            const div = includePad ? padded : inside;
            y[o] = div > 0 ? sum / div : 0;
          } else y[o] = Math.pow(sum, 1 / p);
          o++;
        }
      }
    }
  }
  return { y: { dtype: x.dtype, dims: outDims, data: y }, indices: idx === null ? null : { dtype: "int64", dims: outDims, data: idx } };
}

/** MaxPool; `indices` (int64, flat over the whole input) when asked for. */
export function maxPool(x: Tensor, attrs: PoolAttrs, wantIndices = false): { y: Tensor; indices: Tensor | null } {
  return pool(x, attrs, "max", wantIndices);
}

/** AveragePool. */
export function averagePool(x: Tensor, attrs: PoolAttrs): Tensor {
  return pool(x, attrs, "avg", false).y;
}

/** LpPool (`p` defaults to 2); padding taps contribute 0. */
export function lpPool(x: Tensor, attrs: PoolAttrs): Tensor {
  return pool(x, attrs, "lp", false).y;
}

/** GlobalAveragePool / GlobalMaxPool / GlobalLpPool: one value per (n, c), spatial dims become 1. */
export function globalPool(x: Tensor, kind: Kind, p = 2): Tensor {
  if (x.dims.length < 3) shapeFail(`global pool input must be N x C x D1..Dn`, x.dims);
  const N = x.dims[0] as number;
  const C = x.dims[1] as number;
  const sp = sizeOf(x.dims.slice(2));
  const y = allocData(x.dtype, N * C);
  for (let nc = 0; nc < N * C; nc++) {
    let acc = kind === "max" ? -Infinity : 0;
    for (let j = 0; j < sp; j++) {
      const v = x.data[nc * sp + j] as number;
      if (kind === "max") acc = v > acc ? v : acc;
      else if (kind === "avg") acc += v;
      else acc += Math.pow(Math.abs(v), p);
    }
    y[nc] = kind === "avg" ? acc / sp : kind === "lp" ? Math.pow(acc, 1 / p) : acc;
  }
  return { dtype: x.dtype, dims: [N, C, ...x.dims.slice(2).map(() => 1)], data: y };
}

/**
 * MaxUnpool: scatter `x[j]` to the output position that MaxPool's index `indices[j]` names.
 * Indices are flat over the default-sized output (the scatter extent of the window minus the
 * pads, batch and channel offsets included); with `output_shape` each index is decomposed in
 * the default shape and re-placed at the same spatial coordinates of the requested shape (as
 * the backend test `test_maxunpool_export_with_output_shape` expects). Everything else is 0.
 */
export function maxUnpool(x: Tensor, indices: Tensor, attrs: PoolAttrs, outputShape: readonly number[] | null): Tensor {
  if (x.dims.length < 3) shapeFail("MaxUnpool: input must be N x C x D1..Dn", x.dims);
  if (indices.data.length !== x.data.length) shapeFail("MaxUnpool: indices must have the shape of X", x.dims, indices.dims);
  const g = transposeWindow(x.dims.slice(2), attrs.kernelShape, { pads: attrs.pads, strides: attrs.strides }, [x.dims]);
  const defSpatial = g.out;
  const outDims = outputShape !== null && outputShape.length > 0 ? [...outputShape] : [x.dims[0] as number, x.dims[1] as number, ...defSpatial];
  if (outDims.length !== x.dims.length) shapeFail(`MaxUnpool: output_shape [${outDims.join(",")}] has the wrong rank`, x.dims, outDims);
  const outSpatial = outDims.slice(2);
  const defSp = sizeOf(defSpatial);
  const outSp = sizeOf(outSpatial);
  const n = sizeOf(outDims);
  const out = allocData(x.dtype, n);
  for (let j = 0; j < x.data.length; j++) {
    const idx = indices.data[j] as number;
    const nc = Math.floor(idx / defSp);
    let rem = idx - nc * defSp;
    let flat = 0;
    let inside = true;
    for (let k = 0; k < defSpatial.length; k++) {
      const below = sizeOf(defSpatial.slice(k + 1));
      const c = Math.floor(rem / below);
      rem -= c * below;
      if (c >= (outSpatial[k] as number)) inside = false;
      flat = flat * (outSpatial[k] as number) + c;
    }
    const at = nc * outSp + flat;
    if (!inside || idx < 0 || at >= n) shapeFail(`MaxUnpool: index ${idx} does not fit the output [${outDims.join(",")}]`, x.dims, outDims);
    out[at] = x.data[j] as number;
  }
  return { dtype: x.dtype, dims: outDims, data: out };
}
