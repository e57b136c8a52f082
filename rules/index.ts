/**
 * The rule registry: an explicit list, sorted by id. `test/lint/rules-meta.test.ts` compares it
 * with the `rules/<id>/` folders, so a rule cannot be added without being listed here.
 */
import type { AnyRule } from "../src/lint/define-rule.js";
import convChannelMismatch from "./conv-channel-mismatch/rule.js";
import declaredShapeMismatch from "./declared-shape-mismatch/rule.js";
import decoderOutputMismatch from "./decoder-output-mismatch/rule.js";
import inputSizeConstraint from "./input-size-constraint/rule.js";
import mergeShapeMismatch from "./merge-shape-mismatch/rule.js";
import nonpositiveDimension from "./nonpositive-dimension/rule.js";
import outputPaddingOutOfRange from "./output-padding-out-of-range/rule.js";
import runtimeSemanticsDivergence from "./runtime-semantics-divergence/rule.js";
import transposeOutputAmbiguous from "./transpose-output-ambiguous/rule.js";
import transposeOutputShapeInvalid from "./transpose-output-shape-invalid/rule.js";
import unsupportedOp from "./unsupported-op/rule.js";

/** Every rule, sorted by id. */
export const RULES: readonly AnyRule[] = [
  convChannelMismatch,
  declaredShapeMismatch,
  decoderOutputMismatch,
  inputSizeConstraint,
  mergeShapeMismatch,
  nonpositiveDimension,
  outputPaddingOutOfRange,
  runtimeSemanticsDivergence,
  transposeOutputAmbiguous,
  transposeOutputShapeInvalid,
  unsupportedOp,
];

/** Rules by id. */
export const RULES_BY_ID: ReadonlyMap<string, AnyRule> = new Map(RULES.map((r) => [r.meta.id, r]));
