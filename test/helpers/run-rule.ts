/**
 * Test helper: load a model file, propagate (optionally binding input shapes), and run rules.
 */
import { resolve } from "node:path";
import type { AnyRule } from "../../src/lint/define-rule.js";
import type { Finding } from "../../src/lint/finding.js";
import { lint } from "../../src/lint/run-rules.js";
import { loadModelFile } from "../../src/loaders/index.js";
import { type InputBinding, propagate } from "../../src/shapes/propagate.js";

/** Repository root (this file is test/helpers/run-rule.ts). */
export const ROOT = resolve(import.meta.dirname, "../..");

/** Options of {@link runRules}. */
export interface RunOptions {
  /** Bind the first input (key `""`) or inputs by name. */
  readonly inputShape?: Readonly<Record<string, InputBinding>>;
  readonly expectOutput?: Readonly<Record<string, readonly (number | string | null)[]>>;
}

/** Findings of `rules` on the model at `path` (relative to the repository root). */
export async function runRules(path: string, rules: readonly AnyRule[], options: RunOptions = {}): Promise<Finding[]> {
  const model = await loadModelFile(resolve(ROOT, path));
  const inputShapes = new Map(Object.entries(options.inputShape ?? {}));
  const shapes = propagate(model, { inputShapes });
  return lint(model, shapes, { rules, expectOutput: new Map(Object.entries(options.expectOutput ?? {})) });
}
