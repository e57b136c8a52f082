/**
 * One model file from path to findings: load, propagate with the user's input shapes, run the
 * rules. Every failure becomes the file's `error`, so one bad file never stops a batch.
 */
import type { Model } from "../ir/graph.js";
import { loadModelFile } from "../loaders/index.js";
import { LoadError } from "../loaders/load-error.js";
import { type InputBinding, type ShapeResult, propagate } from "../shapes/propagate.js";
import type { FileResult } from "../reporters/types.js";
import type { AnyRule } from "./define-rule.js";
import type { SeveritySetting } from "./finding.js";
import { type ShapeSpec, lint } from "./run-rules.js";

/** Options of {@link analyseFile} and {@link analyseModel}. */
export interface AnalyseOptions {
  readonly rules: readonly AnyRule[];
  readonly severities?: ReadonlyMap<string, SeveritySetting>;
  /** Input bindings by input name (`""` = the first input). */
  readonly inputShapes?: ReadonlyMap<string, ShapeSpec>;
  /** Required output shapes by output name (`""` = the first output). */
  readonly expectOutput?: ReadonlyMap<string, ShapeSpec>;
}

/** The outcome of analysing one file, with the loaded model and shapes when it got that far. */
export interface Analysis {
  readonly result: FileResult;
  readonly model: Model | null;
  readonly shapes: ShapeResult | null;
  /** The exception behind an `INTERNAL_ERROR`, for `SHAPELINT_DEBUG` stacks. */
  readonly exception?: unknown;
}

function errorResult(file: string, format: FileResult["format"], e: unknown): { result: FileResult; exception?: unknown } {
  if (e instanceof LoadError) {
    const location = e.location;
    return {
      result: {
        file,
        format,
        error: { code: e.code, message: e.describe(), ...(Object.keys(location).length > 0 ? { location } : {}) },
        findings: [],
      },
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { result: { file, format, error: { code: "INTERNAL_ERROR", message: `internal error: ${message}` }, findings: [] }, exception: e };
}

/** Propagate and lint an already loaded model. */
export function analyseModel(model: Model, options: AnalyseOptions, file: string = model.file): Analysis {
  let shapes: ShapeResult | null = null;
  try {
    const inputShapes = new Map<string, InputBinding>(options.inputShapes ?? []);
    shapes = propagate(model, { inputShapes });
    for (const [name, spec] of options.expectOutput ?? []) {
      const out = name === "" ? model.graph.outputs[0] : model.graph.outputs.find((o) => o.name === name);
      const outputs = model.graph.outputs.map((o) => o.name).join(", ") || "none";
      if (!out) throw new LoadError("BAD_ARGUMENT", `--expect-output names '${name}', which is not a graph output (outputs: ${outputs})`);
      const rank = shapes.values.get(out.name)?.shape?.length;
      if (rank !== undefined && rank !== spec.length) throw new LoadError("BAD_ARGUMENT", `--expect-output for '${out.name}' has ${spec.length} dims but the output has rank ${rank}`);
    }
    const findings = lint(model, shapes, {
      rules: options.rules,
      ...(options.severities ? { severities: options.severities } : {}),
      ...(options.expectOutput ? { expectOutput: options.expectOutput } : {}),
    });
    return { result: { file, format: model.format, error: null, findings }, model, shapes };
  } catch (e) {
    return { ...errorResult(file, model.format, e), model, shapes };
  }
}

/** Load, propagate and lint one file. Never throws. */
export async function analyseFile(path: string, options: AnalyseOptions, displayName: string = path): Promise<Analysis> {
  let model: Model;
  try {
    model = await loadModelFile(path, { displayName });
  } catch (e) {
    return { ...errorResult(displayName, null, e), model: null, shapes: null };
  }
  return analyseModel(model, options, displayName);
}
