/**
 * Errors of the CPU reference kernel. A graph that cannot run fails the way a framework would,
 * but the message names the node and every shape involved, so `verify` can show it next to the
 * static finding that predicted it.
 */
import { formatDims } from "./tensor.js";

/** Stable codes of kernel errors. */
export type KernelErrorCode =
  /** Inputs whose shapes the op cannot combine (Concat, Add, MatMul, Reshape, Conv channels). */
  | "SHAPE_MISMATCH"
  /** An attribute value the op rejects (bad pads length, zero stride, unknown mode). */
  | "BAD_ATTRIBUTE"
  /** No kernel for this op type / domain. */
  | "UNSUPPORTED_OP"
  /** The op is known but this attribute value, dtype or input combination is not implemented. */
  | "UNSUPPORTED_FEATURE"
  /** A graph input without a concrete size, a missing value, a cycle. */
  | "BAD_GRAPH";

/** Base class of kernel errors; `node`/`op` are filled by the executor when a kernel throws. */
export class KernelError extends Error {
  override readonly name: string = "KernelError";
  readonly code: KernelErrorCode;
  /** Name of the node that failed ("" when a bare kernel function was called). */
  readonly node: string;
  /** Its op type. */
  readonly op: string;
  /** The message without the node prefix. */
  readonly detail: string;
  constructor(code: KernelErrorCode, detail: string, node = "", op = "") {
    // Kernel details often start with the op name ("Add: ..."); do not repeat it after the prefix.
    const shown = op !== "" && detail.startsWith(`${op}: `) ? detail.slice(op.length + 2) : detail;
    super(node || op ? `${op}${node ? ` node "${node}"` : ""}: ${shown}` : detail);
    this.code = code;
    this.node = node;
    this.op = op;
    this.detail = detail;
  }
  /** The same error attributed to a node. */
  at(node: string, op: string): KernelError {
    return new KernelError(this.code, this.detail, node, op);
  }
}

/**
 * A runtime shape failure: the graph cannot run with these sizes (Concat of 22x22 with 23x23,
 * Add of non-broadcastable shapes, Conv whose window does not fit). `shapes` are the input
 * shapes involved, in input order.
 */
export class RuntimeShapeError extends KernelError {
  override readonly name: string = "RuntimeShapeError";
  readonly shapes: readonly (readonly number[])[];
  constructor(detail: string, shapes: readonly (readonly number[])[], node = "", op = "") {
    super("SHAPE_MISMATCH", detail, node, op);
    this.shapes = shapes.map((s) => [...s]);
  }
  override at(node: string, op: string): RuntimeShapeError {
    return new RuntimeShapeError(this.detail, this.shapes, node, op);
  }
}

/** Throw a {@link RuntimeShapeError} whose message lists the shapes. */
export function shapeFail(detail: string, ...shapes: (readonly number[])[]): never {
  throw new RuntimeShapeError(`${detail} (shapes ${shapes.map(formatDims).join(" vs ")})`, shapes);
}

/** Throw a BAD_ATTRIBUTE {@link KernelError}. */
export function badAttr(detail: string): never {
  throw new KernelError("BAD_ATTRIBUTE", detail);
}

/** Throw an UNSUPPORTED_FEATURE {@link KernelError}. */
export function unsupported(detail: string): never {
  throw new KernelError("UNSUPPORTED_FEATURE", detail);
}
