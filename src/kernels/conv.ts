/**
 * Conv and ConvTranspose (1-D, 2-D, 3-D, groups, dilations, pads, auto_pad, output_padding,
 * output_shape) on float32 NCHW tensors.
 *
 * Fast path: Conv = W x im2col(X) and ConvTranspose = col2im(W^T x X), both through the packed
 * GEMM of `gemm.ts`; the im2col matrix is never materialised (the B packer reads the image) and
 * the col2im scatter happens block by block in the GEMM sink.
 *
 * Reference path: direct loops accumulating in double ({@link convDirect},
 * {@link convTransposeDirect}), used for float64 and integer convolutions and as the oracle in
 * tests. The transposed one is written in scatter form (each input pixel adds its kernel-weighted
 * copy into the output), the definition of the operation.
 */
import { shapeFail } from "./errors.js";
import { gemm, packAMatrix, packBMatrix, NR, type GemmSpec } from "./gemm.js";
import { formatDims, type FloatTensor } from "./tensor.js";
import { convWindow, scatterExtent, transposeWindow, type TransposeAttrs, type Window3, type WindowAttrs } from "./window.js";

/** Conv attributes. */
export interface ConvAttrs extends WindowAttrs {
  readonly group?: number | undefined;
  /** Optional `kernel_shape`; must agree with the weight's spatial dims. */
  readonly kernelShape?: readonly number[] | undefined;
}

/** ConvTranspose attributes. */
export interface ConvTransposeAttrs extends ConvAttrs, TransposeAttrs {}

/** Any numeric array the reference loops can read. */
export type NumArray = ArrayLike<number>;

function checkKernelShape(kind: string, attrs: ConvAttrs, wDims: readonly number[]): void {
  const ks = attrs.kernelShape;
  if (ks === undefined || ks.length === 0) return;
  const spatial = wDims.slice(2);
  if (ks.length !== spatial.length || ks.some((k, i) => k !== spatial[i])) {
    shapeFail(`${kind}: kernel_shape [${ks.join(",")}] does not match the weight's spatial dims [${spatial.join(",")}]`, wDims);
  }
}

/** Shape checks shared by both Conv paths; returns the geometry. */
export function convGeometry(xDims: readonly number[], wDims: readonly number[], bLen: number | null, attrs: ConvAttrs): { g: Window3; group: number; cinG: number; coutG: number } {
  if (xDims.length < 3 || xDims.length > 5) shapeFail(`Conv: input must be N x C x D1..Dn with 1 to 3 spatial dims`, xDims);
  if (wDims.length !== xDims.length) shapeFail(`Conv: weight rank ${wDims.length} differs from input rank ${xDims.length}`, xDims, wDims);
  const group = attrs.group ?? 1;
  const C = xDims[1] as number;
  const M = wDims[0] as number;
  const cinG = wDims[1] as number;
  if (!(group >= 1) || M % group !== 0) shapeFail(`Conv: ${M} output channels are not divisible by group ${group}`, xDims, wDims);
  if (C !== cinG * group) {
    shapeFail(`Conv: input has ${C} channels but the weight ${formatDims(wDims)} with group ${group} expects ${cinG * group}`, xDims, wDims);
  }
  if (bLen !== null && bLen !== M) shapeFail(`Conv: bias has ${bLen} values for ${M} output channels`, xDims, wDims, [bLen]);
  checkKernelShape("Conv", attrs, wDims);
  const g = convWindow(xDims.slice(2), wDims.slice(2), attrs, [xDims, wDims]);
  return { g, group, cinG, coutG: M / group };
}

/** Shape checks of ConvTranspose; returns the geometry. */
export function convTransposeGeometry(xDims: readonly number[], wDims: readonly number[], bLen: number | null, attrs: ConvTransposeAttrs): { g: Window3; group: number; cinG: number; coutG: number } {
  if (xDims.length < 3 || xDims.length > 5) shapeFail(`ConvTranspose: input must be N x C x D1..Dn with 1 to 3 spatial dims`, xDims);
  if (wDims.length !== xDims.length) shapeFail(`ConvTranspose: weight rank ${wDims.length} differs from input rank ${xDims.length}`, xDims, wDims);
  const group = attrs.group ?? 1;
  const C = xDims[1] as number;
  // ONNX: W is C x M/group x k1..kn, the output has M = W.shape[1] * group channels.
  if (!(group >= 1) || C % group !== 0) shapeFail(`ConvTranspose: ${C} input channels are not divisible by group ${group}`, xDims, wDims);
  if ((wDims[0] as number) !== C) shapeFail(`ConvTranspose: input has ${C} channels but the weight ${formatDims(wDims)} expects ${wDims[0]}`, xDims, wDims);
  const coutG = wDims[1] as number;
  if (bLen !== null && bLen !== coutG * group) shapeFail(`ConvTranspose: bias has ${bLen} values for ${coutG * group} output channels`, xDims, wDims, [bLen]);
  checkKernelShape("ConvTranspose", attrs, wDims);
  const g = transposeWindow(xDims.slice(2), wDims.slice(2), attrs, [xDims, wDims]);
  return { g, group, cinG: C / group, coutG };
}

// ---------------------------------------------------------------------------------------------
// GEMM paths.
//
// Both paths work on a zero-margined buffer so that the hot loops have no bounds checks:
// - Conv copies each (image, group) into a buffer padded by the begin/end pads; every tap of
//   every window then lands inside it, and im2col element (r, j) is `xp[rowOff[r] + colOff[j]]`.
// - ConvTranspose scatters into the "full" output (extent `(i-1)*s + (k-1)*d + 1` per dim,
//   where every tap lands), then copies the window `[pad_begin, pad_begin + out)` of it into
//   the output; indices outside the full extent (output_padding, negative pads) stay zero.

/** Offsets of window positions in a row-major 3-D buffer of dims `[*, bH, bW]`: `((d*sD)*bH + h*sH)*bW + w*sW`. */
function positionOffsets(nD: number, nH: number, nW: number, sD: number, sH: number, sW: number, bH: number, bW: number): Int32Array {
  const out = new Int32Array(nD * nH * nW);
  let j = 0;
  for (let d = 0; d < nD; d++) for (let h = 0; h < nH; h++) for (let w = 0; w < nW; w++) out[j++] = (d * sD * bH + h * sH) * bW + w * sW;
  return out;
}

/** Offsets of kernel rows `r = (c, kd, kh, kw)` in a buffer of per-channel size `chan` and dims `[*, bH, bW]`. */
function tapOffsets(channels: number, g: Window3, chan: number, bH: number, bW: number): Int32Array {
  const out = new Int32Array(channels * g.kD * g.kH * g.kW);
  let r = 0;
  for (let c = 0; c < channels; c++) {
    for (let kd = 0; kd < g.kD; kd++) {
      for (let kh = 0; kh < g.kH; kh++) {
        for (let kw = 0; kw < g.kW; kw++) out[r++] = c * chan + (kd * g.dD * bH + kh * g.dH) * bW + kw * g.dW;
      }
    }
  }
  return out;
}

/** Conv on float32 through im2col + GEMM. */
export function conv(x: FloatTensor, w: FloatTensor, b: FloatTensor | null, attrs: ConvAttrs = {}): FloatTensor {
  const { g, group, cinG, coutG } = convGeometry(x.dims, w.dims, b === null ? null : b.data.length, attrs);
  const N = x.dims[0] as number;
  const C = x.dims[1] as number;
  const Mout = coutG * group;
  const inSp = g.inD * g.inH * g.inW;
  const outSp = g.outD * g.outH * g.outW;
  const kk = g.kD * g.kH * g.kW;
  const K = cinG * kk;
  const y = new Float32Array(N * Mout * outSp);
  const r = g.rank;
  // Padded buffer dims (end pads in the original rank order, lifted like the begin pads).
  const eD = r === 3 ? (g.pads[3] as number) : 0;
  const eH = r >= 2 ? (g.pads[2 * r - 2] as number) : 0;
  const eW = g.pads[2 * r - 1] as number;
  const bD = g.inD + g.pD + eD;
  const bH = g.inH + g.pH + eH;
  const bW = g.inW + g.pW + eW;
  const bSp = bD * bH * bW;
  const xp = new Float32Array(cinG * bSp);
  const colOff = positionOffsets(g.outD, g.outH, g.outW, g.sD, g.sH, g.sW, bH, bW);
  const rowOff = tapOffsets(cinG, g, bSp, bH, bW);
  const xd = x.data;
  const bias = b === null ? null : b.data;
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < group; gi++) {
      // Copy the group's channels into the interior of the padded buffer (margins stay 0).
      const xOff = (n * C + gi * cinG) * inSp;
      for (let c = 0; c < cinG; c++) {
        for (let d = 0; d < g.inD; d++) {
          for (let h = 0; h < g.inH; h++) {
            const src = xOff + c * inSp + (d * g.inH + h) * g.inW;
            xp.set(xd.subarray(src, src + g.inW), c * bSp + ((d + g.pD) * bH + h + g.pH) * bW + g.pW);
          }
        }
      }
      const yOff = (n * Mout + gi * coutG) * outSp;
      const packB: GemmSpec["packB"] = (dst, o, k0, kc, j0, nc) => {
        for (let t = 0; t < nc; t += NR) {
          const cols = Math.min(NR, nc - t);
          const base = o + t * kc;
          const jb = j0 + t;
          if (cols === NR) {
            const c0 = colOff[jb] as number, c1 = colOff[jb + 1] as number, c2 = colOff[jb + 2] as number, c3 = colOff[jb + 3] as number;
            const c4 = colOff[jb + 4] as number, c5 = colOff[jb + 5] as number, c6 = colOff[jb + 6] as number, c7 = colOff[jb + 7] as number;
            for (let p = 0; p < kc; p++) {
              const ro = rowOff[k0 + p] as number;
              const d = base + p * NR;
              dst[d] = xp[ro + c0] as number;
              dst[d + 1] = xp[ro + c1] as number;
              dst[d + 2] = xp[ro + c2] as number;
              dst[d + 3] = xp[ro + c3] as number;
              dst[d + 4] = xp[ro + c4] as number;
              dst[d + 5] = xp[ro + c5] as number;
              dst[d + 6] = xp[ro + c6] as number;
              dst[d + 7] = xp[ro + c7] as number;
            }
          } else {
            for (let p = 0; p < kc; p++) {
              const ro = rowOff[k0 + p] as number;
              const d = base + p * NR;
              for (let c = 0; c < NR; c++) dst[d + c] = c < cols ? (xp[ro + (colOff[jb + c] as number)] as number) : 0;
            }
          }
        }
      };
      const sink: GemmSpec["sink"] = (stage, so, ld, i0, mc, j0, nc) => {
        for (let i = 0; i < mc; i++) {
          const bv = bias === null ? 0 : (bias[gi * coutG + i0 + i] as number);
          const d = yOff + (i0 + i) * outSp + j0;
          const s = so + i * ld;
          for (let j = 0; j < nc; j++) y[d + j] = (stage[s + j] as number) + bv;
        }
      };
      gemm({ M: coutG, N: outSp, K, packA: packAMatrix(w.data, gi * coutG * K, K, false), packB, sink });
    }
  }
  return { dtype: "float32", dims: [N, Mout, ...g.out], data: y };
}

/** ConvTranspose on float32 through GEMM + col2im. */
export function convTranspose(x: FloatTensor, w: FloatTensor, b: FloatTensor | null, attrs: ConvTransposeAttrs = {}): FloatTensor {
  const { g, group, cinG, coutG } = convTransposeGeometry(x.dims, w.dims, b === null ? null : b.data.length, attrs);
  const N = x.dims[0] as number;
  const C = x.dims[1] as number;
  const Mout = coutG * group;
  const inSp = g.inD * g.inH * g.inW;
  const outSp = g.outD * g.outH * g.outW;
  const kk = g.kD * g.kH * g.kW;
  const rows = coutG * kk;
  const y = new Float32Array(N * Mout * outSp);
  // The full (uncropped) output: where input position p with tap t lands at p*s + t*d.
  const fD = scatterExtent(g.inD, g.kD, g.sD, g.dD);
  const fH = scatterExtent(g.inH, g.kH, g.sH, g.dH);
  const fW = scatterExtent(g.inW, g.kW, g.sW, g.dW);
  const fSp = fD * fH * fW;
  const full = new Float32Array(coutG * fSp);
  const colOff = positionOffsets(g.inD, g.inH, g.inW, g.sD, g.sH, g.sW, fH, fW);
  const rowOff = tapOffsets(coutG, g, fSp, fH, fW);
  // Output index o of each dim reads full index o + pad_begin when that is inside [0, full).
  const od0 = Math.max(0, -g.pD), od1 = Math.min(g.outD, fD - g.pD);
  const oh0 = Math.max(0, -g.pH), oh1 = Math.min(g.outH, fH - g.pH);
  const ow0 = Math.max(0, -g.pW), ow1 = Math.min(g.outW, fW - g.pW);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < group; gi++) {
      const xOff = (n * C + gi * cinG) * inSp;
      const yOff = (n * Mout + gi * coutG) * outSp;
      full.fill(0);
      // col = W_g^T x X_g (W_g is cinG x (coutG*kk) row-major), scattered into `full` block by block.
      const sink: GemmSpec["sink"] = (stage, so, ld, i0, mc, j0, nc) => {
        for (let i = 0; i < mc; i++) {
          const ro = rowOff[i0 + i] as number;
          const s = so + i * ld;
          for (let jj = 0; jj < nc; jj++) {
            const fi = ro + (colOff[j0 + jj] as number);
            full[fi] = (full[fi] as number) + (stage[s + jj] as number);
          }
        }
      };
      gemm({ M: rows, N: inSp, K: cinG, packA: packAMatrix(w.data, gi * cinG * rows, rows, true), packB: packBMatrix(x.data, xOff, inSp, false), sink });
      // Crop / extend into the output.
      if (ow1 > ow0) {
        for (let m = 0; m < coutG; m++) {
          for (let od = od0; od < od1; od++) {
            for (let oh = oh0; oh < oh1; oh++) {
              const src = m * fSp + ((od + g.pD) * fH + oh + g.pH) * fW + g.pW;
              const dst = yOff + m * outSp + (od * g.outH + oh) * g.outW;
              y.set(full.subarray(src + ow0, src + ow1), dst + ow0);
            }
          }
        }
      }
    }
  }
  if (b !== null) {
    for (let n = 0; n < N; n++) {
      for (let m = 0; m < Mout; m++) {
        const bv = b.data[m] as number;
        const off = (n * Mout + m) * outSp;
        for (let j = 0; j < outSp; j++) y[off + j] = (y[off + j] as number) + bv;
      }
    }
  }
  return { dtype: "float32", dims: [N, Mout, ...g.out], data: y };
}

// ---------------------------------------------------------------------------------------------
// Direct reference loops (double accumulation, any numeric input arrays).

/** The result of a reference loop: output dims and double-precision values. */
export interface DirectResult {
  readonly dims: number[];
  readonly data: Float64Array;
}

/**
 * Direct Conv: `y[n,m,o] = b[m] + sum_{c,t} w[m,c,t] * x[n, g*cinG+c, o*s - p + t*d]`.
 * `xZero`/`wZero` are subtracted from every element (ConvInteger zero points; 0 otherwise).
 */
export function convDirect(
  xDims: readonly number[],
  x: NumArray,
  wDims: readonly number[],
  w: NumArray,
  b: NumArray | null,
  attrs: ConvAttrs = {},
  xZero = 0,
  wZero: NumArray | number = 0,
): DirectResult {
  const { g, group, cinG, coutG } = convGeometry(xDims, wDims, b === null ? null : b.length, attrs);
  const N = xDims[0] as number;
  const C = xDims[1] as number;
  const Mout = coutG * group;
  const inSp = g.inD * g.inH * g.inW;
  const outSp = g.outD * g.outH * g.outW;
  const kk = g.kD * g.kH * g.kW;
  const y = new Float64Array(N * Mout * outSp);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < Mout; m++) {
      const gi = Math.floor(m / coutG);
      const wz = typeof wZero === "number" ? wZero : (wZero[wZero.length === 1 ? 0 : m] as number);
      for (let od = 0; od < g.outD; od++) {
        for (let oh = 0; oh < g.outH; oh++) {
          for (let ow = 0; ow < g.outW; ow++) {
            let s = b === null ? 0 : (b[m] as number);
            for (let c = 0; c < cinG; c++) {
              const xOff = (n * C + gi * cinG + c) * inSp;
              const wOff = (m * cinG + c) * kk;
              for (let kd = 0; kd < g.kD; kd++) {
                const id = od * g.sD - g.pD + kd * g.dD;
                if (id < 0 || id >= g.inD) continue;
                for (let kh = 0; kh < g.kH; kh++) {
                  const ih = oh * g.sH - g.pH + kh * g.dH;
                  if (ih < 0 || ih >= g.inH) continue;
                  for (let kw = 0; kw < g.kW; kw++) {
                    const iw = ow * g.sW - g.pW + kw * g.dW;
                    if (iw < 0 || iw >= g.inW) continue;
                    const xv = (x[xOff + (id * g.inH + ih) * g.inW + iw] as number) - xZero;
                    const wv = (w[wOff + (kd * g.kH + kh) * g.kW + kw] as number) - wz;
                    s += xv * wv;
                  }
                }
              }
            }
            y[((n * Mout + m) * g.outD + od) * g.outH * g.outW + oh * g.outW + ow] = s;
          }
        }
      }
    }
  }
  return { dims: [N, Mout, ...g.out], data: y };
}

/**
 * Direct ConvTranspose in scatter form: every input element `x[n,c,i]` adds
 * `x * w[c, m, t]` to `y[n, g*coutG+m, i*s + t*d - pad_begin]` when that index is inside the
 * output; then the bias is added everywhere.
 */
export function convTransposeDirect(xDims: readonly number[], x: NumArray, wDims: readonly number[], w: NumArray, b: NumArray | null, attrs: ConvTransposeAttrs = {}): DirectResult {
  const { g, group, cinG, coutG } = convTransposeGeometry(xDims, wDims, b === null ? null : b.length, attrs);
  const N = xDims[0] as number;
  const C = xDims[1] as number;
  const Mout = coutG * group;
  const inSp = g.inD * g.inH * g.inW;
  const outSp = g.outD * g.outH * g.outW;
  const kk = g.kD * g.kH * g.kW;
  const y = new Float64Array(N * Mout * outSp);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const gi = Math.floor(c / cinG);
      for (let id = 0; id < g.inD; id++) {
        for (let ih = 0; ih < g.inH; ih++) {
          for (let iw = 0; iw < g.inW; iw++) {
            const xv = x[(n * C + c) * inSp + (id * g.inH + ih) * g.inW + iw] as number;
            for (let m = 0; m < coutG; m++) {
              const wOff = (c * coutG + m) * kk;
              const yOff = (n * Mout + gi * coutG + m) * outSp;
              for (let kd = 0; kd < g.kD; kd++) {
                const od = id * g.sD - g.pD + kd * g.dD;
                if (od < 0 || od >= g.outD) continue;
                for (let kh = 0; kh < g.kH; kh++) {
                  const oh = ih * g.sH - g.pH + kh * g.dH;
                  if (oh < 0 || oh >= g.outH) continue;
                  for (let kw = 0; kw < g.kW; kw++) {
                    const ow = iw * g.sW - g.pW + kw * g.dW;
                    if (ow < 0 || ow >= g.outW) continue;
                    const yi = yOff + (od * g.outH + oh) * g.outW + ow;
                    y[yi] = (y[yi] as number) + xv * (w[wOff + (kd * g.kH + kh) * g.kW + kw] as number);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  if (b !== null) {
    for (let n = 0; n < N; n++) {
      for (let m = 0; m < Mout; m++) {
        const off = (n * Mout + m) * outSp;
        for (let j = 0; j < outSp; j++) y[off + j] = (y[off + j] as number) + (b[m] as number);
      }
    }
  }
  return { dims: [N, Mout, ...g.out], data: y };
}
