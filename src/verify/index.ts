/**
 * `verify`: run a model on the CPU reference kernel, compare every runtime shape with the
 * static one, confirm the findings and verify their fixes by running a fixed copy.
 */
export { DEFAULT_SIZES, VERIFIED_RULES, VerifyError, formatDims, verifyModel } from "./verify.js";
export type {
  ChosenSize,
  Discrepancy,
  FindingCheck,
  FindingStatus,
  RunFailure,
  RunReport,
  ValueCheck,
  ValueStatus,
  VerifyOptions,
  VerifyProgress,
  VerifyResult,
} from "./verify.js";
export { LoweringError, lowerKeras } from "./keras-lowering.js";
export type { LoweredModel } from "./keras-lowering.js";
export { evalJsonDim, evalJsonShape } from "./formula.js";
export type { SizeEnv } from "./formula.js";
