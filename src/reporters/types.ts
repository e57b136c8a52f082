/**
 * What reporters render: the findings of each file, or the reason a file could not be
 * analysed. Reporters are pure functions of these results plus rule metadata.
 */
import type { AnyRule } from "../lint/define-rule.js";
import type { Finding } from "../lint/finding.js";

/** Why a file could not be analysed (a `LoadError`, a bad binding, an internal error). */
export interface FileError {
  /** Stable code: a `LoadErrorCode`, or `INTERNAL_ERROR`. */
  readonly code: string;
  /** One line, with its location when known. */
  readonly message: string;
  /** Structured location (byte offset, JSON pointer, node, line/column). */
  readonly location?: {
    readonly byteOffset?: number;
    readonly pointer?: string;
    readonly node?: string;
    readonly line?: number;
    readonly column?: number;
  };
}

/** The outcome for one model file. */
export interface FileResult {
  /** Path as the user gave it (or as found under a given folder). */
  readonly file: string;
  /** Model family; `null` when the file could not be loaded. */
  readonly format: "onnx" | "keras" | null;
  readonly error: FileError | null;
  readonly findings: readonly Finding[];
}

/** Counts of findings by severity. */
export interface Summary {
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
}

/** The outcome of a lint run over several files. */
export interface LintResults {
  readonly files: readonly FileResult[];
  readonly summary: Summary;
}

/** Rule documentation a reporter may embed (SARIF `help`, `fullDescription`). */
export interface RuleDoc {
  /** The README as Markdown. */
  readonly markdown: string;
  /** The README's first paragraph under "What it checks", as plain text. */
  readonly fullDescription: string;
}

/** What reporters know besides the results. */
export interface ReporterContext {
  /** Every rule that could have reported (SARIF lists them all in `tool.driver.rules`). */
  readonly rules: readonly AnyRule[];
  /** Folder that relative paths are relative to (SARIF `%SRCROOT%`). */
  readonly cwd: string;
  /** Colour the output (stylish only). */
  readonly color?: boolean;
  /** shapelint's version. */
  readonly version?: string;
  /** README of each rule, by id, when available. */
  readonly docs?: ReadonlyMap<string, RuleDoc>;
}

/** Count findings by severity. */
export function summarize(files: readonly FileResult[]): Summary {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const f of files) {
    for (const x of f.findings) {
      if (x.severity === "error") errors++;
      else if (x.severity === "warning") warnings++;
      else infos++;
    }
  }
  return { errors, warnings, infos };
}
