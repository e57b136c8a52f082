/**
 * Normalisations: BatchNormalization (inference), InstanceNormalization, LayerNormalization,
 * LRN, MeanVarianceNormalization. Statistics are computed in double.
 */
import { shapeFail } from "./errors.js";
import { allocData, sizeOf, type Tensor } from "./tensor.js";
import { normAxis } from "./shape-ops.js";

function perChannel(op: string, x: Tensor, params: readonly (Tensor | null)[], names: readonly string[]): number {
  if (x.dims.length < 2) shapeFail(`${op}: input must have a channel dim`, x.dims);
  const C = x.dims[1] as number;
  params.forEach((p, i) => {
    if (p !== null && p.data.length !== C) shapeFail(`${op}: ${names[i]} has ${p.data.length} values for ${C} channels`, x.dims, p.dims);
  });
  return C;
}

/** BatchNormalization in inference mode: `(x - mean) / sqrt(var + eps) * scale + B` per channel. */
export function batchNorm(x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, epsilon: number): Tensor {
  const C = perChannel("BatchNormalization", x, [scale, bias, mean, variance], ["scale", "B", "input_mean", "input_var"]);
  const N = x.dims[0] as number;
  const sp = sizeOf(x.dims.slice(2));
  const out = allocData(x.dtype, x.data.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const k = (scale.data[c] as number) / Math.sqrt((variance.data[c] as number) + epsilon);
      const b = (bias.data[c] as number) - (mean.data[c] as number) * k;
      const off = (n * C + c) * sp;
      for (let j = 0; j < sp; j++) out[off + j] = (x.data[off + j] as number) * k + b;
    }
  }
  return { dtype: x.dtype, dims: [...x.dims], data: out };
}

/** InstanceNormalization: per (n, c) over the spatial dims. */
export function instanceNorm(x: Tensor, scale: Tensor, bias: Tensor, epsilon: number): Tensor {
  const C = perChannel("InstanceNormalization", x, [scale, bias], ["scale", "B"]);
  const N = x.dims[0] as number;
  const sp = sizeOf(x.dims.slice(2));
  const out = allocData(x.dtype, x.data.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const off = (n * C + c) * sp;
      let m = 0;
      for (let j = 0; j < sp; j++) m += x.data[off + j] as number;
      m /= sp;
      let v = 0;
      for (let j = 0; j < sp; j++) {
        const d = (x.data[off + j] as number) - m;
        v += d * d;
      }
      v /= sp;
      const k = (scale.data[c] as number) / Math.sqrt(v + epsilon);
      const b = bias.data[c] as number;
      for (let j = 0; j < sp; j++) out[off + j] = ((x.data[off + j] as number) - m) * k + b;
    }
  }
  return { dtype: x.dtype, dims: [...x.dims], data: out };
}

/**
 * LayerNormalization over the dims from `axis` on; `scale`/`bias` broadcast over them.
 * Returns Y, Mean and InvStdDev (the latter two with the normalised dims kept as 1).
 */
export function layerNorm(x: Tensor, scale: Tensor, bias: Tensor | null, axis: number, epsilon: number): { y: Tensor; mean: Tensor; invStd: Tensor } {
  const r = x.dims.length;
  const a = normAxis("LayerNormalization", axis, r);
  const outer = sizeOf(x.dims.slice(0, a));
  const inner = sizeOf(x.dims.slice(a));
  const bcast = (t: Tensor, name: string): ((j: number) => number) => {
    const n = t.data.length;
    if (n !== 1 && n !== inner && inner % n !== 0) shapeFail(`LayerNormalization: ${name} with ${n} values does not broadcast over ${inner}`, x.dims, t.dims);
    return (j) => t.data[j % n] as number;
  };
  const sc = bcast(scale, "scale");
  const bi = bias === null ? (): number => 0 : bcast(bias, "B");
  const y = allocData(x.dtype, x.data.length);
  const mean = allocData(x.dtype, outer);
  const inv = allocData(x.dtype, outer);
  for (let u = 0; u < outer; u++) {
    const off = u * inner;
    let m = 0;
    for (let j = 0; j < inner; j++) m += x.data[off + j] as number;
    m /= inner;
    let v = 0;
    for (let j = 0; j < inner; j++) {
      const d = (x.data[off + j] as number) - m;
      v += d * d;
    }
    v /= inner;
    const k = 1 / Math.sqrt(v + epsilon);
    for (let j = 0; j < inner; j++) y[off + j] = ((x.data[off + j] as number) - m) * k * sc(j) + bi(j);
    mean[u] = m;
    inv[u] = k;
  }
  const statDims = x.dims.map((d, i) => (i < a ? d : 1));
  return {
    y: { dtype: x.dtype, dims: [...x.dims], data: y },
    mean: { dtype: x.dtype, dims: statDims, data: mean },
    invStd: { dtype: x.dtype, dims: statDims, data: inv },
  };
}

/** LRN across channels: `x / (bias + alpha/size * sum(x^2 over the window))^beta`. */
export function lrn(x: Tensor, size: number, alpha: number, beta: number, bias: number): Tensor {
  if (x.dims.length < 3) shapeFail("LRN: input must be N x C x ...", x.dims);
  const N = x.dims[0] as number;
  const C = x.dims[1] as number;
  const sp = sizeOf(x.dims.slice(2));
  const out = allocData(x.dtype, x.data.length);
  const lo = Math.floor((size - 1) / 2);
  const hi = Math.ceil((size - 1) / 2);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < sp; j++) {
        let s = 0;
        for (let k = Math.max(0, c - lo); k <= Math.min(C - 1, c + hi); k++) {
          const v = x.data[(n * C + k) * sp + j] as number;
          s += v * v;
        }
        const at = (n * C + c) * sp + j;
        out[at] = (x.data[at] as number) / Math.pow(bias + (alpha / size) * s, beta);
      }
    }
  }
  return { dtype: x.dtype, dims: [...x.dims], data: out };
}

/** MeanVarianceNormalization over `axes` (default N, H, W): `(x - mean) / sqrt(var)`. */
export function meanVarianceNorm(x: Tensor, axes: readonly number[]): Tensor {
  const r = x.dims.length;
  const set = new Set(axes.map((a) => normAxis("MeanVarianceNormalization", a, r)));
  const keptDims = x.dims.map((d, i) => (set.has(i) ? 1 : d));
  const nOut = sizeOf(keptDims);
  const map = new Int32Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    let rem = i;
    let o = 0;
    let mul = 1;
    for (let k = r - 1; k >= 0; k--) {
      const d = x.dims[k] as number;
      const c = rem % d;
      rem = (rem - c) / d;
      if (!set.has(k)) o += c * mul;
      mul *= keptDims[k] as number;
    }
    map[i] = o;
  }
  const sum = new Float64Array(nOut);
  const sq = new Float64Array(nOut);
  const cnt = x.data.length / Math.max(1, nOut);
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i] as number;
    const o = map[i] as number;
    sum[o] = (sum[o] as number) + v;
    sq[o] = (sq[o] as number) + v * v;
  }
  const out = allocData(x.dtype, x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const o = map[i] as number;
    const m = (sum[o] as number) / cnt;
    const v = (sq[o] as number) / cnt - m * m;
    out[i] = ((x.data[i] as number) - m) / (Math.sqrt(v) + 1e-9);
  }
  return { dtype: x.dtype, dims: [...x.dims], data: out };
}
