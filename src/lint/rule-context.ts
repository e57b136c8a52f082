/**
 * What a rule sees: the model, what propagation recorded about it, the user's expectations, and
 * `report()`. Rules never format paths or final text; `report()` fills the message template and
 * turns dims into JSON.
 */
import type { Dim } from "../ir/dim.js";
import type { Model, Node, Shape, SourceLocation } from "../ir/graph.js";
import type { ShapeResult } from "../shapes/propagate.js";
import type { MessageData, Messages } from "./define-rule.js";
import type { FixStep, Framework, JsonDim } from "./finding.js";

/** A shape given by a rule: IR dims (converted with `formatDim`) or JSON dims. */
export type ShapeArg = Shape | readonly JsonDim[];

/** A fix step as a rule gives it: `from`/`to` may hold dims, which become JSON. */
export type FixArg = Omit<FixStep, "from" | "to"> & { readonly from: unknown; readonly to: unknown };

/** A related place, given by node or by name. */
export interface RelatedArg {
  readonly node: Node | string;
  readonly role: string;
  readonly message: string;
}

/** Fields every report may carry besides its message. */
interface ReportFields {
  /** The node the finding is about; a string for a value or output that has no node. */
  readonly node: Node | string;
  /** Op type when `node` is a string. */
  readonly op?: string;
  readonly expected?: ShapeArg | null;
  readonly actual?: ShapeArg | null;
  readonly condition?: string | null;
  readonly fix?: readonly FixArg[];
  readonly related?: readonly RelatedArg[];
  readonly trail?: string;
  /** Location when `node` is a string (e.g. a graph output). */
  readonly location?: SourceLocation;
}

/** One report: a message id of the rule, its placeholder values, and the finding's fields. */
export type ReportDescriptor<M extends Messages> = {
  [K in keyof M & string]: ReportFields & { readonly messageId: K; readonly data: MessageData<M[K]> };
}[keyof M & string];

/** The context a rule's `check` receives. */
export interface RuleContext<M extends Messages = Messages> {
  /** Id of the rule being run. */
  readonly id: string;
  readonly model: Model;
  readonly shapes: ShapeResult;
  /**
   * Output shapes the user requires (`--expect-output`, config `expectOutput`), by graph output
   * name; the key `""` means the first output. Symbol names are symbols (`H` is `sym("H")`).
   */
  readonly expectOutput: ReadonlyMap<string, Shape>;
  /** The framework that wrote the file, for phrasing fixes (see `producingFramework`). */
  readonly framework: Framework;
  /** Record a finding. */
  report(descriptor: ReportDescriptor<M>): void;
}

/** Convert a shape argument to JSON dims. */
export function toJsonShape(shape: ShapeArg | null | undefined, jsonDim: (d: Dim | null) => JsonDim): JsonDim[] | null {
  if (shape === null || shape === undefined) return null;
  return shape.map((d) => (d === null || typeof d === "number" || typeof d === "string" ? d : jsonDim(d)));
}
