#!/usr/bin/env python3
"""Generate the binary Keras fixtures in test/fixtures/keras/ (HDF5 and .keras zip files).

    /usr/bin/python3 scripts/gen_keras_fixtures.py

Needs h5py (Debian python3-h5py 3.7) and numpy; no Keras or TensorFlow. The HDF5 layout copies
what Keras writes with model.save("x.h5") (KERAS_JSON.md section 7): root attributes
model_config (JSON text), keras_version, backend, and a model_weights group; files written by
save_weights() have only the weights attributes. The .keras archives follow Keras 3
saving_lib.py: metadata.json, config.json, model.weights.h5 in a zip, stored (not deflated).
The outputs are committed; CI has no Python.
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "test", "fixtures", "keras")


def conv(name, filters, k, s, padding, inbound, transpose=False, output_padding=None):
    cfg = {
        "name": name,
        "trainable": True,
        "dtype": "float32",
        "filters": filters,
        "kernel_size": [k, k],
        "strides": [s, s],
        "padding": padding,
        "data_format": "channels_last",
        "dilation_rate": [1, 1],
        "groups": 1,
        "activation": "relu",
        "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }
    if transpose:
        cfg["output_padding"] = output_padding
    return {
        "class_name": "Conv2DTranspose" if transpose else "Conv2D",
        "config": cfg,
        "name": name,
        "inbound_nodes": [[[inbound, 0, 0, {}]]],
    }


def keras2_autoencoder():
    """tf.keras 2.4 functional MNIST autoencoder: 28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32 (the decoder overshoots)."""
    layers = [
        {
            "class_name": "InputLayer",
            "config": {"batch_input_shape": [None, 28, 28, 1], "dtype": "float32", "sparse": False, "ragged": False, "name": "image"},
            "name": "image",
            "inbound_nodes": [],
        },
        conv("enc1", 8, 3, 2, "same", "image"),
        conv("enc2", 8, 3, 2, "same", "enc1"),
        conv("enc3", 8, 3, 2, "same", "enc2"),
        conv("dec1", 8, 3, 2, "same", "enc3", transpose=True),
        conv("dec2", 8, 3, 2, "same", "dec1", transpose=True),
        conv("dec3", 8, 3, 2, "same", "dec2", transpose=True),
        conv("out", 1, 3, 1, "same", "dec3"),
    ]
    return {
        "class_name": "Functional",
        "config": {"name": "autoencoder", "layers": layers, "input_layers": [["image", 0, 0]], "output_layers": [["out", 0, 0]]},
    }


def policy(name="float32"):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def ktensor(shape, layer):
    return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32", "keras_history": [layer, 0, 0]}}


def keras3_h5_config():
    """Keras 3 writing .h5: legacy entries (no module/registered_name/build_config) but args/kwargs nodes,
    batch_shape and DTypePolicy objects (KERAS_JSON.md section 4). Spatial dims unknown."""
    def layer(cls, name, cfg, inbound_shape, inbound):
        base = {"name": name, "trainable": True, "dtype": policy()}
        base.update(cfg)
        return {"class_name": cls, "config": base, "name": name,
                "inbound_nodes": [{"args": [ktensor(inbound_shape, inbound)], "kwargs": {}}]}
    layers = [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, None, None, 3], "dtype": "float32", "sparse": False, "name": "img"},
         "name": "img", "inbound_nodes": []},
        layer("Conv2D", "down", {"filters": 16, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same",
                                  "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                                  "activation": "relu", "use_bias": True}, [None, None, None, 3], "img"),
        layer("Conv2DTranspose", "up", {"filters": 3, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same",
                                         "output_padding": [1, 1], "data_format": "channels_last", "dilation_rate": [1, 1],
                                         "activation": "sigmoid", "use_bias": True}, [None, None, None, 16], "down"),
    ]
    return {"class_name": "Functional",
            "config": {"name": "k3_h5", "trainable": True, "layers": layers,
                       "input_layers": [["img", 0, 0]], "output_layers": [["up", 0, 0]]}}


def keras3_nested_offsets():
    """Keras 3.15-style functional with a nested Functional encoder/decoder and a nested Sequential
    head: node refs without offset (["encoder", 0, 0]); output_layers as a dict, with the k-1
    offset for the nested Functional (["decoder", 1, 0]) and none for the Sequential; input_layers
    as a bare triple (KERAS_JSON.md section 10). The decoder's second Conv2DTranspose has
    output_padding [1, 1] (serialized from 3.15), giving 28 from 14."""
    def kt(shape, h):
        return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32", "keras_history": h}}

    def layer(cls, name, cfg, args, bc):
        c = {"name": name, "trainable": True, "dtype": policy()}
        c.update(cfg)
        return {"module": "keras.layers", "class_name": cls, "config": c, "registered_name": None,
                "build_config": {"input_shape": bc}, "name": name, "inbound_nodes": [{"args": args, "kwargs": {}}]}

    def conv2(name, f, shape_in, src, cls="Conv2D", op="absent"):
        cfg = {"filters": f, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "data_format": "channels_last",
               "dilation_rate": [1, 1], "activation": "relu", "use_bias": True,
               "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}, "registered_name": None},
               "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
               "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
               "kernel_constraint": None, "bias_constraint": None}
        if cls == "Conv2D":
            cfg["groups"] = 1
        if op != "absent":
            cfg["output_padding"] = op
        return layer(cls, name, cfg, [kt(shape_in, [src, 0, 0])], shape_in)

    def inp(name, shape):
        return {"module": "keras.layers", "class_name": "InputLayer",
                "config": {"batch_shape": shape, "dtype": "float32", "sparse": False, "name": name},
                "registered_name": None, "name": name, "inbound_nodes": []}

    def functional(name, layers, out, call_src, shape):
        return {"module": "keras.src.models.functional", "class_name": "Functional",
                "config": {"name": name, "trainable": True, "layers": layers,
                           "input_layers": [["input_layer", 0, 0]], "output_layers": [[out, 0, 0]]},
                "registered_name": "Functional", "build_config": {"input_shape": shape}, "name": name,
                "inbound_nodes": [{"args": [kt(shape, [call_src, 0, 0])], "kwargs": {"mask": None}}]}

    encoder = functional("encoder", [inp("input_layer", [None, 28, 28, 1]),
                                     conv2("conv_1", 8, [None, 28, 28, 1], "input_layer"),
                                     conv2("conv_2", 8, [None, 14, 14, 8], "conv_1")], "conv_2", "image", [None, 28, 28, 1])
    decoder = functional("decoder", [inp("input_layer", [None, 7, 7, 8]),
                                     conv2("up_1", 8, [None, 7, 7, 8], "input_layer", cls="Conv2DTranspose", op=None),
                                     conv2("up_2", 1, [None, 14, 14, 8], "up_1", cls="Conv2DTranspose", op=[1, 1])],
                         "up_2", "encoder", [None, 7, 7, 8])
    head = {"module": "keras", "class_name": "Sequential",
            "config": {"name": "head", "trainable": True, "dtype": policy(), "layers": [
                {"module": "keras.layers", "class_name": "InputLayer",
                 "config": {"batch_shape": [None, 7, 7, 8], "dtype": "float32", "sparse": False, "name": "head_input"}, "registered_name": None},
                {"module": "keras.layers", "class_name": "Flatten",
                 "config": {"name": "flatten", "trainable": True, "dtype": policy(), "data_format": "channels_last"},
                 "registered_name": None, "build_config": {"input_shape": [None, 7, 7, 8]}},
                {"module": "keras.layers", "class_name": "Dense",
                 "config": {"name": "logits", "trainable": True, "dtype": policy(), "units": 10, "activation": "linear", "use_bias": True},
                 "registered_name": None, "build_config": {"input_shape": [None, 392]}}],
                "build_input_shape": [None, 7, 7, 8]},
            "registered_name": None, "build_config": {"input_shape": [None, 7, 7, 8]}, "name": "head",
            "inbound_nodes": [{"args": [kt([None, 7, 7, 8], ["encoder", 0, 0])], "kwargs": {"mask": None}}]}
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": "autoencoder", "trainable": True, "layers": [inp("image", [None, 28, 28, 1]), encoder, decoder, head],
                       "input_layers": ["image", 0, 0],
                       "output_layers": {"recon": ["decoder", 1, 0], "logits": ["head", 0, 0]}},
            "registered_name": "Functional", "build_config": {"input_shape": None}, "compile_config": None}


def write_h5(path, config, version, as_bytes=False):
    with h5py.File(path, "w") as f:
        text = json.dumps(config)
        if as_bytes:
            # Older writers (h5py 2 / Keras 2.0) stored fixed-length byte strings.
            f.attrs["model_config"] = np.bytes_(text.encode("utf-8"))
            f.attrs["keras_version"] = np.bytes_(version.encode())
            f.attrs["backend"] = np.bytes_(b"tensorflow")
        else:
            f.attrs["model_config"] = text
            f.attrs["keras_version"] = version
            f.attrs["backend"] = "tensorflow"
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"enc1", b"out"]
        g.attrs["backend"] = b"tensorflow"
        g.attrs["keras_version"] = version.encode()
        g.create_dataset("enc1/enc1/kernel:0", data=np.zeros((3, 3, 1, 8), dtype="float32"))


def weights_only(path):
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"dense", b"dense_1"]
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.4.0"
        f.create_dataset("dense/dense/kernel:0", data=np.zeros((4, 2), dtype="float32"))


def h5_bytes(config, version):
    bio = io.BytesIO()
    with h5py.File(bio, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = version
    return bio.getvalue()


def keras_zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in members:
            z.writestr(name, data)


def main():
    os.makedirs(OUT, exist_ok=True)
    k2 = keras2_autoencoder()
    write_h5(os.path.join(OUT, "h5-vlen-autoencoder.h5"), k2, "2.4.0")
    write_h5(os.path.join(OUT, "h5-fixed-autoencoder.h5"), k2, "2.1.6", as_bytes=True)
    write_h5(os.path.join(OUT, "h5-keras3.h5"), keras3_h5_config(), "3.4.1")
    weights_only(os.path.join(OUT, "h5-weights-only.h5"))
    good = open(os.path.join(OUT, "h5-vlen-autoencoder.h5"), "rb").read()
    # Cut after the superblock and the root object header: the superblock's end-of-file address is past the end.
    open(os.path.join(OUT, "h5-truncated.h5"), "wb").write(good[:2048])
    # A valid signature followed by garbage.
    open(os.path.join(OUT, "h5-corrupt.h5"), "wb").write(good[:8] + bytes(range(256)) * 4)

    k3cfg = keras3_nested_offsets()
    with open(os.path.join(OUT, "k3-nested-offsets.json"), "w") as f:
        json.dump(k3cfg, f, indent=2)
    meta = json.dumps({"keras_version": "3.15.0", "date_saved": "2026-01-01@00:00:00"})
    weights = h5_bytes({"note": "weights stand-in"}, "3.15.0")
    # The same Keras 3.15 model as a .keras archive, its config deflated to test that path.
    keras_zip(os.path.join(OUT, "zip-deflated.keras"), [("metadata.json", meta), ("config.json", json.dumps(k3cfg)), ("model.weights.h5", weights)],
              compression=zipfile.ZIP_DEFLATED)
    keras_zip(os.path.join(OUT, "zip-no-config.keras"), [("metadata.json", meta), ("model.weights.h5", weights)])
    full = io.BytesIO()
    with zipfile.ZipFile(full, "w") as z:
        z.writestr("metadata.json", meta)
        z.writestr("config.json", json.dumps(k3cfg))
        z.writestr("model.weights.h5", weights)
    data = full.getvalue()
    open(os.path.join(OUT, "zip-truncated.keras"), "wb").write(data[: len(data) // 2])
    # Central directory overwritten (end record intact): the member list cannot be read.
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        cd_start = min(i.header_offset for i in z.infolist()) + sum(30 + len(i.filename) + i.compress_size for i in z.infolist())
    bad_cd = bytearray(data)
    bad_cd[cd_start:cd_start + 16] = b"\xde\xad\xbe\xef" * 4
    open(os.path.join(OUT, "zip-corrupt.keras"), "wb").write(bytes(bad_cd))
    # The local header of config.json overwritten: the directory is fine, the member is not.
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        off = z.getinfo("config.json").header_offset
    bad_member = bytearray(data)
    bad_member[off:off + 4] = b"XXXX"
    open(os.path.join(OUT, "zip-bad-member.keras"), "wb").write(bytes(bad_member))
    # A stored config.json whose bytes are not JSON.
    keras_zip(os.path.join(OUT, "zip-bad-json.keras"), [("metadata.json", meta), ("config.json", '{"class_name": "Functional",\n  "config": {"layers": [}\n}')])


if __name__ == "__main__":
    main()
