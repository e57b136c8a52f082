/** Shape functions of Keras layers (domain "keras"); formulas come from conv-geometry.ts. */
import type { OpDef } from "../../define-op.js";

export const KERAS_OPS: readonly OpDef[] = [];
