/**
 * Which framework wrote a model file, so that fixes and range checks use that framework's rules
 * (peers.md D8: ONNX text `op < stride`, PyTorch `op < max(s, d)`, Keras `op < s`).
 */
import type { Model } from "../ir/graph.js";
import type { Framework } from "./finding.js";

/**
 * The producing framework of a model: Keras files are `keras` (TF.js layers files `tfjs`); ONNX
 * files are named after `producer_name` (`pytorch`, `keras2onnx` -> `keras`, `tf2onnx` -> `tf`),
 * else `onnx`.
 */
export function producingFramework(model: Model): Framework {
  if (model.format === "keras") return model.flavour === "tfjs" ? "tfjs" : "keras";
  const name = (model.producer?.name ?? "").toLowerCase();
  if (name.includes("pytorch") || name === "torch") return "pytorch";
  if (name.includes("keras2onnx")) return "keras";
  if (name.includes("tf2onnx") || name.includes("tensorflow")) return "tf";
  return "onnx";
}

/** Display name of a framework in fix lines. */
export function frameworkLabel(f: Framework): string {
  switch (f) {
    case "onnx":
      return "ONNX";
    case "pytorch":
      return "PyTorch";
    case "keras":
      return "Keras";
    case "tf":
      return "TensorFlow";
    case "tfjs":
      return "TF.js";
  }
}
