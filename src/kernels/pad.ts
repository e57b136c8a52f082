/**
 * Pad (constant, reflect, edge, wrap) with negative pads cropping, over any rank.
 *
 * Each axis gets a map from output coordinate to input coordinate (or "constant"); the copy then
 * walks the output in row-major order.
 */
import { badAttr, shapeFail } from "./errors.js";
import { allocData, sizeOf, stridesOf, type Tensor } from "./tensor.js";

/** Pad modes of ONNX Pad-19. */
export type PadMode = "constant" | "reflect" | "edge" | "wrap";

/**
 * Pad `x`: `pads = [b_0..b_{r-1}, e_0..e_{r-1}]` over all axes (already expanded from `axes`).
 * Reflect mirrors without repeating the border (numpy "reflect"), repeatedly for pads longer
 * than the axis; edge repeats the border; wrap is periodic.
 */
export function pad(x: Tensor, pads: readonly number[], mode: PadMode, value: number): Tensor {
  const r = x.dims.length;
  if (pads.length !== 2 * r) shapeFail(`Pad: pads has ${pads.length} values, expected ${2 * r} for rank ${r}`, x.dims, pads);
  const outDims = x.dims.map((d, a) => d + (pads[a] as number) + (pads[r + a] as number));
  for (let a = 0; a < r; a++) {
    if ((outDims[a] as number) < 0) shapeFail(`Pad: axis ${a} of size ${x.dims[a]} cropped by ${-(pads[a] as number)} and ${-(pads[r + a] as number)} is negative`, x.dims, pads);
  }
  const maps: Int32Array[] = [];
  for (let a = 0; a < r; a++) {
    const I = x.dims[a] as number;
    const O = outDims[a] as number;
    const m = new Int32Array(O);
    for (let o = 0; o < O; o++) {
      const c = o - (pads[a] as number);
      if (c >= 0 && c < I) m[o] = c;
      else if (mode === "constant") m[o] = -1;
      else if (I === 0) shapeFail(`Pad: ${mode} padding of an empty axis ${a}`, x.dims, pads);
      else if (mode === "edge") m[o] = c < 0 ? 0 : I - 1;
      else if (mode === "wrap") m[o] = ((c % I) + I) % I;
      else if (mode === "reflect") {
        if (I === 1) m[o] = 0;
        else {
          const period = 2 * (I - 1);
          const q = ((c % period) + period) % period;
          m[o] = q < I ? q : period - q;
        }
      } else badAttr(`Pad: unknown mode "${String(mode)}"`);
    }
    maps.push(m);
  }
  const n = sizeOf(outDims);
  const out = allocData(x.dtype, n);
  if (n === 0) return { dtype: x.dtype, dims: outDims, data: out };
  const inStrides = stridesOf(x.dims);
  const last = r - 1;
  if (r === 0) {
    out[0] = x.data[0] as number;
    return { dtype: x.dtype, dims: outDims, data: out };
  }
  const lastMap = maps[last] as Int32Array;
  const O = outDims[last] as number;
  const ctr = new Array<number>(r).fill(0);
  for (let base = 0; base < n; base += O) {
    // Input offset of the row from the outer axes; -1 when any of them is in constant padding.
    let off = 0;
    for (let a = 0; a < last; a++) {
      const c = (maps[a] as Int32Array)[ctr[a] as number] as number;
      if (c < 0) {
        off = -1;
        break;
      }
      off += c * (inStrides[a] as number);
    }
    if (off < 0) out.fill(value, base, base + O);
    else for (let o = 0; o < O; o++) {
      const c = lastMap[o] as number;
      out[base + o] = c < 0 ? value : (x.data[off + c] as number);
    }
    for (let a = last - 1; a >= 0; a--) {
      ctr[a] = (ctr[a] as number) + 1;
      if ((ctr[a] as number) < (outDims[a] as number)) break;
      ctr[a] = 0;
    }
  }
  return { dtype: x.dtype, dims: outDims, data: out };
}
