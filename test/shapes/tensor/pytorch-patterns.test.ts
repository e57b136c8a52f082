/**
 * End-to-end shape-computing subgraphs as torch 1.13 `torch.onnx.export` (opset 13) writes them,
 * node for node (checked by exporting the modules named in each test with dynamic H and W).
 * The nn ops (MaxPool, ConvTranspose, Pad, Resize) come from index-nn.ts.
 */
import { describe, expect, it } from "vitest";
import { hasOp } from "../../../src/shapes/registry.js";
import { type DimSpec, GraphBuilder, at } from "./helpers.js";

const i64 = (g: GraphBuilder, v: number) => g.op("Constant", [], { value: at.tensor("int64", [], [v]) });
const i64v = (g: GraphBuilder, v: number[]) => g.op("Constant", [], { value: at.tensor("int64", [v.length], v, v.some((x) => !Number.isSafeInteger(x))) });

/** `x.size(axis)` as exported: Shape -> Gather(scalar). */
function size(g: GraphBuilder, x: string, axis: number): string {
  return g.op("Gather", [g.op("Shape", [x]), i64(g, axis)], { axis: at.int(0) });
}

/**
 * `F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])` with
 * `diffY = x2.size(2) - x1.size(2)`, `diffX = x2.size(3) - x1.size(3)` (Pytorch-UNet `Up`).
 */
function unetPad(g: GraphBuilder, x1: string, x2: string): { pads: string; padded: string } {
  const diffY = g.op("Sub", [size(g, x2, 2), size(g, x1, 2)]);
  const diffX = g.op("Sub", [size(g, x2, 3), size(g, x1, 3)]);
  const halfX = g.op("Cast", [g.op("Cast", [g.op("Div", [diffX, i64(g, 2)])], { to: at.int(7) })], { to: at.int(7) });
  const restX = g.op("Sub", [diffX, halfX]);
  const halfY = g.op("Cast", [g.op("Cast", [g.op("Div", [diffY, i64(g, 2)])], { to: at.int(7) })], { to: at.int(7) });
  const restY = g.op("Sub", [diffY, halfY]);
  const vec = () => g.op("Concat", [halfX, restX, halfY, restY].map((s) => g.op("Unsqueeze", [s, i64v(g, [0])])), { axis: at.int(0) });
  const first = vec();
  const second = vec();
  const n = g.op("Gather", [g.op("Shape", [first]), i64v(g, [0])], { axis: at.int(0) });
  const zeros = g.op("ConstantOfShape", [g.op("Sub", [i64(g, 8), n])], { value: at.tensor("int64", [1], [0]) });
  const all = g.op("Concat", [g.op("Cast", [second], { to: at.int(7) }), zeros], { axis: at.int(0) });
  const pairs = g.op("Reshape", [all, i64v(g, [-1, 2])]);
  const rev = g.op("Slice", [pairs, i64v(g, [-1]), i64v(g, [-9223372036854775807]), i64v(g, [0]), i64v(g, [-1])]);
  const flat = g.op("Reshape", [g.op("Transpose", [rev], { perm: at.ints([1, 0]) }), i64v(g, [-1])]);
  const pads = g.op("Cast", [flat], { to: at.int(7) });
  const padded = g.op("Pad", [x1, pads, ""], { mode: at.str("constant") });
  return { pads, padded };
}

/** `up(pool(x))`: MaxPool2d(2) then ConvTranspose2d(4, 4, 2, stride=2). */
function downUp(g: GraphBuilder, x: string): string {
  const p = g.op("MaxPool", [x], { kernel_shape: at.ints([2, 2]), strides: at.ints([2, 2]), pads: at.ints([0, 0, 0, 0]), ceil_mode: at.int(0) });
  const w = g.init("up.weight", "float32", [4, 4, 2, 2], []);
  const b = g.init("up.bias", "float32", [4], []);
  return g.op("ConvTranspose", [p, w, b], { kernel_shape: at.ints([2, 2]), strides: at.ints([2, 2]), pads: at.ints([0, 0, 0, 0]), dilations: at.ints([1, 1]), group: at.int(1) });
}

it("the nn ops these patterns use are registered", () => {
  for (const op of ["MaxPool", "ConvTranspose", "Pad", "Resize"]) expect(hasOp("", op)).toBe(true);
});

describe("x.view(x.size(0), -1)", () => {
  it("flattens to [N, C*h*w] with the batch size taken from Shape", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 16, 4, 4]);
    const n = g.op("Unsqueeze", [size(g, "x", 0), i64v(g, [0])]);
    const target = g.op("Concat", [n, i64v(g, [-1])], { axis: at.int(0) });
    const y = g.op("Reshape", ["x", target]);
    const r = g.run(13);
    expect(r.value(target)).toEqual(["N", "-1"]);
    expect(r.shape(y)).toEqual(["N", "256"]);
  });
});

describe("U-Net F.pad to the skip size (Shape -> Gather -> Sub -> Div -> Concat -> Pad)", () => {
  function build(shape: DimSpec[]) {
    const g = new GraphBuilder();
    g.input("x", shape);
    const x1 = downUp(g, "x");
    const { pads, padded } = unetPad(g, x1, "x");
    const y = g.op("Concat", ["x", padded], { axis: at.int(1) });
    return { r: g.run(13), x1, pads, padded, y };
  }

  it("pads 2*floor(H/2) back to exactly H for every symbolic size: the model is clean", () => {
    const { r, x1, pads, padded, y } = build(["N", 4, "H", "W"]);
    expect(r.shape(x1)).toEqual(["N", "4", "2*floor(H/2)", "2*floor(W/2)"]);
    expect(r.value(pads)).toEqual(["0", "0", "0", "0", "0", "0", "H - 2*floor(H/2)", "W - 2*floor(W/2)"]);
    expect(r.shape(padded)).toEqual(["N", "4", "H", "W"]);
    expect(r.shape(y)).toEqual(["N", "8", "H", "W"]);
    expect(r.codes()).toEqual([]);
  });

  it("at 23x22 the pads are [.., 1, 0] and the concat is exact", () => {
    const { r, x1, pads, y } = build([1, 4, 23, 22]);
    expect(r.shape(x1)).toEqual(["1", "4", "22", "22"]);
    expect(r.value(pads)).toEqual(["0", "0", "0", "0", "0", "0", "1", "0"]);
    expect(r.shape(y)).toEqual(["1", "8", "23", "22"]);
    expect(r.codes()).toEqual([]);
  });

  it("without the pad the skip connection is provably broken at 23 (Concat 23 vs 22)", () => {
    const g = new GraphBuilder();
    g.input("x", [1, 4, 23, 22]);
    const y = g.op("Concat", ["x", downUp(g, "x")], { axis: at.int(1) });
    const r = g.run(13);
    expect(r.shape(y)).toEqual(["1", "8", "?", "22"]);
    expect(r.codes()).toEqual(["CONCAT_MISMATCH"]);
    expect(r.r.contradictions[0]!.data).toMatchObject({ axis: 2, dims: [23, 22] });
  });
});

describe("F.interpolate(y, size=x.shape[2:]) (Shape -> Gather -> Concat -> Resize sizes)", () => {
  function build() {
    const g = new GraphBuilder();
    g.input("x", ["N", 4, "H", "W"]);
    const y = g.op("MaxPool", ["x"], { kernel_shape: at.ints([2, 2]), strides: at.ints([2, 2]), pads: at.ints([0, 0, 0, 0]), ceil_mode: at.int(0) });
    const hw = g.op("Concat", [g.op("Unsqueeze", [size(g, "x", 2), i64v(g, [0])]), g.op("Unsqueeze", [size(g, "x", 3), i64v(g, [0])])], { axis: at.int(0) });
    const nc = g.op("Slice", [g.op("Shape", [y]), i64v(g, [0]), i64v(g, [2]), i64v(g, [0])]);
    const sizes = g.op("Concat", [nc, g.op("Cast", [hw], { to: at.int(7) })], { axis: at.int(0) });
    const up = g.op("Resize", [y, "", "", sizes], { coordinate_transformation_mode: at.str("asymmetric"), cubic_coeff_a: at.float(-0.75), mode: at.str("nearest"), nearest_mode: at.str("floor") });
    const cat = g.op("Concat", ["x", up], { axis: at.int(1) });
    return { r: g.run(13), sizes, up, cat };
  }

  it("computes the sizes value exactly and Resize restores the skip size: the concat is clean", () => {
    const { r, sizes, up, cat } = build();
    expect(r.value(sizes)).toEqual(["N", "4", "H", "W"]);
    expect(r.shape(up)).toEqual(["N", "4", "H", "W"]);
    expect(r.shape(cat)).toEqual(["N", "8", "H", "W"]);
    expect(r.codes()).toEqual([]);
  });
});

describe("floor of a float size (interpolate(scale_factor=1.5, recompute_scale_factor=True))", () => {
  it("floor(Cast(H) * 1.5) is H + floor(H/2), exactly", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 4, "H", "W"]);
    const scaled = (axis: number) => {
      const f = g.op("Mul", [g.op("Cast", [size(g, "x", axis)], { to: at.int(1) }), g.op("Constant", [], { value: at.tensor("float32", [], [1.5]) })]);
      return g.op("Floor", [g.op("Cast", [f], { to: at.int(1) })]);
    };
    const h = scaled(2);
    const w = scaled(3);
    const hw = g.op("Concat", [g.op("Unsqueeze", [h, i64v(g, [0])]), g.op("Unsqueeze", [w, i64v(g, [0])])], { axis: at.int(0) });
    const nc = g.op("Slice", [g.op("Shape", ["x"]), i64v(g, [0]), i64v(g, [2]), i64v(g, [0])]);
    const sizes = g.op("Concat", [nc, g.op("Cast", [hw], { to: at.int(7) })], { axis: at.int(0) });
    const r = g.run(13);
    expect(r.value(h)).toEqual(["H + floor(H/2)"]);
    expect(r.value(sizes)).toEqual(["N", "4", "H + floor(H/2)", "W + floor(W/2)"]);
  });

  it("x[:, :, :floor(size / 2.0)] slices to floor(H/2)", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 4, "H", "W"]);
    const half = g.op("Floor", [g.op("Div", [g.op("Cast", [size(g, "x", 2)], { to: at.int(1) }), g.op("Constant", [], { value: at.tensor("float32", [], [2]) })])]);
    const end = g.op("Unsqueeze", [g.op("Cast", [half], { to: at.int(7) }), i64v(g, [0])]);
    const y = g.op("Slice", ["x", i64v(g, [0]), end, i64v(g, [2]), i64v(g, [1])]);
    expect(g.run(13).shape(y)).toEqual(["N", "4", "floor(H/2)", "W"]);
  });
});
