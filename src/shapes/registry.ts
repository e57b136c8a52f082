/**
 * The op registry: every shape function, looked up by domain, op type and opset (the highest
 * `since` not above the model's opset, as ONNX's own schema registry does).
 */
import type { OpDef } from "./define-op.js";
import { ONNX_NN_OPS } from "./ops/index-nn.js";
import { ONNX_TENSOR_OPS } from "./ops/index-tensor.js";
import { KERAS_OPS } from "./ops/keras/index.js";

/** Every op definition known to the propagator. */
export const ALL_OPS: readonly OpDef[] = [...ONNX_NN_OPS, ...ONNX_TENSOR_OPS, ...KERAS_OPS];

const byKey = new Map<string, OpDef[]>();
for (const def of ALL_OPS) {
  const key = opKey(def.domain, def.type);
  const list = byKey.get(key) ?? [];
  list.push(def);
  list.sort((a, b) => b.since - a.since);
  byKey.set(key, list);
}

/** `domain::type`, with `ai.onnx` folded to `""`. */
export function opKey(domain: string, type: string): string {
  return `${domain === "ai.onnx" ? "" : domain}::${type}`;
}

/** The definition for an op at an opset, or `undefined` when there is no shape function. */
export function findOp(domain: string, type: string, opset: number): OpDef | undefined {
  const list = byKey.get(opKey(domain, type));
  if (!list) return undefined;
  return list.find((d) => d.since <= opset) ?? list[list.length - 1];
}

/** True when some version of the op has a shape function. */
export function hasOp(domain: string, type: string): boolean {
  return byKey.has(opKey(domain, type));
}
