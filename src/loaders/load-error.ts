/**
 * The one error type for a model that cannot be analysed: a stable `code`, a message that names
 * the expected structure, and a location (byte offset for binary files, JSON pointer for JSON,
 * node name for graph-level problems). The CLI maps it to exit code 2 without a stack trace.
 */

/** Stable error codes (part of the JSON contract). */
export type LoadErrorCode =
  | "EMPTY_FILE"
  | "UNKNOWN_FORMAT"
  | "TRUNCATED"
  | "MALFORMED"
  | "WRONG_FORMAT"
  | "UNSUPPORTED_VERSION"
  | "GRAPH_CYCLE"
  | "DANGLING_INPUT"
  | "DUPLICATE_OUTPUT"
  | "ABSURD_DIM"
  | "NO_MODEL_CONFIG"
  | "GRAPH_MODEL"
  | "BAD_ARGUMENT"
  | "IO_ERROR";

/** Where a load error happened. */
export interface ErrorLocation {
  readonly byteOffset?: number;
  readonly pointer?: string;
  readonly node?: string;
  readonly line?: number;
  readonly column?: number;
}

/** A model that could not be loaded or analysed. */
export class LoadError extends Error {
  override readonly name = "LoadError";
  readonly code: LoadErrorCode;
  readonly location: ErrorLocation;
  constructor(code: LoadErrorCode, message: string, location: ErrorLocation = {}) {
    super(message);
    this.code = code;
    this.location = location;
  }

  /** Message with its location, e.g. `truncated varint (at byte 812)`. */
  describe(): string {
    const where: string[] = [];
    if (this.location.byteOffset !== undefined) where.push(`at byte ${this.location.byteOffset}`);
    if (this.location.pointer !== undefined) where.push(`at ${this.location.pointer || "/"}`);
    if (this.location.line !== undefined) where.push(`line ${this.location.line}${this.location.column !== undefined ? `:${this.location.column}` : ""}`);
    if (this.location.node !== undefined) where.push(`node '${this.location.node}'`);
    return where.length ? `${this.message} (${where.join(", ")})` : this.message;
  }
}
