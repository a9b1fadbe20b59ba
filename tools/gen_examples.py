#!/usr/bin/env python3
"""Generate etpu's example models as flatc JSON: examples/src/<name>.json.

Each model is built the way TensorFlow's TFLite converter (post-training full
integer quantization) would write it, so the examples look like real converter
output while staying small enough to read:

  * float weights come from a seeded pseudo-random generator (Python's
    random.Random.random(), whose sequence is stable across Python versions);
  * a tiny float reference forward pass over a few seeded calibration inputs
    gives each activation tensor its [min, max] range, from which the int8
    scale / zero point are derived as the converter does (range widened to
    contain 0, scale = (max - min) / 255, zero point rounded and clamped);
  * conv filters are int8, symmetric, per output channel (quantized_dimension
    0); FC weights are int8 symmetric per tensor; biases are int32 with
    scale = input_scale * weight_scale and zero point 0;
  * pooling / reshape / squeeze / expand_dims outputs reuse the input's
    quantization, SOFTMAX int8 output is fixed at scale 1/256, zero point -128;
  * tensor order is: graph inputs, constants, activations (like the converter),
    every tensor gets its own buffer (empty for activations), buffer 0 is the
    empty sentinel and the last buffer holds the 16-byte NUL-padded
    "min_runtime_version" string;
  * operator versions follow TFLite's op_version rules for the types used.

The JSON files are committed; examples/CMakeLists.txt turns them into .tflite
files with `flatc -b`.  Run this script again after changing a model:

    python3 tools/gen_examples.py            # rewrite examples/src/*.json
    python3 tools/gen_examples.py --check    # exit 1 if a file is out of date

Standard library only.  The models are described in examples/README.md.
"""

import argparse
import json
import math
import os
import random
import struct
import sys

# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def f32(x):
    """Round a Python float to the nearest float32 value."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def round_half_away(x):
    """Round half away from zero (TFLite's rounding for quantization)."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def f32_text(x):
    """Shortest decimal text that parses back to the same float32."""
    for digits in range(6, 10):
        text = "%.*g" % (digits, x)
        if f32(float(text)) == x:
            return text
    return repr(x)


class Rng:
    """Seeded uniform numbers; only random() is used (stable across versions)."""

    def __init__(self, seed):
        self._r = random.Random(seed)

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self._r.random()


# ---------------------------------------------------------------------------
# Float reference kernels (NHWC, flat row-major lists)
# ---------------------------------------------------------------------------


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def out_size(size, k, stride, dilation, padding):
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = (size + stride - 1) // stride
        pad = max((out - 1) * stride + eff - size, 0) // 2
    else:
        out = (size - eff) // stride + 1
        pad = 0
    return out, pad


def ref_conv2d(x, xs, w, ws, b, stride, padding, act):
    """Grouped-capable CONV_2D: x [N,H,W,C], w [O,KH,KW,I_f], groups = C/I_f."""
    n, h, wd, c = xs
    o, kh, kw, i_f = ws
    groups = c // i_f
    per_group = o // groups
    oh, pt = out_size(h, kh, stride[0], 1, padding)
    ow, pl = out_size(wd, kw, stride[1], 1, padding)
    y = [0.0] * (n * oh * ow * o)
    for bi in range(n):
        for oy in range(oh):
            for ox in range(ow):
                for oc in range(o):
                    g = oc // per_group
                    acc = b[oc]
                    for ky in range(kh):
                        iy = oy * stride[0] + ky - pt
                        if iy < 0 or iy >= h:
                            continue
                        for kx in range(kw):
                            ix = ox * stride[1] + kx - pl
                            if ix < 0 or ix >= wd:
                                continue
                            xb = ((bi * h + iy) * wd + ix) * c + g * i_f
                            wb = ((oc * kh + ky) * kw + kx) * i_f
                            for ic in range(i_f):
                                acc += x[xb + ic] * w[wb + ic]
                    y[((bi * oh + oy) * ow + ox) * o + oc] = activate(acc, act)
    return y, [n, oh, ow, o]


def ref_pool(x, xs, fh, fw, sh, sw, kind):
    n, h, wd, c = xs
    oh = (h - fh) // sh + 1
    ow = (wd - fw) // sw + 1
    y = []
    for bi in range(n):
        for oy in range(oh):
            for ox in range(ow):
                for ch in range(c):
                    vals = [x[((bi * h + oy * sh + ky) * wd + ox * sw + kx) * c + ch]
                            for ky in range(fh) for kx in range(fw)]
                    y.append(max(vals) if kind == "max" else sum(vals) / len(vals))
    return y, [n, oh, ow, c]


def ref_mean_hw(x, xs):
    n, h, wd, c = xs
    return [sum(x[((bi * h + iy) * wd + ix) * c + ch]
                for iy in range(h) for ix in range(wd)) / (h * wd)
            for bi in range(n) for ch in range(c)], [n, c]


def ref_fc(x, xs, w, ws, b, act):
    units, depth = ws
    batch = numel(xs) // depth
    y = []
    for bi in range(batch):
        for u in range(units):
            acc = b[u] + sum(x[bi * depth + k] * w[u * depth + k] for k in range(depth))
            y.append(activate(acc, act))
    return y, [batch, units]


def ref_softmax(x, xs):
    depth = xs[-1]
    y = []
    for row in range(numel(xs) // depth):
        v = x[row * depth:(row + 1) * depth]
        m = max(v)
        e = [math.exp(t - m) for t in v]
        s = sum(e)
        y.extend(t / s for t in e)
    return y, list(xs)


def activate(v, act):
    if act == "RELU":
        return max(v, 0.0)
    if act == "RELU6":
        return min(max(v, 0.0), 6.0)
    return v


# ---------------------------------------------------------------------------
# Quantization helpers
# ---------------------------------------------------------------------------


def act_params(lo, hi, qmin=-128, qmax=127):
    """Asymmetric per-tensor parameters for an observed range (converter style)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi == lo:
        return 1.0, 0
    scale = f32((hi - lo) / (qmax - qmin))
    zp = qmin - lo / scale
    zp = min(max(round_half_away(zp), qmin), qmax)
    return scale, zp


def quantize_symmetric(values, scale):
    return [min(max(round_half_away(v / scale), -127), 127) for v in values]


def int8_bytes(q):
    return list(struct.pack("<%db" % len(q), *q))


def int32_bytes(q):
    return list(struct.pack("<%di" % len(q), *q))


# TFLite release that first supports (op, version); runtime_version.cc.
MIN_RUNTIME = {
    ("QUANTIZE", 1): "1.14.0", ("DEQUANTIZE", 2): "1.14.0",
    ("CONV_2D", 3): "1.14.0", ("CONV_2D", 6): "2.9.0",
    ("MAX_POOL_2D", 2): "1.14.0", ("AVERAGE_POOL_2D", 2): "1.14.0",
    ("RESHAPE", 1): "1.5.0", ("FULLY_CONNECTED", 4): "1.14.0",
    ("SOFTMAX", 2): "1.14.0", ("MEAN", 2): "1.14.0",
    ("SHAPE", 1): "1.13.0", ("STRIDED_SLICE", 1): "1.6.0", ("PACK", 1): "1.11.0",
    ("EXPAND_DIMS", 1): "1.10.0", ("SQUEEZE", 1): "1.6.0",
}

BUILTIN_CODES = {
    "CONV_2D": 3, "AVERAGE_POOL_2D": 1, "DEQUANTIZE": 6, "FULLY_CONNECTED": 9,
    "MAX_POOL_2D": 17, "RESHAPE": 22, "SOFTMAX": 25, "MEAN": 40, "SQUEEZE": 43,
    "STRIDED_SLICE": 45, "EXPAND_DIMS": 70, "SHAPE": 77, "PACK": 83, "QUANTIZE": 114,
}


def version_key(v):
    return tuple(int(p) for p in v.split("."))


# ---------------------------------------------------------------------------
# Model builder
# ---------------------------------------------------------------------------


class T:
    """A tensor under construction; `vals` holds one float list per calibration sample."""

    def __init__(self, name, ttype, shape, quant=None, data=None, vals=None, const=False,
                 batched=True):
        self.name, self.type, self.shape = name, ttype, list(shape)
        self.quant, self.data, self.vals, self.const = quant, data, vals, const
        self.batched = batched      # dim 0 is the batch (False for shape vectors)
        self.index = None

    @property
    def scale(self):
        return self.quant["scale"][0]

    @property
    def zp(self):
        return self.quant["zero_point"][0]


class Model:
    def __init__(self, seed, dynamic_batch=False, samples=6):
        self.rng = Rng(seed)
        self.dynamic = dynamic_batch
        self.samples = samples
        self.tensors = []
        self.ops = []           # (opname, version, inputs, outputs, options_type, options)
        self.inputs, self.outputs = [], []

    # -- tensors -----------------------------------------------------------

    def _act(self, name, ttype, shape, vals, quant, batched=True):
        t = T(name, ttype, shape, quant=quant, vals=vals, batched=batched)
        self.tensors.append(t)
        return t

    def _observed(self, name, ttype, shape, vals):
        lo = min(min(v) for v in vals)
        hi = max(max(v) for v in vals)
        scale, zp = act_params(lo, hi)
        return self._act(name, ttype, shape, vals, {"scale": [scale], "zero_point": [zp]})

    def const(self, name, ttype, shape, data, quant=None):
        t = T(name, ttype, shape, quant=quant, data=data, const=True)
        self.tensors.append(t)
        return t

    def const_i32(self, name, values, shape=None):
        return self.const(name, "INT32", [len(values)] if shape is None else shape,
                          int32_bytes(values))

    def weights(self, shape, fan_in):
        limit = math.sqrt(6.0 / fan_in)
        return [self.rng.uniform(-limit, limit) for _ in range(numel(shape))]

    def op(self, opname, version, inputs, outputs, options_type=None, options=None):
        self.ops.append((opname, version, inputs, outputs, options_type, options))

    # -- graph inputs ------------------------------------------------------

    def input(self, name, ttype, shape, lo, hi):
        vals = [[self.rng.uniform(lo, hi) for _ in range(numel(shape))]
                for _ in range(self.samples)]
        if ttype == "UINT8":
            quant = {"scale": [f32((hi - lo) / 255.0)], "zero_point": [0]}
        elif ttype == "INT8":
            s, zp = act_params(lo, hi)
            quant = {"scale": [s], "zero_point": [zp]}
        else:
            quant = None
        t = self._act(name, ttype, shape, vals, quant)
        self.inputs.append(t)
        return t

    # -- layers ------------------------------------------------------------

    def quantize(self, x, name, to="INT8"):
        """QUANTIZE: float->int8 (observed range), uint8<->int8 (zero point +-128)."""
        if x.type == "FLOAT32":
            y = self._observed(name, to, x.shape, x.vals)
        else:
            shift = -128 if to == "INT8" else 128
            y = self._act(name, to, x.shape, x.vals,
                          {"scale": [x.scale], "zero_point": [x.zp + shift]})
        self.op("QUANTIZE", 1, [x], [y])
        return y

    def dequantize(self, x, name):
        y = self._act(name, "FLOAT32", x.shape, x.vals, None)
        self.op("DEQUANTIZE", 2, [x], [y])   # int8 per-tensor input -> v2
        return y

    def conv2d(self, x, name, wname, bname, filters, kernel, stride=(1, 1),
               padding="SAME", act="NONE", in_per_filter=None, version=3):
        c = x.shape[3]
        i_f = c if in_per_filter is None else in_per_filter
        ws = [filters, kernel[0], kernel[1], i_f]
        w = self.weights(ws, kernel[0] * kernel[1] * i_f)
        b = [self.rng.uniform(-0.1, 0.1) for _ in range(filters)]
        per = kernel[0] * kernel[1] * i_f
        wscale = [f32(max(max(abs(v) for v in w[o * per:(o + 1) * per]), 1e-6) / 127.0)
                  for o in range(filters)]
        wq = []
        for o in range(filters):
            wq.extend(quantize_symmetric(w[o * per:(o + 1) * per], wscale[o]))
        bscale = [f32(x.scale * s) for s in wscale]
        bq = [round_half_away(b[o] / bscale[o]) for o in range(filters)]
        wt = self.const(wname, "INT8", ws, int8_bytes(wq),
                        {"scale": wscale, "zero_point": [0] * filters})
        bt = self.const(bname, "INT32", [filters], int32_bytes(bq),
                        {"scale": bscale, "zero_point": [0] * filters})
        vals, shape = [], None
        for v in x.vals:
            out, shape = ref_conv2d(v, x.shape, w, ws, b, stride, padding, act)
            vals.append(out)
        y = self._observed(name, "INT8", shape, vals)
        opts = {"padding": padding, "stride_w": stride[1], "stride_h": stride[0]}
        if act != "NONE":
            opts["fused_activation_function"] = act
        self.op("CONV_2D", version, [x, wt, bt], [y], "Conv2DOptions", opts)
        return y

    def pool(self, x, name, kind, size, stride):
        vals, shape = [], None
        for v in x.vals:
            out, shape = ref_pool(v, x.shape, size[0], size[1], stride[0], stride[1], kind)
            vals.append(out)
        y = self._act(name, x.type, shape, vals, dict(x.quant))
        opname = "MAX_POOL_2D" if kind == "max" else "AVERAGE_POOL_2D"
        self.op(opname, 2, [x], [y], "Pool2DOptions",
                {"padding": "VALID", "stride_w": stride[1], "stride_h": stride[0],
                 "filter_width": size[1], "filter_height": size[0]})
        return y

    def reshape(self, x, name, shape_tensor, new_shape):
        y = self._act(name, x.type, new_shape, x.vals, dict(x.quant))
        self.op("RESHAPE", 1, [x, shape_tensor], [y])
        return y

    def dynamic_batch_shape(self, x, prefix, flat):
        """Keras Reshape((flat,)) with unknown batch: SHAPE -> STRIDED_SLICE -> PACK."""
        begin = self.const_i32(prefix + "/strided_slice/stack", [0])
        end = self.const_i32(prefix + "/strided_slice/stack_1", [1])
        strides = self.const_i32(prefix + "/strided_slice/stack_2", [1])
        size = self.const_i32(prefix + "/Reshape/shape/1", [flat], shape=[])
        shp = self._act(prefix + "/Shape", "INT32", [len(x.shape)], None, None, False)
        self.op("SHAPE", 1, [x], [shp], "ShapeOptions", {"out_type": "INT32"})
        batch = self._act(prefix + "/strided_slice", "INT32", [], None, None, False)
        self.op("STRIDED_SLICE", 1, [shp, begin, end, strides], [batch],
                "StridedSliceOptions", {"shrink_axis_mask": 1})
        packed = self._act(prefix + "/Reshape/shape", "INT32", [2], None, None, False)
        self.op("PACK", 1, [batch, size], [packed], "PackOptions",
                {"values_count": 2, "axis": 0})
        return packed

    def expand_dims(self, x, name, axis_tensor, axis):
        pos = axis if axis >= 0 else len(x.shape) + 1 + axis
        shape = x.shape[:pos] + [1] + x.shape[pos:]
        y = self._act(name, x.type, shape, x.vals, dict(x.quant))
        self.op("EXPAND_DIMS", 1, [x, axis_tensor], [y])
        return y

    def squeeze(self, x, name, dims):
        rank = len(x.shape)
        drop = {d % rank for d in dims}
        shape = [d for i, d in enumerate(x.shape) if i not in drop]
        y = self._act(name, x.type, shape, x.vals, dict(x.quant))
        self.op("SQUEEZE", 1, [x], [y], "SqueezeOptions", {"squeeze_dims": dims})
        return y

    def mean_hw(self, x, name, axes_tensor):
        vals, shape = [], None
        for v in x.vals:
            out, shape = ref_mean_hw(v, x.shape)
            vals.append(out)
        y = self._observed(name, x.type, shape, vals)
        self.op("MEAN", 2, [x, axes_tensor], [y], "ReducerOptions", {"keep_dims": False})
        return y

    def fully_connected(self, x, name, wname, bname, units, act="NONE"):
        depth = x.shape[-1]
        ws = [units, depth]
        w = self.weights(ws, depth)
        b = [self.rng.uniform(-0.1, 0.1) for _ in range(units)]
        wscale = f32(max(max(abs(v) for v in w), 1e-6) / 127.0)
        bscale = f32(x.scale * wscale)
        wt = self.const(wname, "INT8", ws, int8_bytes(quantize_symmetric(w, wscale)),
                        {"scale": [wscale], "zero_point": [0]})
        bt = self.const(bname, "INT32", [units],
                        int32_bytes([round_half_away(v / bscale) for v in b]),
                        {"scale": [bscale], "zero_point": [0]})
        vals, shape = [], None
        for v in x.vals:
            out, shape = ref_fc(v, x.shape, w, ws, b, act)
            vals.append(out)
        y = self._observed(name, "INT8", shape, vals)
        opts = {"fused_activation_function": act} if act != "NONE" else {}
        self.op("FULLY_CONNECTED", 4, [x, wt, bt], [y], "FullyConnectedOptions", opts)
        return y

    def softmax(self, x, name):
        vals, shape = [], None
        for v in x.vals:
            out, shape = ref_softmax(v, x.shape)
            vals.append(out)
        y = self._act(name, "INT8", shape, vals, {"scale": [f32(1.0 / 256.0)],
                                                 "zero_point": [-128]})
        self.op("SOFTMAX", 2, [x], [y], "SoftmaxOptions", {"beta": 1.0})
        return y

    # -- output ------------------------------------------------------------

    def to_json(self, outputs, sig_inputs, sig_outputs):
        self.outputs = outputs
        # Converter order: graph inputs, then constants, then activations.
        order = list(self.inputs)
        order += [t for t in self.tensors if t.const]
        order += [t for t in self.tensors if not t.const and t not in self.inputs]
        for i, t in enumerate(order):
            t.index = i

        opcodes, opcode_index = [], {}
        for opname, version, *_ in self.ops:
            if opname not in opcode_index:
                opcode_index[opname] = len(opcodes)
                opcodes.append([opname, version])
            else:   # one OperatorCode per op; its version is the highest needed
                entry = opcodes[opcode_index[opname]]
                entry[1] = max(entry[1], version)

        buffers = [{}]
        tensors = []
        for t in order:
            buffers.append({"data": t.data} if t.const else {})
            tj = {"shape": t.shape, "type": t.type, "buffer": len(buffers) - 1,
                  "name": t.name}
            if t.quant is not None:
                q = {"scale": [FloatText(s) for s in t.quant["scale"]],
                     "zero_point": t.quant["zero_point"]}
                if t.quant.get("quantized_dimension"):
                    q["quantized_dimension"] = t.quant["quantized_dimension"]
                tj["quantization"] = q
            # shape_signature: static export writes it equal to `shape` on every
            # activation; dynamic export writes it (batch -1) only on tensors
            # whose shape is not static, i.e. not on the int32 shape vectors.
            if not t.const and not self.dynamic:
                tj["shape_signature"] = list(t.shape)
            elif not t.const and t.batched:
                tj["shape_signature"] = [-1] + t.shape[1:]
            tensors.append(tj)

        operators = []
        for opname, _, ins, outs, otype, opts in self.ops:
            oj = {"opcode_index": opcode_index[opname],
                  "inputs": [t.index for t in ins],
                  "outputs": [t.index for t in outs]}
            if otype is not None:
                oj["builtin_options_type"] = otype
                oj["builtin_options"] = opts
            operators.append(oj)

        runtime = max((MIN_RUNTIME[(n, v)] for n, v in opcodes), key=version_key)
        buffers.append({"data": list(runtime.encode().ljust(16, b"\0"))})

        return {
            "version": 3,
            "operator_codes": [{"deprecated_builtin_code": BUILTIN_CODES[n], "version": v,
                                "builtin_code": n} for n, v in opcodes],
            "subgraphs": [{
                "tensors": tensors,
                "inputs": [t.index for t in self.inputs],
                "outputs": [t.index for t in outputs],
                "operators": operators,
                "name": "main",
            }],
            "description": "MLIR Converted.",
            "buffers": buffers,
            "metadata": [{"name": "min_runtime_version", "buffer": len(buffers) - 1}],
            "signature_defs": [{
                "inputs": [{"name": n, "tensor_index": t.index} for n, t in sig_inputs],
                "outputs": [{"name": n, "tensor_index": t.index} for n, t in sig_outputs],
                "signature_key": "serving_default",
                "subgraph_index": 0,
            }],
        }


# ---------------------------------------------------------------------------
# The models
# ---------------------------------------------------------------------------


def regime(dynamic):
    """The seed's regime classifier: [1,30,5,1] window of 5 features -> 3 classes.

    QUANTIZE(u8->i8) -> CONV_2D 24x(7,1) ReLU6 -> MAX_POOL (2,1) ->
    CONV_2D 32x(3,1) ReLU6 -> MAX_POOL (2,1) -> RESHAPE [1,1120] ->
    FULLY_CONNECTED 3 -> SOFTMAX -> QUANTIZE(i8->u8).  5,891 parameters.
    `dynamic` = exported with from_saved_model (batch -1, Keras Reshape lowered
    to SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE); otherwise from_concrete_functions
    with batch 1 (constant shape tensor).
    """
    m = Model(seed=1, dynamic_batch=dynamic)
    if dynamic:
        x = m.input("serving_default_input_1:0", "UINT8", [1, 30, 5, 1], 0.0, 1.0)
    else:
        x = m.input("x", "UINT8", [1, 30, 5, 1], 0.0, 1.0)
    if not dynamic:
        flat_shape = m.const_i32("sequential/reshape/Reshape/shape", [1, 1120])
    q = m.quantize(x, "tfl.quantize")
    c1 = m.conv2d(q, "sequential/conv2d/Relu6;sequential/conv2d/BiasAdd;sequential/conv2d/Conv2D",
                  "sequential/conv2d/Conv2D", "sequential/conv2d/BiasAdd/ReadVariableOp",
                  filters=24, kernel=(7, 1), act="RELU6")
    p1 = m.pool(c1, "sequential/max_pooling2d/MaxPool", "max", (2, 1), (2, 1))
    c2 = m.conv2d(p1, "sequential/conv2d_1/Relu6;sequential/conv2d_1/BiasAdd;"
                  "sequential/conv2d_1/Conv2D",
                  "sequential/conv2d_1/Conv2D", "sequential/conv2d_1/BiasAdd/ReadVariableOp",
                  filters=32, kernel=(3, 1), act="RELU6")
    p2 = m.pool(c2, "sequential/max_pooling2d_1/MaxPool", "max", (2, 1), (2, 1))
    if dynamic:
        flat_shape = m.dynamic_batch_shape(p2, "sequential/reshape", 1120)
    r = m.reshape(p2, "sequential/reshape/Reshape", flat_shape, [1, 1120])
    d = m.fully_connected(r, "sequential/dense/MatMul;sequential/dense/BiasAdd",
                          "sequential/dense/MatMul", "sequential/dense/BiasAdd/ReadVariableOp",
                          units=3)
    s = m.softmax(d, "StatefulPartitionedCall:01" if dynamic else "Identity1")
    y = m.quantize(s, "StatefulPartitionedCall:0" if dynamic else "Identity", to="UINT8")
    if dynamic:
        return m.to_json([y], [("input_1", x)], [("dense", y)])
    return m.to_json([y], [("x", x)], [("output_0", y)])


def gap_mean():
    """Small image classifier whose head is GlobalAveragePooling2D (MEAN over H, W).

    u8 [1,16,16,3] -> QUANTIZE -> CONV_2D 8x3x3/2 ReLU6 -> CONV_2D 16x3x3 ReLU6 ->
    MEAN axes [1,2] (keep_dims false) -> FULLY_CONNECTED 4 -> SOFTMAX -> QUANTIZE u8.
    """
    m = Model(seed=2)
    x = m.input("serving_default_input_1:0", "UINT8", [1, 16, 16, 3], 0.0, 1.0)
    axes = m.const_i32("sequential/global_average_pooling2d/Mean/reduction_indices", [1, 2])
    q = m.quantize(x, "tfl.quantize")
    c1 = m.conv2d(q, "sequential/conv2d/Relu6;sequential/conv2d/BiasAdd;sequential/conv2d/Conv2D",
                  "sequential/conv2d/Conv2D", "sequential/conv2d/BiasAdd/ReadVariableOp",
                  filters=8, kernel=(3, 3), stride=(2, 2), act="RELU6")
    c2 = m.conv2d(c1, "sequential/conv2d_1/Relu6;sequential/conv2d_1/BiasAdd;"
                  "sequential/conv2d_1/Conv2D",
                  "sequential/conv2d_1/Conv2D", "sequential/conv2d_1/BiasAdd/ReadVariableOp",
                  filters=16, kernel=(3, 3), act="RELU6")
    g = m.mean_hw(c2, "sequential/global_average_pooling2d/Mean", axes)
    d = m.fully_connected(g, "sequential/dense/MatMul;sequential/dense/BiasAdd",
                          "sequential/dense/MatMul", "sequential/dense/BiasAdd/ReadVariableOp",
                          units=4)
    s = m.softmax(d, "StatefulPartitionedCall:01")
    y = m.quantize(s, "StatefulPartitionedCall:0", to="UINT8")
    return m.to_json([y], [("input_1", x)], [("dense", y)])


def conv1d():
    """Keras Conv1D as the converter lowers it (int8 in and out, no QUANTIZE ops).

    i8 [1,32,4] -> EXPAND_DIMS axis -3 -> [1,1,32,4] -> CONV_2D 8x(1,3) VALID ReLU ->
    [1,1,30,8] -> SQUEEZE dims [-3] -> i8 [1,30,8].
    """
    m = Model(seed=3)
    x = m.input("serving_default_input_1:0", "INT8", [1, 32, 4], -1.0, 1.0)
    axis = m.const_i32("sequential/conv1d/Conv1D/ExpandDims/dim", [-3], shape=[])
    e = m.expand_dims(x, "sequential/conv1d/Conv1D/ExpandDims", axis, -3)
    c = m.conv2d(e, "sequential/conv1d/Relu;sequential/conv1d/BiasAdd;"
                 "sequential/conv1d/Conv1D",
                 "sequential/conv1d/Conv1D", "sequential/conv1d/BiasAdd/ReadVariableOp",
                 filters=8, kernel=(1, 3), padding="VALID", act="RELU")
    y = m.squeeze(c, "StatefulPartitionedCall:0", [-3])
    return m.to_json([y], [("input_1", x)], [("conv1d", y)])


def float_io():
    """Int8 MLP with float32 interface (inference_input/output_type left float).

    f32 [1,10] -> QUANTIZE -> FULLY_CONNECTED 6 ReLU -> FULLY_CONNECTED 3 ->
    DEQUANTIZE -> f32 [1,3].
    """
    m = Model(seed=4)
    x = m.input("serving_default_input_1:0", "FLOAT32", [1, 10], -1.0, 1.0)
    q = m.quantize(x, "tfl.quantize")
    h = m.fully_connected(q, "sequential/dense/MatMul;sequential/dense/Relu;"
                          "sequential/dense/BiasAdd",
                          "sequential/dense/MatMul", "sequential/dense/BiasAdd/ReadVariableOp",
                          units=6, act="RELU")
    o = m.fully_connected(h, "sequential/dense_1/MatMul;sequential/dense_1/BiasAdd",
                          "sequential/dense_1/MatMul",
                          "sequential/dense_1/BiasAdd/ReadVariableOp", units=3)
    y = m.dequantize(o, "StatefulPartitionedCall:0")
    return m.to_json([y], [("input_1", x)], [("dense_1", y)])


def grouped(in_per_filter):
    """Grouped Conv2D (Keras Conv2D(groups=...)), as TF >= 2.9 writes it: CONV_2D v6.

    u8 [1,16,16,3] -> QUANTIZE -> CONV_2D 8x3x3/2 ReLU6 -> [1,8,8,8] ->
    grouped CONV_2D 16x3x3xI_f ReLU6 (groups = 8 / I_f) -> [1,8,8,16] ->
    AVERAGE_POOL 8x8 -> RESHAPE [1,16] -> FULLY_CONNECTED 4 -> SOFTMAX -> QUANTIZE u8.
    Both convolutions share the CONV_2D OperatorCode, whose version is 6.
    """
    m = Model(seed=5 + in_per_filter)
    x = m.input("serving_default_input_1:0", "UINT8", [1, 16, 16, 3], 0.0, 1.0)
    flat_shape = m.const_i32("sequential/flatten/Const", [-1, 16])
    q = m.quantize(x, "tfl.quantize")
    c1 = m.conv2d(q, "sequential/conv2d/Relu6;sequential/conv2d/BiasAdd;sequential/conv2d/Conv2D",
                  "sequential/conv2d/Conv2D", "sequential/conv2d/BiasAdd/ReadVariableOp",
                  filters=8, kernel=(3, 3), stride=(2, 2), act="RELU6")
    c2 = m.conv2d(c1, "sequential/conv2d_1/Relu6;sequential/conv2d_1/BiasAdd;"
                  "sequential/conv2d_1/Conv2D",
                  "sequential/conv2d_1/Conv2D", "sequential/conv2d_1/BiasAdd/ReadVariableOp",
                  filters=16, kernel=(3, 3), act="RELU6", in_per_filter=in_per_filter,
                  version=6)
    p = m.pool(c2, "sequential/average_pooling2d/AvgPool", "avg", (8, 8), (8, 8))
    r = m.reshape(p, "sequential/flatten/Reshape", flat_shape, [1, 16])
    d = m.fully_connected(r, "sequential/dense/MatMul;sequential/dense/BiasAdd",
                          "sequential/dense/MatMul", "sequential/dense/BiasAdd/ReadVariableOp",
                          units=4)
    s = m.softmax(d, "StatefulPartitionedCall:01")
    y = m.quantize(s, "StatefulPartitionedCall:0", to="UINT8")
    return m.to_json([y], [("input_1", x)], [("dense", y)])


MODELS = {
    "regime_static": lambda: regime(False),
    "regime_dynamic": lambda: regime(True),
    "gap_mean": gap_mean,
    "conv1d": conv1d,
    "float_io": float_io,
    "grouped_conv": lambda: grouped(1),
    "grouped_conv_g2": lambda: grouped(2),
}

# ---------------------------------------------------------------------------
# JSON text: objects indented, scalar arrays on one line (wrapped when long)
# ---------------------------------------------------------------------------


class FloatText(float):
    """A float32 value written with the fewest digits that read back exactly."""


def scalar_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, FloatText):
        return f32_text(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)


def dump(v, indent=0, width=100):
    pad = "  " * indent
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = ['%s  %s: %s' % (pad, json.dumps(k), dump(x, indent + 1, width))
                 for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list):
        if all(not isinstance(x, (dict, list)) for x in v):
            parts = [scalar_text(x) for x in v]
            one = "[" + ", ".join(parts) + "]"
            if len(one) + len(pad) <= width:
                return one
            lines, cur = [], ""
            for p in parts:
                if cur and len(pad) + 2 + len(cur) + 2 + len(p) + 1 > width:
                    lines.append(cur + ",")
                    cur = p
                else:
                    cur = cur + ", " + p if cur else p
            lines.append(cur)
            return "[\n" + "\n".join(pad + "  " + ln for ln in lines) + "\n" + pad + "]"
        return ("[\n" + ",\n".join(pad + "  " + dump(x, indent + 1, width) for x in v)
                + "\n" + pad + "]")
    return scalar_text(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "examples", "src"),
                    help="output folder (default: examples/src next to this script)")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if any file differs from what would be written")
    ap.add_argument("names", nargs="*", help="models to generate (default: all)")
    args = ap.parse_args()
    names = args.names or list(MODELS)
    stale = 0
    for name in names:
        if name not in MODELS:
            sys.exit("unknown model %r (known: %s)" % (name, ", ".join(MODELS)))
        text = dump(MODELS[name]()) + "\n"
        path = os.path.join(args.out, name + ".json")
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if args.check:
            if old != text:
                print("out of date: %s" % path)
                stale += 1
        elif old != text:
            os.makedirs(args.out, exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print("wrote %s" % path)
    if args.check:
        print("%d of %d example sources out of date" % (stale, len(names)))
        return 1 if stale else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
