#!/usr/bin/env python3
"""hostile_models.py -- small .tflite files no converter writes, built at
test time (nothing binary is kept in the repository).

A forward FlatBuffer writer: objects are appended in order, a parent before
the children it points to (uoffsets point forward), each table after its
vtable. Unlike flatc from JSON it can point many tables at one vector or
table, which is legal FlatBuffers and what the blow-up models need.

Field ids follow schema/tflite.fbs (Model: version 0, operator_codes 1,
subgraphs 2, description 3, buffers 4; SubGraph: tensors 0, inputs 1,
outputs 2, operators 3, name 4; Tensor: shape 0, type 1, buffer 2, name 3,
quantization 4; QuantizationParameters: scale 2, zero_point 3;
Operator: opcode_index 0, inputs 1, outputs 2; OperatorCode:
deprecated_builtin_code 0, version 2, builtin_code 3; Buffer: data 0).

Run as a script: hostile_models.py DIR writes every model into DIR.
"""
import struct
import sys

# BuiltinOperator codes (schema/tflite.fbs).
ADD, CONV_2D, MUL, RESHAPE, SOFTMAX, CAST, GATHER, STRIDED_SLICE = 0, 3, 18, 22, 25, 53, 36, 45
SUB, DIV, SHAPE, REDUCE_PROD, FLOOR_DIV = 41, 42, 77, 81, 90
INT32, INT64, INT8, FLOAT32 = 2, 4, 9, 0


class Builder:
    def __init__(self):
        self.buf = bytearray(8)
        self.buf[4:8] = b"TFL3"
        self.patches = []  # (slot, key): key names the object the slot points to
        self.where = {}

    def pad(self, align, extra=0):
        while (len(self.buf) + extra) % align:
            self.buf.append(0)

    def table(self, fields):
        """fields: list of (id, fmt, value); fmt 'B','b','I','i','Q' or 'o' (uoffset
        to the object named value). Returns the table's position."""
        fields = sorted(fields, key=lambda f: -struct.calcsize(f[1] if f[1] != "o" else "I"))
        layout, off = [], 4
        for fid, fmt, val in fields:
            size = struct.calcsize("I" if fmt == "o" else fmt)
            off = (off + size - 1) // size * size
            layout.append((fid, fmt, val, off))
            off += size
        inline = (off + 3) // 4 * 4
        nids = max([f[0] for f in fields], default=-1) + 1
        vt = [0] * nids
        for fid, _, _, o in layout:
            vt[fid] = o
        vtable = struct.pack("<HH", 4 + 2 * nids, inline) + b"".join(struct.pack("<H", o) for o in vt)
        self.pad(2)
        vpos = len(self.buf)
        self.buf += vtable
        self.pad(8)
        tpos = len(self.buf)
        body = bytearray(inline)
        struct.pack_into("<i", body, 0, tpos - vpos)
        for fid, fmt, val, o in layout:
            if fmt == "o":
                self.patches.append((tpos + o, val))
            else:
                struct.pack_into("<" + fmt, body, o, val)
        self.buf += body
        return tpos

    def name(self, key, pos):
        self.where[key] = pos
        return pos

    def vector(self, fmt, values):
        size = struct.calcsize(fmt)
        self.pad(max(size, 4), 4)
        pos = len(self.buf)
        self.buf += struct.pack("<I", len(values))
        for v in values:
            self.buf += struct.pack("<" + fmt, v)
        return pos

    def offsets(self, keys):
        self.pad(4)
        pos = len(self.buf)
        self.buf += struct.pack("<I", len(keys))
        for k in keys:
            self.patches.append((len(self.buf), k))
            self.buf += b"\0\0\0\0"
        return pos

    def string(self, s):
        self.pad(4)
        pos = len(self.buf)
        b = s.encode()
        self.buf += struct.pack("<I", len(b)) + b + b"\0"
        return pos

    def finish(self, root_key):
        struct.pack_into("<I", self.buf, 0, self.where[root_key])
        for slot, key in self.patches:
            target = self.where[key]
            assert target > slot, (slot, key)
            struct.pack_into("<I", self.buf, slot, target - slot)
        self.pad(4)
        return bytes(self.buf)


def model(tensors, ops, opcodes, buffers, inputs=(), outputs=(), shared=None):
    """tensors: dicts with shape, type, buffer, name, quant (a key into shared
    objects or None); ops: (opcode_index, inputs, outputs); opcodes: builtin
    codes; buffers: bytes (b"" = empty). shared: extra named objects written
    after everything else, as {key: (kind, fmt, values)}."""
    b = Builder()
    b.name("model", b.table([(0, "I", 3), (1, "o", "opcodes"), (2, "o", "subgraphs"),
                             (4, "o", "buffers")]))
    b.name("opcodes", b.offsets([f"opc{i}" for i in range(len(opcodes))]))
    for i, code in enumerate(opcodes):
        b.name(f"opc{i}", b.table([(0, "b", min(code, 127)), (2, "i", 1), (3, "i", code)]))
    b.name("subgraphs", b.offsets(["sg"]))
    b.name("sg", b.table([(0, "o", "tensors"), (1, "o", "sg_in"), (2, "o", "sg_out"),
                          (3, "o", "ops")]))
    b.name("sg_in", b.vector("i", list(inputs)))
    b.name("sg_out", b.vector("i", list(outputs)))
    b.name("tensors", b.offsets([f"t{i}" for i in range(len(tensors))]))
    for i, t in enumerate(tensors):
        fields = [(0, "o", t.get("shape_key", f"t{i}.shape")), (1, "b", t["type"]),
                  (2, "I", t.get("buffer", 0)), (3, "o", f"t{i}.name")]
        if t.get("quant"):
            fields.append((4, "o", t["quant"]))
        b.name(f"t{i}", b.table(fields))
        if "shape_key" not in t:
            b.name(f"t{i}.shape", b.vector("i", t["shape"]))
        b.name(f"t{i}.name", b.string(t.get("name", f"t{i}")))
    b.name("ops", b.offsets([f"op{i}" for i in range(len(ops))]))
    for i, (opc, ins, outs) in enumerate(ops):
        b.name(f"op{i}", b.table([(0, "I", opc), (1, "o", f"op{i}.in"), (2, "o", f"op{i}.out")]))
        b.name(f"op{i}.in", b.vector("i", ins))
        b.name(f"op{i}.out", b.vector("i", outs))
    b.name("buffers", b.offsets([f"buf{i}" for i in range(len(buffers))]))
    for i, data in enumerate(buffers):
        if data:
            b.name(f"buf{i}", b.table([(0, "o", f"buf{i}.data")]))
            b.name(f"buf{i}.data", b.vector("B", list(data)))
        else:
            b.name(f"buf{i}", b.table([]))
    for key, (kind, fmt, values) in (shared or {}).items():
        if kind == "vector":
            b.name(key, b.vector(fmt, values))
        elif kind == "quant":  # values: (scale key, zero point key)
            b.name(key, b.table([(2, "o", values[0]), (3, "o", values[1])]))
    return b.finish("model")


def i64(*v):
    return struct.pack(f"<{len(v)}q", *v)


def i32(*v):
    return struct.pack(f"<{len(v)}i", *v)


def softmax_minus_one():
    """An op whose first input is -1 (an omitted optional input): check.c's
    SOFTMAX rule reads tensors[-1]."""
    t = [{"shape": [1, 4], "type": INT8, "name": "y"}]
    return model(t, [(0, [-1], [0])], [SOFTMAX], [b""], outputs=[0])


def op_without_inputs(code):
    """An op with no inputs at all, its int32 output consumed by a RESHAPE."""
    t = [{"shape": [4], "type": INT32, "name": "v"},
         {"shape": [1, 4], "type": INT8, "name": "x"},
         {"shape": [1, 4], "type": INT8, "name": "y"}]
    return model(t, [(0, [], [0]), (1, [1, 0], [2])], [code, RESHAPE], [b""],
                 inputs=[1], outputs=[2])


def static_shape_math(code, a, b, extra=()):
    """constant int64 a, b (1 value each, scalar) -> op code -> int64 c ->
    RESHAPE's shape input: what the static-shapes pass folds."""
    consts = [a, b] + list(extra)
    t = [{"shape": [], "type": INT64, "buffer": 1 + k, "name": f"c{k}"}
         for k in range(len(consts))]
    n = len(t)
    t += [{"shape": [1], "type": INT64, "name": "folded"},
          {"shape": [1, 4], "type": INT8, "name": "x"},
          {"shape": [1, 4], "type": INT8, "name": "y"}]
    ops = [(0, list(range(n)), [n]), (1, [n + 1, n], [n + 2])]
    return model(t, ops, [code, RESHAPE], [b""] + [i64(v) for v in consts],
                 inputs=[n + 1], outputs=[n + 2])


def strided_slice_huge_stride():
    """STRIDED_SLICE of a constant int64 vector with stride INT64_MAX."""
    t = [{"shape": [4], "type": INT64, "buffer": 1, "name": "v"},
         {"shape": [1], "type": INT32, "buffer": 2, "name": "begin"},
         {"shape": [1], "type": INT32, "buffer": 3, "name": "end"},
         {"shape": [1], "type": INT64, "buffer": 4, "name": "stride"},
         {"shape": [1], "type": INT64, "name": "sliced"},
         {"shape": [1, 4], "type": INT8, "name": "x"},
         {"shape": [1, 4], "type": INT8, "name": "y"}]
    bufs = [b"", i64(1, 2, 3, 4), i32(1), i32(4), i64(2**63 - 1)]
    return model(t, [(0, [0, 1, 2, 3], [4]), (1, [5, 4], [6])], [STRIDED_SLICE, RESHAPE], bufs,
                 inputs=[5], outputs=[6])


def shared_quantization(tensors=2000, channels=2000):
    """tensors tensors all pointing at one quantization table with channels
    scales and zero points: about 50 KB on disk, tensors x channels x 2
    numbers if every reference is printed in full."""
    t = [{"shape_key": "shape", "type": INT8, "quant": "q", "name": "t"} for _ in range(tensors)]
    shared = {"shape": ("vector", "i", [1, channels]),
              "q": ("quant", None, ("scale", "zp")),
              "scale": ("vector", "f", [0.5] * channels),
              "zp": ("vector", "q", [0] * channels)}
    return model(t, [], [], [b""], inputs=[0], outputs=[0], shared=shared)


def int8_io_zero_point(zp=-2**63):
    """int8 input and output with a zero point far outside the int8 range:
    `fix --io uint8` moved it by 128 without a check (signed overflow for
    INT64_MIN; found by fuzz/fuzz_fix)."""
    t = [{"shape": [1, 4], "type": INT8, "quant": "q", "name": "x"},
         {"shape": [1, 4], "type": INT8, "quant": "q", "name": "y"},
         {"shape": [2], "type": INT32, "buffer": 1, "name": "shape"}]
    shared = {"q": ("quant", None, ("scale", "zp")),
              "scale": ("vector", "f", [0.5]), "zp": ("vector", "q", [zp])}
    return model(t, [(0, [0, 2], [1])], [RESHAPE], [b"", i32(1, 4)], inputs=[0], outputs=[1],
                 shared=shared)


def no_ops_uint8_io():
    """A graph of no operators whose uint8 input is its output: `fix --io
    int8` inserted a QUANTIZE by memcpy from the NULL operator array (UB
    even for 0 bytes; found by fuzz/fuzz_fix)."""
    t = [{"shape": [1, 4], "type": 3, "quant": "q", "name": "x"}]  # 3 = UINT8
    shared = {"q": ("quant", None, ("scale", "zp")),
              "scale": ("vector", "f", [0.5]), "zp": ("vector", "q", [128])}
    return model(t, [], [], [b""], inputs=[0], outputs=[0], shared=shared)


MODELS = {
    "softmax_minus_one": softmax_minus_one,
    "shape_no_input": lambda: op_without_inputs(SHAPE),
    "cast_no_input": lambda: op_without_inputs(CAST),
    "reduce_prod_no_input": lambda: op_without_inputs(REDUCE_PROD),
    "div_min_by_minus_one": lambda: static_shape_math(DIV, -2**63, -1),
    "floor_div_min_by_minus_one": lambda: static_shape_math(FLOOR_DIV, -2**63, -1),
    "add_overflow": lambda: static_shape_math(ADD, 2**63 - 1, 1),
    "sub_overflow": lambda: static_shape_math(SUB, -2**63, 1),
    "mul_overflow": lambda: static_shape_math(MUL, 2**62, 4),
    "strided_slice_huge_stride": strided_slice_huge_stride,
    "shared_quantization": lambda: shared_quantization(1000, 1000),
    "int8_io_zero_point": int8_io_zero_point,
    "no_ops_uint8_io": no_ops_uint8_io,
}

if __name__ == "__main__":
    import os
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, make in MODELS.items():
        with open(os.path.join(out, name + ".tflite"), "wb") as f:
            f.write(make())
