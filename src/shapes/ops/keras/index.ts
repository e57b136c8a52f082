/**
 * Shape functions of Keras layers (domain `"keras"`, op type = canonical Keras class name; see
 * `names.ts`). The opset of the `keras` domain is the Keras major version whose semantics the
 * file follows (1, 2 or 3; TF.js files are 2). Every length formula comes from
 * `conv-geometry.ts`. Layers without an entry here (Lambda, TFOpLambda, custom layers) are
 * opaque: their outputs are unknown unless the file records them (the loader declares those).
 */
import type { OpDef } from "../../define-op.js";
import { KERAS_CONV_OPS } from "./conv.js";
import { KERAS_CORE_OPS } from "./core.js";
import { KERAS_MERGE_OPS } from "./merge.js";
import { KERAS_RNN_OPS, kerasWrapperOps } from "./recurrent.js";
import { KERAS_SPATIAL_OPS } from "./spatial.js";

const BASE: readonly OpDef[] = [...KERAS_CORE_OPS, ...KERAS_CONV_OPS, ...KERAS_SPATIAL_OPS, ...KERAS_MERGE_OPS, ...KERAS_RNN_OPS];

const byType = new Map<string, OpDef>();
for (const def of BASE) byType.set(def.type, def);
const WRAPPERS = kerasWrapperOps((type) => byType.get(type));
for (const def of WRAPPERS) byType.set(def.type, def);

/** Every Keras layer shape function. */
export const KERAS_OPS: readonly OpDef[] = [...BASE, ...WRAPPERS];

/** The Keras layer classes that have a shape function. */
export const KERAS_LAYER_TYPES: ReadonlySet<string> = new Set(byType.keys());
