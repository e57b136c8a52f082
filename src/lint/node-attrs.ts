/**
 * Reading node attributes in the analyses, rules and fixes: ONNX attributes are typed (`ints`,
 * `string`), Keras layer arguments are JSON values (`kernel_size: 3` or `[3, 3]`). Malformed
 * lists are recognised so that an analysis can leave a broken node to its shape function.
 */
import type { Node } from "../ir/graph.js";

/** An `ints` attribute's values, or `undefined`. */
export function attrInts(node: Node, name: string): number[] | undefined {
  const a = node.attrs.get(name);
  return a?.type === "ints" ? [...a.value] : undefined;
}

/** A string attribute, ONNX (`auto_pad`) or Keras (`padding`), or `undefined`. */
export function attrString(node: Node, name: string): string | undefined {
  const a = node.attrs.get(name);
  if (a?.type === "string") return a.value;
  if (a?.type === "json" && typeof a.value === "string") return a.value;
  return undefined;
}

/** An attribute's value as it is (a Keras argument's JSON value), or `undefined`. */
export function attrValue(node: Node, name: string): unknown {
  return node.attrs.get(name)?.value;
}

/** A Keras per-axis argument (`3` or `[3, 3]`) as `n` values; `fallback` when absent. */
export function perAxis(v: unknown, n: number, fallback: number): number[] {
  if (typeof v === "number") return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v as number[];
  return new Array<number>(n).fill(fallback);
}

/** True for a list of `n` safe integers, each at least `min`. */
export function wellFormed(list: readonly number[], n: number, min: number): boolean {
  return list.length === n && list.every((v) => Number.isSafeInteger(v) && v >= min);
}
