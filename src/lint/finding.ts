/**
 * Findings are data. A rule reports one; reporters (text, JSON, SARIF, GitHub, LSP) render it.
 * Every field is plain JSON so that a finding can be written out as it is: dims are numbers or
 * formula strings (`"3*ceil(H/3) - 1"`), never `Expr` objects.
 */
import { type Dim, formatDim } from "../ir/dim.js";
import type { Shape, SourceLocation } from "../ir/graph.js";

/** How bad a finding is. `info` never fails a run. */
export type Severity = "error" | "warning" | "info";

/** Severities from worst to mildest; the order used when sorting and counting. */
export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** A severity setting in a config file or on the command line. */
export type SeveritySetting = Severity | "off";

/** One dim as JSON: an integer, a formula over symbolic sizes, or `null` when unknown. */
export type JsonDim = number | string | null;

/** A JSON value (fix `from`/`to` values, message data). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The framework whose terms a fix is phrased in. */
export type Framework = "onnx" | "pytorch" | "keras" | "tf" | "tfjs";

/**
 * One edit that repairs the finding: set `attribute` of `node` from `from` to `to`. A fix with
 * several steps (two decoder layers, or a layer plus a crop) lists them in order.
 */
export interface FixStep {
  /** Node or layer to edit (in `framework` terms: ONNX node name, Keras layer name, PyTorch module path). */
  readonly node: string;
  /** Attribute, layer argument or module argument, e.g. `output_padding`. */
  readonly attribute: string;
  /** Current value (`null` when the attribute is absent). */
  readonly from: JsonValue;
  /** Value that repairs the finding. */
  readonly to: JsonValue;
  /** Whose terms this step is written in; absent means the file's own format. */
  readonly framework?: Framework;
  /** Extra words, e.g. the sizes the step restores (`4 -> 7 -> 14 -> 28`). */
  readonly note?: string;
}

/** Another place that explains the finding: the producer of an operand, the encoder layer a decoder mirrors. */
export interface RelatedInfo {
  readonly node: string;
  /** What this node is to the finding, e.g. `"input 0 producer"`, `"encoder"`. */
  readonly role: string;
  readonly message: string;
  readonly location?: SourceLocation;
}

/** A problem a rule found in a model. */
export interface Finding {
  /** Rule id (kebab-case, stable; SARIF ruleId). */
  readonly ruleId: string;
  readonly severity: Severity;
  /** Key of the message template in the rule's `meta.messages`. */
  readonly messageId: string;
  /** Values of the template's placeholders. */
  readonly data: Readonly<Record<string, string | number>>;
  /** The filled template. */
  readonly message: string;
  /** Node or layer name the finding is about (`""` for whole-model findings). */
  readonly node: string;
  /** Its op type (`ConvTranspose`, `Conv2DTranspose`...). */
  readonly op: string;
  /** The shape (or the size) that should be there; `null` when not applicable. */
  readonly expected: readonly JsonDim[] | null;
  /** The shape (or the size) that is there; `null` when not applicable. */
  readonly actual: readonly JsonDim[] | null;
  /** Condition on symbolic sizes under which the finding holds, e.g. `"H % 8 != 0"`; `null` = always. */
  readonly condition: string | null;
  /** Computed repair, in the producing framework's terms; empty when there is none. */
  readonly fix: readonly FixStep[];
  readonly related: readonly RelatedInfo[];
  /** Where the node is in its file. */
  readonly location: SourceLocation;
  /** How the sizes got there, e.g. `28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32`. */
  readonly trail?: string;
}

/** A dim as JSON. */
export function jsonDim(d: Dim | null | undefined): JsonDim {
  if (d === null || d === undefined) return null;
  return typeof d === "number" ? d : formatDim(d);
}

/** A shape as JSON; `null` for an unknown rank. */
export function jsonShape(shape: Shape | null | undefined): JsonDim[] | null {
  if (shape === null || shape === undefined) return null;
  return shape.map(jsonDim);
}

/** `[1, 16, ceil(H/2), 7]` for messages; `?` for unknown dims, `[?]` for an unknown rank. */
export function formatShape(shape: Shape | readonly JsonDim[] | null | undefined): string {
  if (shape === null || shape === undefined) return "[?]";
  return `[${shape.map((d) => (d === null ? "?" : typeof d === "number" || typeof d === "string" ? String(d) : formatDim(d))).join(", ")}]`;
}

/** Rank of a severity: 0 for error, 2 for info. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
