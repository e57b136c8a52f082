/**
 * What propagation knows about one value: dtype, shape, and, for small integer tensors that
 * compute shapes (Shape -> Gather -> Concat -> Reshape), their element values as dims.
 */
import type { Dim } from "../ir/dim.js";
import type { DType } from "../ir/dtype.js";
import type { Shape, ShapeDim } from "../ir/graph.js";

/** Propagated facts about a value. */
export interface TensorInfo {
  readonly dtype: DType | null;
  /** `null` when the rank is unknown; a dim is `null` when that size is unknown. */
  readonly shape: Shape | null;
  /**
   * Flat, row-major element values when they are known (shape-computing integer tensors and
   * small constants); an entry is `null` when that element is unknown. Absent when not tracked.
   */
  readonly value?: readonly (Dim | null)[];
}

/** Most elements tracked in `TensorInfo.value`; larger tensors are not followed. */
export const VALUE_TRACK_LIMIT = 4096;

/** A value with nothing known about it. */
export const UNKNOWN: TensorInfo = Object.freeze({ dtype: null, shape: null });

/** Build a TensorInfo, leaving out `value` when it is undefined. */
export function tensor(dtype: TensorInfo["dtype"], shape: Shape | null, value?: readonly (Dim | null)[]): TensorInfo {
  return value === undefined ? { dtype, shape } : { dtype, shape, value };
}

/** Number of elements when every dim is a concrete integer, else `null`. */
export function staticSize(shape: Shape | null): number | null {
  if (shape === null) return null;
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number") return null;
    n *= d;
  }
  return n;
}

/** True when every dim is known (integer or symbolic). */
export function isFullyKnown(shape: Shape | null): shape is readonly Exclude<ShapeDim, null>[] {
  return shape !== null && shape.every((d) => d !== null);
}
