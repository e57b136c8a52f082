#!/usr/bin/python3
"""Regenerate onnx-cases.json: single-node shape cases for the nn ops, with the output shapes
ONNX's own shape inference computes (Debian python3-onnx 1.12), and for pools and transposed
convolutions the sizes PyTorch 1.13 produces. Run with the Debian interpreter:

    /usr/bin/python3 test/shapes/nn/gen_onnx_cases.py > test/shapes/nn/onnx-cases.json

Most cases are ported from onnx's tests/python/shape_inference_test.py (named `onnx:<test>`).
Where our propagation deliberately follows the current ONNX spec instead of onnx 1.12's
inference, the case carries `ours` (the shape we produce) and `reason`; the TS test then asserts
`ours` and that onnx 1.12 still says `onnx` (so the difference stays documented and real).
CI has no Python: the JSON is committed.
"""
import json
import sys

import onnx
from onnx import TensorProto, helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def case(name, op, inputs, attrs=None, opset=17, outputs=1, ours=None, reason=None, torch=None, consts=None):
    return dict(name=name, op=op, opset=opset, inputs=inputs, attrs=attrs or {}, outputs=outputs,
                ours=ours, reason=reason, torch=torch, consts=consts or {})


CASES = [
    # --- Conv (onnx shape_inference_test.py)
    case("onnx:test_conv", "Conv", [[3, 4, 5, 6, 7], [5, 4, 2, 4, 3]], dict(pads=[0, 1, 1, 0, 0, 1], dilations=[1, 2, 2], strides=[1, 1, 2])),
    case("onnx:test_conv_1d_simple", "Conv", [[30, 4, 5], [50, 4, 2]], dict(dilations=[1])),
    case("onnx:test_conv_dilations", "Conv", [[30, 4, 8, 8, 8], [50, 4, 3, 3, 3]], dict(dilations=[1, 2, 3])),
    case("onnx:test_conv_strides", "Conv", [[30, 4, 8, 8, 8], [50, 4, 3, 3, 3]], dict(strides=[1, 2, 3])),
    case("onnx:test_conv_pads", "Conv", [[30, 4, 7, 6, 4], [50, 4, 3, 3, 3]], dict(pads=[1, 1, 2, 0, 1, 2])),
    case("onnx:test_conv_auto_pad", "Conv", [[30, 4, 7, 6, 4], [50, 4, 4, 3, 2]], dict(auto_pad="SAME_UPPER")),
    case("onnx:test_conv_auto_pads", "Conv", [[30, 4, 7, 6, 4], [50, 4, 4, 3, 2]], dict(auto_pad="SAME_UPPER", strides=[2, 2, 1])),
    case("onnx:test_conv_auto_pad_dilation", "Conv", [[30, 4, 65, 64, 63], [50, 4, 4, 3, 2]], dict(auto_pad="SAME_UPPER", dilations=[2, 3, 4])),
    case("onnx:test_conv_group", "Conv", [[30, 4, 8, 8, 8], [4, 1, 8, 8, 8]], dict(group=4)),
    case("onnx:test_conv_only_one_pos", "Conv", [[30, 4, 5], [50, 4, 5]], dict(strides=[2])),
    case("onnx:test_conv_partial_missing_shape", "Conv", [[30, 4, None, 6, 4], [50, 4, 3, 3, 3]], dict(pads=[1, 1, 2, 0, 1, 2])),
    case("conv_valid_stride3", "Conv", [[1, 1, 23, 23], [4, 1, 4, 4]], dict(strides=[3, 3], auto_pad="VALID")),
    case("conv_same_lower_odd", "Conv", [[1, 1, 7, 5], [1, 1, 3, 3]], dict(strides=[2, 2], auto_pad="SAME_LOWER")),
    case("conv_kernel_shape_attr", "Conv", [[1, 3, 28, 28], [8, 3, 5, 5]], dict(kernel_shape=[5, 5], strides=[2, 2], pads=[2, 2, 2, 2])),
    # --- ConvTranspose
    case("onnx:test_conv_transpose", "ConvTranspose", [[25, 48, 16, 16], [48, 32, 3, 3]], dict(strides=[2, 2]), torch=True),
    case("onnx:test_conv_transpose_with_pads", "ConvTranspose", [[25, 48, 16, 16], [48, 32, 3, 3]], dict(strides=[2, 2], pads=[1, 1, 2, 2])),
    case("onnx:test_conv_transpose_with_output_shape", "ConvTranspose", [[25, 48, 16, 16], [48, 32, 3, 3]], dict(strides=[2, 2], pads=[1, 1, 2, 2], output_shape=[36, 36])),
    case("onnx:test_conv_transpose_with_kernel_shape", "ConvTranspose", [[25, 48, 16, 16], [48, 32, None, None]], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 2, 2])),
    case("onnx:test_conv_transpose_with_dilations", "ConvTranspose", [[25, 48, 16, 16], [48, 32, 3, 3]], dict(strides=[2, 2], pads=[1, 1, 2, 2], dilations=[3, 3])),
    case("onnx:test_conv_transpose_with_group", "ConvTranspose", [[25, 48, 16, 16], [48, 32, 3, 3]], dict(strides=[2, 2], pads=[1, 1, 2, 2], group=2)),
    case("onnx:test_conv_transpose_with_group_and_output_shape", "ConvTranspose", [[25, 48, 16, 16], [48, 32, 3, 3]], dict(strides=[2, 2], pads=[1, 1, 2, 2], group=2, output_shape=[36, 36])),
    case("onnx:test_conv_transpose_auto_pads", "ConvTranspose", [[25, 48, 16, 16], [48, 32, 3, 3]], dict(auto_pad="SAME_UPPER", strides=[2, 2])),
    case("convt_output_padding", "ConvTranspose", [[1, 4, 7, 7], [4, 1, 4, 4]], dict(strides=[3, 3], output_padding=[1, 1]), torch=True),
    case("convt_pads_output_padding_dilation", "ConvTranspose", [[1, 2, 5, 6], [2, 3, 3, 2]], dict(strides=[2, 3], pads=[1, 0, 1, 1], output_padding=[1, 2], dilations=[2, 1]), torch=True),
    case("convt_valid", "ConvTranspose", [[1, 1, 8, 8], [1, 1, 3, 3]], dict(strides=[2, 2], auto_pad="VALID")),
    case("convt_1d", "ConvTranspose", [[2, 3, 10], [3, 5, 4]], dict(strides=[2], pads=[1, 1]), torch=True),
    case("convt_3d_group", "ConvTranspose", [[1, 4, 3, 4, 5], [4, 2, 3, 3, 3]], dict(strides=[1, 2, 3], group=2), torch=True),
    case("convt_same_lower_odd_kernel", "ConvTranspose", [[1, 1, 5, 5], [1, 1, 3, 3]], dict(strides=[2, 2], auto_pad="SAME_LOWER")),
    # D3: SAME_* with output_padding: onnx 1.12 inference i*s + op, spec i*s.
    case("convt_same_output_padding_D3", "ConvTranspose", [[1, 1, 4, 4], [1, 1, 3, 3]], dict(strides=[2, 2], auto_pad="SAME_UPPER", output_padding=[1, 1]),
         ours=[1, 1, 8, 8], reason="D3: spec SAME means o = i*s; onnx inference adds output_padding on top (onnx#4299)"),
    # D4: SAME with ek < s: onnx 1.12 inference F + op, spec i*s.
    case("convt_same_small_kernel_D4", "ConvTranspose", [[1, 1, 8, 8], [1, 1, 2, 2]], dict(strides=[3, 3], auto_pad="SAME_UPPER"),
         ours=[1, 1, 24, 24], reason="D4: spec SAME means o = i*s; onnx inference clamps the pad at 0 and gives F = s(i-1) + ek"),
    # D6: output_shape with N and C: onnx 1.12 returns no shape, onnxruntime uses the spatial part.
    case("convt_output_shape_full_form_D6", "ConvTranspose", [[1, 2, 3, 3], [2, 1, 3, 3]], dict(strides=[2, 2], output_shape=[1, 1, 7, 8]),
         ours=[1, 1, 7, 8], reason="D6: the onnxruntime kernel reads the spatial part of a rank+2 output_shape (onnxruntime 1.30 still refuses to load it: its ONNX inference rejects the size); onnx 1.12 inference gives up"),
    # D10: output_shape beyond F + op (the backend test's [10, 8] > F = [9, 7]).
    case("convt_output_shape_D10", "ConvTranspose", [[1, 1, 3, 3], [1, 2, 3, 3]], dict(strides=[3, 2], output_shape=[10, 8])),
    # --- Pools
    case("onnx:test_maxpool", "MaxPool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2])),
    case("onnx:test_maxpool_with_indices", "MaxPool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2]), outputs=2),
    case("onnx:test_maxpool_3D", "MaxPool", [[5, 3, 4, 4, 4]], dict(kernel_shape=[2, 2, 2])),
    case("onnx:test_maxpool_with_padding", "MaxPool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2], pads=[1, 1, 2, 2])),
    case("onnx:test_maxpool_with_padding_and_stride", "MaxPool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2], pads=[1, 1, 2, 2], strides=[2, 2])),
    case("onnx:test_maxpool_with_floor_mode", "MaxPool", [[32, 288, 35, 35]], dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=0), torch=True),
    case("onnx:test_maxpool_with_ceil_mode", "MaxPool", [[32, 288, 35, 35]], dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1), torch=True),
    case("onnx:test_maxpool_ceil", "MaxPool", [[1, 1, 4, 4]], dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), torch=True),
    case("onnx:test_maxpool_with_dilations", "MaxPool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2], dilations=[2, 2])),
    case("onnx:test_maxpool_with_same_upper_padding_and_stride", "MaxPool", [[5, 3, 4, 4]], dict(auto_pad="SAME_UPPER", kernel_shape=[2, 2], strides=[2, 2])),
    case("onnx:test_maxpool_with_same_upper_padding_and_stride_and_dilation", "MaxPool", [[5, 3, 4, 4]], dict(auto_pad="SAME_UPPER", kernel_shape=[2, 2], strides=[2, 2], dilations=[2, 3])),
    case("onnx:test_maxpool_with_same_upper_padding_and_stride_one", "MaxPool", [[5, 3, 4, 4]], dict(auto_pad="SAME_UPPER", kernel_shape=[2, 2], strides=[1, 1])),
    case("onnx:test_maxpool_with_same_lower_padding_and_stride", "MaxPool", [[5, 3, 9, 9]], dict(auto_pad="SAME_LOWER", kernel_shape=[2, 2], strides=[2, 2])),
    case("onnx:test_maxpool_with_same_lower_padding_and_stride_and_dilation", "MaxPool", [[5, 3, 9, 9]], dict(auto_pad="SAME_LOWER", kernel_shape=[2, 2], strides=[2, 2], dilations=[2, 3])),
    case("onnx:test_maxpool_with_same_lower_padding_and_big_stride", "MaxPool", [[5, 3, 4, 4]], dict(auto_pad="SAME_LOWER", kernel_shape=[2, 2], strides=[4, 4])),
    case("onnx:test_averagepool", "AveragePool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2])),
    case("onnx:test_averagepool_3D", "AveragePool", [[5, 3, 4, 4, 4]], dict(kernel_shape=[2, 2, 2])),
    case("onnx:test_averagepool_with_padding", "AveragePool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2], pads=[1, 1, 2, 2])),
    case("onnx:test_averagepool_with_padding_and_stride", "AveragePool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2], pads=[1, 1, 2, 2], strides=[2, 2])),
    case("onnx:test_averagepool_ceil", "AveragePool", [[1, 1, 4, 4]], dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), torch=True),
    case("onnx:test_average_pool_auto_pads", "AveragePool", [[30, 4, 7, 6, 4]], dict(auto_pad="SAME_UPPER", kernel_shape=[4, 3, 2], strides=[2, 2, 1])),
    case("onnx:test_lppool", "LpPool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2])),
    case("onnx:test_lppool_3D", "LpPool", [[5, 3, 4, 4, 4]], dict(kernel_shape=[2, 2, 2])),
    case("onnx:test_lppool_with_padding", "LpPool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2], pads=[1, 1, 2, 2])),
    case("onnx:test_lppool_with_padding_and_stride", "LpPool", [[5, 3, 4, 4]], dict(kernel_shape=[2, 2], pads=[1, 1, 2, 2], strides=[2, 2])),
    case("onnx:test_roipool", "MaxRoiPool", [[5, 3, 4, 4], [2, 5]], dict(pooled_shape=[2, 2])),
    case("onnx:test_global_maxpool", "GlobalMaxPool", [[5, 3, 4, 4]]),
    case("onnx:test_global_averagepool", "GlobalAveragePool", [[5, 3, 4, 4]]),
    case("onnx:test_global_lppool", "GlobalLpPool", [[5, 3, 4, 4]]),
    # D11: ceil_mode where the last window would start in the end padding (onnx PR #5741).
    case("maxpool_ceil_last_window_D11_a", "MaxPool", [[1, 1, 5, 5]], dict(kernel_shape=[3, 3], strides=[3, 3], pads=[1, 1, 1, 1], ceil_mode=1), torch=True,
         ours=[1, 1, 2, 2], reason="D11: onnx >= 1.16 and PyTorch drop a window starting in the end padding; onnx 1.12 keeps it"),
    case("avgpool_ceil_last_window_D11_b", "AveragePool", [[1, 1, 7, 7]], dict(kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1), torch=True,
         ours=[1, 1, 4, 4], reason="D11: onnx >= 1.16 and PyTorch drop a window starting in the end padding; onnx 1.12 keeps it"),
    case("maxpool_ceil_last_window_D11_c", "MaxPool", [[1, 1, 10, 10]], dict(kernel_shape=[3, 3], strides=[4, 4], pads=[1, 1, 1, 1], ceil_mode=1), torch=True,
         ours=[1, 1, 3, 3], reason="D11: onnx >= 1.16 and PyTorch drop a window starting in the end padding; onnx 1.12 keeps it"),
    case("maxpool_ceil_no_pad_reduce_D11_d", "MaxPool", [[1, 1, 2, 2]], dict(kernel_shape=[1, 1], strides=[2, 2], ceil_mode=1), torch=True,
         ours=[1, 1, 1, 1], reason="D11: onnx >= 1.16 (test_maxpool_2d_ceil_output_size_reduce_by_one) and PyTorch give 1; onnx 1.12 gives 2"),
    case("maxpool_ceil_kept", "MaxPool", [[1, 1, 6, 6]], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1), torch=True),
    case("maxunpool", "MaxUnpool", [[1, 1, 2, 2], [1, 1, 2, 2]], dict(kernel_shape=[2, 2], strides=[2, 2])),
    case("maxunpool_pads", "MaxUnpool", [[1, 3, 5, 6], [1, 3, 5, 6]], dict(kernel_shape=[3, 2], strides=[2, 3], pads=[1, 0, 0, 1])),
    # --- Normalization
    case("onnx:test_lp_norm", "LpNormalization", [[3, 4, 5, 6, 7]]),
    case("onnx:test_instance_norm", "InstanceNormalization", [[3, 4, 5, 6, 7], [4], [4]]),
    case("onnx:test_mvn_function_output_shape", "MeanVarianceNormalization", [[25, 48, 16, 16]], dict(axes=[0, 2, 3])),
    case("batchnorm", "BatchNormalization", [[2, 3, 4, 5], [3], [3], [3], [3]]),
    case("batchnorm_training", "BatchNormalization", [[2, 3, 4, 5], [3], [3], [3], [3]], dict(training_mode=1), outputs=3),
    case("layernorm_axis1", "LayerNormalization", [[2, 3, 4, 5], [3, 4, 5], [3, 4, 5]], dict(axis=1), outputs=3),
    case("layernorm_default", "LayerNormalization", [[2, 3, 4, 5], [5], [5]], outputs=3),
    case("lrn", "LRN", [[5, 5, 5, 5]], dict(size=3)),
    # --- Depth/space
    case("depthtospace", "DepthToSpace", [[2, 8, 3, 3]], dict(blocksize=2, mode="CRD")),
    case("spacetodepth", "SpaceToDepth", [[2, 2, 6, 6]], dict(blocksize=2)),
    # --- Resize / Upsample / Pad with constant inputs
    case("resize_scales_down", "Resize", [[1, 1, 4, 4], None, [4]], dict(mode="linear"), opset=13, consts={2: ("float", [1.0, 1.0, 0.6, 0.6])}),
    case("resize_scales_up_nonint", "Resize", [[1, 1, 5, 7], None, [4]], opset=13, consts={2: ("float", [1.0, 1.0, 2.5, 1.5])}),
    case("resize_scales_07", "Resize", [[1, 1, 10, 20], None, [4]], opset=13, consts={2: ("float", [1.0, 1.0, 0.7, 0.7])}),
    case("resize_sizes", "Resize", [[1, 1, 4, 4], None, None, [4]], opset=13, consts={3: ("int64", [1, 1, 9, 10])}),
    case("resize10_scales", "Resize", [[1, 1, 3, 5], [4]], opset=10, consts={1: ("float", [1.0, 1.0, 2.0, 3.0])}),
    case("resize18_axes_scales", "Resize", [[1, 3, 10, 12], None, [2]], dict(axes=[2, 3]), opset=18, consts={2: ("float", [0.5, 2.0])},
         ours=[1, 3, 5, 24], reason="opset 18 postdates onnx 1.12: checked by hand against the Resize-18 text (axes)"),
    case("resize18_not_larger", "Resize", [[1, 1, 4, 6], None, None, [4]], dict(keep_aspect_ratio_policy="not_larger"), opset=18, consts={3: ("int64", [1, 1, 7, 8])},
         ours=[1, 1, 4, 6], reason="opset 18 postdates onnx 1.12: without axes N and C count too: scale = min(1/1, 1/1, 7/4, 8/6) = 1"),
    case("resize18_not_larger_axes", "Resize", [[1, 1, 4, 6], None, None, [2]], dict(keep_aspect_ratio_policy="not_larger", axes=[2, 3]), opset=18, consts={3: ("int64", [7, 8])},
         ours=[1, 1, 5, 8], reason="opset 18 postdates onnx 1.12: scale = min(7/4, 8/6) = 4/3 (float32); round(5.33) = 5, round(8.0) = 8"),
    case("resize18_not_smaller_axes", "Resize", [[1, 1, 4, 6], None, None, [2]], dict(keep_aspect_ratio_policy="not_smaller", axes=[2, 3]), opset=18, consts={3: ("int64", [7, 8])},
         ours=[1, 1, 7, 11], reason="opset 18 postdates onnx 1.12: scale = max(7/4, 8/6) = 1.75; round(4*1.75) = 7, round(6*1.75) = 10.5 -> 11"),
    case("upsample9", "Upsample", [[1, 1, 2, 2], [4]], opset=9, consts={1: ("float", [1.0, 1.0, 2.0, 3.0])}),
    case("upsample7_attr", "Upsample", [[1, 1, 3, 5]], dict(scales=[1.0, 1.0, 2.0, 1.5]), opset=7),
    case("pad11", "Pad", [[1, 3, 4, 5], [8]], opset=13, consts={1: ("int64", [0, 0, 1, 3, 0, 0, 2, 4])}),
    case("pad11_negative", "Pad", [[1, 3, 8, 8], [8]], opset=13, consts={1: ("int64", [0, 0, -1, 2, 0, 0, -2, 0])}),
    case("pad18_axes", "Pad", [[1, 3, 8, 8], [4], None, [2]], opset=18, consts={1: ("int64", [1, 2, 3, 4]), 3: ("int64", [2, 3])},
         ours=[1, 3, 12, 14], reason="opset 18 postdates onnx 1.12: axes [2, 3], pads [1, 2, 3, 4] -> 8+1+3, 8+2+4"),
    case("pad2_attr", "Pad", [[2, 3]], dict(pads=[1, 0, 2, 5]), opset=2),
]


def run(c):
    ins, inits = [], []
    names = []
    for k, shp in enumerate(c["inputs"]):
        name = f"in{k}"
        if shp is None and k not in c["consts"]:
            names.append("")
            continue
        names.append(name)
        if k in c["consts"]:
            kind, vals = c["consts"][k]
            dt = F if kind == "float" else I64
            inits.append(helper.make_tensor(name, dt, [len(vals)], vals))
        else:
            ins.append(helper.make_tensor_value_info(name, F, shp))
    while names and names[-1] == "":
        names.pop()
    outs = [f"out{k}" for k in range(c["outputs"])]
    attrs = dict(c["attrs"])
    node = helper.make_node(c["op"], names, outs, **attrs)
    graph = helper.make_graph([node], "g", ins, [helper.make_empty_tensor_value_info(o) for o in outs], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", c["opset"])])
    if c["opset"] > onnx.defs.onnx_opset_version():
        return None, f"opset {c['opset']} is newer than onnx {onnx.__version__}"
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    except Exception as e:  # noqa: BLE001
        return None, str(e).splitlines()[0][:200]
    res = []
    for o in inferred.graph.output:
        t = o.type.tensor_type
        if not t.HasField("shape"):
            res.append(None)
            continue
        res.append([d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim])
    return res, None


def torch_shape(c):
    import torch
    import torch.nn.functional as Fn
    x = torch.zeros(c["inputs"][0])
    a = c["attrs"]
    n = len(c["inputs"][0]) - 2
    if c["op"] == "ConvTranspose":
        w = torch.zeros(c["inputs"][1])
        pads = a.get("pads", [0] * 2 * n)
        assert pads[:n] == pads[n:] or True
        fn = [Fn.conv_transpose1d, Fn.conv_transpose2d, Fn.conv_transpose3d][n - 1]
        # PyTorch pads symmetrically: emulate asymmetric pads by cropping the end.
        sym = [min(pads[i], pads[n + i]) for i in range(n)]
        y = fn(x, w, stride=a.get("strides", [1] * n), padding=sym, output_padding=a.get("output_padding", [0] * n),
               groups=a.get("group", 1), dilation=a.get("dilations", [1] * n))
        shape = list(y.shape)
        for i in range(n):
            shape[2 + i] -= pads[i] - sym[i] + pads[n + i] - sym[i]
        return shape
    if c["op"] in ("MaxPool", "AveragePool"):
        pads = a.get("pads", [0] * 2 * n)
        assert pads[:n] == pads[n:]
        if c["op"] == "MaxPool":
            fn = [Fn.max_pool1d, Fn.max_pool2d, Fn.max_pool3d][n - 1]
            y = fn(x, a["kernel_shape"], stride=a.get("strides", a["kernel_shape"] if False else [1] * n), padding=pads[:n],
                   dilation=a.get("dilations", [1] * n), ceil_mode=bool(a.get("ceil_mode", 0)))
        else:
            fn = [Fn.avg_pool1d, Fn.avg_pool2d, Fn.avg_pool3d][n - 1]
            y = fn(x, a["kernel_shape"], stride=a.get("strides", [1] * n), padding=pads[:n], ceil_mode=bool(a.get("ceil_mode", 0)))
        return list(y.shape)
    raise ValueError(c["op"])


out = []
for c in CASES:
    shapes, err = run(c)
    entry = dict(name=c["name"], op=c["op"], opset=c["opset"], inputs=c["inputs"], attrs=c["attrs"], outputs=c["outputs"],
                 consts={str(k): v for k, v in c["consts"].items()}, onnx=shapes, onnxError=err)
    if c["ours"] is not None:
        entry["ours"] = c["ours"]
        entry["reason"] = c["reason"]
    if c["torch"]:
        entry["torch"] = torch_shape(c)
    out.append(entry)
sys.stdout.write('{"generator": "test/shapes/nn/gen_onnx_cases.py", "onnx": "%s", "cases": [\n' % onnx.__version__)
sys.stdout.write(",\n".join(json.dumps(e) for e in out))
sys.stdout.write("\n]}\n")
