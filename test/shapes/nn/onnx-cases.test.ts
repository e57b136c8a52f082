/**
 * Single-node cases (most ported from onnx tests/python/shape_inference_test.py) whose expected
 * shapes were computed by ONNX's own shape inference (onnx 1.12) and, for pools and transposed
 * convolutions, by PyTorch 1.13: see gen_onnx_cases.py, which wrote onnx-cases.json. Where we
 * deliberately follow the current spec instead of onnx 1.12, the case says so (`ours`, `reason`)
 * and this test also checks that onnx 1.12 really answered differently.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { DType } from "../../../src/ir/dtype.js";
import { type AttrValue, type InitSpec, type InputSpec, floats, infer, node } from "../../helpers/ir-builder.js";

interface Case {
  readonly name: string;
  readonly op: string;
  readonly opset: number;
  readonly inputs: readonly ((number | null)[] | null)[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly outputs: number;
  readonly consts: Readonly<Record<string, [string, number[]]>>;
  readonly onnx: ((number | null)[] | null)[] | null;
  readonly onnxError: string | null;
  readonly ours?: number[];
  readonly reason?: string;
  readonly torch?: number[];
}

const data = JSON.parse(readFileSync(new URL("./onnx-cases.json", import.meta.url), "utf8")) as { onnx: string; cases: Case[] };
/** Attributes that are floats even when their values are whole numbers. */
const FLOAT_ATTRS = new Set(["scales"]);

function run(c: Case) {
  const inputs: Record<string, InputSpec> = {};
  const initializers: Record<string, InitSpec> = {};
  const names = c.inputs.map((shape, k) => {
    const name = `in${k}`;
    const konst = c.consts[String(k)];
    if (konst) {
      const dtype: DType = konst[0] === "float" ? "float32" : "int64";
      initializers[name] = { dims: [konst[1].length], dtype, values: konst[1] };
      return name;
    }
    if (shape === null) return "";
    inputs[name] = shape;
    return name;
  });
  while (names.length > 0 && names[names.length - 1] === "") names.pop();
  const attrs: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(c.attrs)) attrs[k] = FLOAT_ATTRS.has(k) && Array.isArray(v) ? floats(v as number[]) : v;
  const outs = Array.from({ length: c.outputs }, (_, k) => `out${k}`);
  return { r: infer({ opset: c.opset, inputs, initializers, nodes: [node(c.op, names, outs, attrs)] }), outs };
}

const fmt = (s: readonly (number | null)[] | null | undefined) => (s === null || s === undefined ? "unknown" : `[${s.map((d) => (d === null ? "?" : String(d))).join(", ")}]`);

describe(`nn op shapes against onnx ${data.onnx} shape inference and PyTorch`, () => {
  it("has the generated cases", () => expect(data.cases.length).toBeGreaterThan(80));
  for (const c of data.cases) {
    it(`${c.name} (${c.op}-${c.opset})`, () => {
      const { r, outs } = run(c);
      expect(r.codes()).toEqual([]);
      if (c.ours) {
        expect(r.shape(outs[0]!)).toBe(fmt(c.ours));
        expect(c.reason).toBeTruthy();
        // The documented difference is real: onnx 1.12 gave something else (or nothing).
        if (c.onnx !== null) expect(fmt(c.onnx[0])).not.toBe(fmt(c.ours));
      } else {
        expect(c.onnx, c.onnxError ?? "").not.toBeNull();
        c.onnx!.forEach((s, k) => {
          const got = r.info(outs[k]!)?.shape ?? null;
          expect(got?.length, `rank of output ${k}`).toBe(s?.length);
          // onnx leaves a dim empty where its input dim is unknown; ours is then an expression of
          // the input's symbol, never a number.
          s!.forEach((d, a) => (d === null ? expect(typeof got![a], `output ${k} axis ${a}`).toBe("object") : expect(got![a], `output ${k} axis ${a}`).toBe(d)));
        });
      }
      if (c.torch) expect(r.shape(outs[0]!)).toBe(fmt(c.torch));
    });
  }
});
