/**
 * The rule registry: an explicit list, sorted by id. `test/lint/rules-meta.test.ts` compares it
 * with the `rules/<id>/` folders, so a rule cannot be added without being listed here.
 */
import type { AnyRule } from "../src/lint/define-rule.js";
import decoderOutputMismatch from "./decoder-output-mismatch/rule.js";
import inputSizeConstraint from "./input-size-constraint/rule.js";
import transposeOutputAmbiguous from "./transpose-output-ambiguous/rule.js";

/** Every rule, sorted by id. */
export const RULES: readonly AnyRule[] = [
  decoderOutputMismatch as unknown as AnyRule,
  inputSizeConstraint as unknown as AnyRule,
  transposeOutputAmbiguous as unknown as AnyRule,
];

/** Rules by id. */
export const RULES_BY_ID: ReadonlyMap<string, AnyRule> = new Map(RULES.map((r) => [r.meta.id, r]));
