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
import { convWindow, transposeWindow, type TransposeAttrs, type Window3, type WindowAttrs } from "./window.js";

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

/** Column coordinates of a window: for output (Conv) or input (ConvTranspose) positions. */
function positionTables(nD: number, nH: number, nW: number, sD: number, sH: number, sW: number, pD: number, pH: number, pW: number): { cd: Int32Array; ch: Int32Array; cw: Int32Array } {
  const n = nD * nH * nW;
  const cd = new Int32Array(n);
  const ch = new Int32Array(n);
  const cw = new Int32Array(n);
  let j = 0;
  for (let d = 0; d < nD; d++) {
    for (let h = 0; h < nH; h++) {
      for (let w = 0; w < nW; w++) {
        cd[j] = d * sD - pD;
        ch[j] = h * sH - pH;
        cw[j] = w * sW - pW;
        j++;
      }
    }
  }
  return { cd, ch, cw };
}

/** Row tables of a kernel: channel index and dilated tap offsets for row `r = (c, kd, kh, kw)`. */
function tapTables(channels: number, g: Window3): { rc: Int32Array; rd: Int32Array; rh: Int32Array; rw: Int32Array } {
  const kk = g.kD * g.kH * g.kW;
  const n = channels * kk;
  const rc = new Int32Array(n);
  const rd = new Int32Array(n);
  const rh = new Int32Array(n);
  const rw = new Int32Array(n);
  let r = 0;
  for (let c = 0; c < channels; c++) {
    for (let kd = 0; kd < g.kD; kd++) {
      for (let kh = 0; kh < g.kH; kh++) {
        for (let kw = 0; kw < g.kW; kw++) {
          rc[r] = c;
          rd[r] = kd * g.dD;
          rh[r] = kh * g.dH;
          rw[r] = kw * g.dW;
          r++;
        }
      }
    }
  }
  return { rc, rd, rh, rw };
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
  const pos = positionTables(g.outD, g.outH, g.outW, g.sD, g.sH, g.sW, g.pD, g.pH, g.pW);
  const taps = tapTables(cinG, g);
  const { cd, ch, cw } = pos;
  const { rc, rd, rh, rw } = taps;
  const { inD, inH, inW } = g;
  const inHW = inH * inW;
  const xd = x.data;
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < group; gi++) {
      const xOff = (n * C + gi * cinG) * inSp;
      const yOff = (n * Mout + gi * coutG) * outSp;
      // B = im2col(X): B[r, j] = x[c(r), d(j)+kd(r), h(j)+kh(r), w(j)+kw(r)] or 0 in the padding.
      const packB: GemmSpec["packB"] = (dst, o, k0, kc, j0, nc) => {
        for (let t = 0; t < nc; t += NR) {
          const cols = Math.min(NR, nc - t);
          const base = o + t * kc;
          for (let p = 0; p < kc; p++) {
            const r = k0 + p;
            const cOff = xOff + (rc[r] as number) * inSp;
            const kd = rd[r] as number;
            const kh = rh[r] as number;
            const kw = rw[r] as number;
            const dRow = base + p * NR;
            for (let c = 0; c < NR; c++) {
              let v = 0;
              if (c < cols) {
                const j = j0 + t + c;
                const id = (cd[j] as number) + kd;
                const ih = (ch[j] as number) + kh;
                const iw = (cw[j] as number) + kw;
                if (id >= 0 && id < inD && ih >= 0 && ih < inH && iw >= 0 && iw < inW) v = xd[cOff + id * inHW + ih * inW + iw] as number;
              }
              dst[dRow + c] = v;
            }
          }
        }
      };
      const bias = b === null ? null : b.data;
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
  // Input position j lands at (d*s - p) + tap offset in the output.
  const { cd, ch, cw } = positionTables(g.inD, g.inH, g.inW, g.sD, g.sH, g.sW, g.pD, g.pH, g.pW);
  const { rc, rd, rh, rw } = tapTables(coutG, g);
  const { outD, outH, outW } = g;
  const outHW = outH * outW;
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < group; gi++) {
      const xOff = (n * C + gi * cinG) * inSp;
      const yOff = (n * Mout + gi * coutG) * outSp;
      // col = W_g^T x X_g; W_g is cinG x (coutG*kk) row-major.
      const sink: GemmSpec["sink"] = (stage, so, ld, i0, mc, j0, nc) => {
        for (let i = 0; i < mc; i++) {
          const r = i0 + i;
          const oOff = yOff + (rc[r] as number) * outSp;
          const kd = rd[r] as number;
          const kh = rh[r] as number;
          const kw = rw[r] as number;
          const s = so + i * ld;
          for (let jj = 0; jj < nc; jj++) {
            const j = j0 + jj;
            const od = (cd[j] as number) + kd;
            const oh = (ch[j] as number) + kh;
            const ow = (cw[j] as number) + kw;
            if (od >= 0 && od < outD && oh >= 0 && oh < outH && ow >= 0 && ow < outW) {
              const yi = oOff + od * outHW + oh * outW + ow;
              y[yi] = (y[yi] as number) + (stage[s + jj] as number);
            }
          }
        }
      };
      gemm({
        M: rows,
        N: inSp,
        K: cinG,
        packA: packAMatrix(w.data, gi * cinG * rows, rows, true),
        packB: packBMatrix(x.data, xOff, inSp, false),
        sink,
      });
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
