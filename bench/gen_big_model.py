#!/usr/bin/env python3
"""gen_big_model.py -- write a valid, quantized TFLite model with big weights.

    bench/gen_big_model.py OUT.tflite [--weights-mb 200] [--layers 4]

The model is a chain of int8 FULLY_CONNECTED layers (the shape a big
dense model has after full-integer quantization):

    input [1, D] int8 -> FC(+RELU) -> ... -> FC -> output [1, D] int8

each with an int8 weight matrix [D, D] (per-tensor scale, zero point 0), an
int32 bias [D] (scale = input scale * weight scale), a FullyConnectedOptions
table, a min_runtime_version metadata entry and a serving_default signature.
D is chosen so that the weights add up to at least --weights-mb MiB, so the
same generator gives a tiny and a huge model with identical structure: what
`etpu inspect` must be flat in.

Only the standard library: the FlatBuffer is laid out by hand with struct,
front to back (every table before what it points to, so every uoffset points
forward), with the 16-byte alignment schema.fbs asks for Buffer.data.
"""
import argparse
import math
import os
import random
import struct
import sys

INT8, INT32 = 9, 2                 # TensorType
FULLY_CONNECTED = 9                # BuiltinOperator
FULLY_CONNECTED_OPTIONS = 8        # BuiltinOptions union type
RELU, NONE = 1, 0                  # ActivationFunctionType


class Writer:
    """A FlatBuffer written front to back. Tables are laid out as vtable then
    table; offset fields are placeholders patched with ref() once the target
    is written (always later, so always forward)."""

    def __init__(self, ident=b"TFL3"):
        self.b = bytearray(struct.pack("<I4s", 0, ident))

    def pad(self, align, extra=0):
        n = (-(len(self.b) + extra)) % align
        self.b.extend(bytes(n))

    def table(self, fields):
        """fields: list of (id, fmt, value) with fmt a struct code, or
        (id, 'ref') for an offset to patch. Returns (table pos, {id: field pos})."""
        nslots = max(f[0] for f in fields) + 1 if fields else 0
        vlen = 4 + 2 * nslots
        self.pad(8, vlen)
        vt = len(self.b)
        self.b.extend(bytes(vlen))
        t = len(self.b)
        self.b.extend(struct.pack("<i", t - vt))
        pos = {}
        # widest first keeps the table compact
        for f in sorted(fields, key=lambda f: -struct.calcsize("<" + ("I" if f[1] == "ref" else f[1]))):
            fmt = "I" if f[1] == "ref" else f[1]
            self.pad(struct.calcsize("<" + fmt))
            pos[f[0]] = len(self.b)
            self.b.extend(struct.pack("<" + fmt, 0 if f[1] == "ref" else f[2]))
            struct.pack_into("<H", self.b, vt + 4 + 2 * f[0], pos[f[0]] - t)
        self.pad(4)
        struct.pack_into("<HH", self.b, vt, vlen, len(self.b) - t)
        return t, pos

    def ref(self, at, target):
        assert target > at
        struct.pack_into("<I", self.b, at, target - at)

    def vector(self, fmt, values, align=4):
        """A vector of scalars; returns the position of its length word."""
        size = struct.calcsize("<" + fmt)
        self.pad(max(align, size, 4), 4)
        p = len(self.b)
        self.b.extend(struct.pack("<I", len(values)))
        self.b.extend(struct.pack("<%d%s" % (len(values), fmt), *values))
        self.pad(4)
        return p

    def offsets(self, count):
        """A vector of count offsets to patch; returns its position."""
        self.pad(4)
        p = len(self.b)
        self.b.extend(struct.pack("<I", count) + bytes(4 * count))
        return p

    def string(self, s):
        data = s.encode()
        self.pad(4)
        p = len(self.b)
        self.b.extend(struct.pack("<I", len(data)) + data + b"\0")
        self.pad(4)
        return p


def build(dim, layers, out, seed=1, dynamic_batch=False):
    w = Writer()
    in_scale, in_zp = 0.0235, -128
    w_scale = 0.0042

    # tensors: input, then per layer weights, bias, output
    tensors = [("serving_default_input:0", [1, dim], INT8, 0, (in_scale, in_zp))]
    buffers = [None]                                    # buffer 0: the empty sentinel
    ops = []
    act = 0
    for i in range(layers):
        wt = len(tensors)
        buffers.append(("weights", dim * dim))
        tensors.append((f"dense_{i}/MatMul", [dim, dim], INT8, len(buffers) - 1, (w_scale, 0)))
        bt = len(tensors)
        buffers.append(("bias", dim * 4))
        tensors.append((f"dense_{i}/BiasAdd/ReadVariableOp", [dim], INT32, len(buffers) - 1,
                        (in_scale * w_scale, 0)))
        ot = len(tensors)
        last = i == layers - 1
        tensors.append(("StatefulPartitionedCall:0" if last else f"dense_{i}/Relu",
                        [1, dim], INT8, 0, (in_scale, in_zp)))
        ops.append(([act, wt, bt], [ot], NONE if last else RELU))
        act = ot
    buffers.append(("runtime", 16))
    runtime_buffer = len(buffers) - 1

    # Model
    model, mp = w.table([(0, "I", 3), (1, "ref"), (2, "ref"), (3, "ref"), (4, "ref"),
                         (6, "ref"), (7, "ref")])
    struct.pack_into("<I", w.b, 0, model)
    # operator_codes
    codes = w.offsets(1)
    w.ref(mp[1], codes)
    code, _ = w.table([(0, "b", FULLY_CONNECTED), (2, "i", 4), (3, "i", FULLY_CONNECTED)])
    w.ref(codes + 4, code)
    # subgraphs
    sgs = w.offsets(1)
    w.ref(mp[2], sgs)
    sg, sp = w.table([(0, "ref"), (1, "ref"), (2, "ref"), (3, "ref"), (4, "ref")])
    w.ref(sgs + 4, sg)
    tv = w.offsets(len(tensors))
    w.ref(sp[0], tv)
    for k, (name, shape, ttype, buf, (scale, zp)) in enumerate(tensors):
        dynamic = dynamic_batch and buf == 0  # activations, as from_saved_model exports them
        fields = [(0, "ref"), (1, "b", ttype), (2, "I", buf), (3, "ref"), (4, "ref")]
        t, tp = w.table(fields + ([(7, "ref")] if dynamic else []))
        w.ref(tv + 4 + 4 * k, t)
        w.ref(tp[0], w.vector("i", shape))
        if dynamic:
            w.ref(tp[7], w.vector("i", [-1] + list(shape[1:])))
        w.ref(tp[3], w.string(name))
        q, qp = w.table([(2, "ref"), (3, "ref")])
        w.ref(tp[4], q)
        w.ref(qp[2], w.vector("f", [scale]))
        w.ref(qp[3], w.vector("q", [zp], align=8))
    w.ref(sp[1], w.vector("i", [0]))
    w.ref(sp[2], w.vector("i", [act]))
    ov = w.offsets(len(ops))
    w.ref(sp[3], ov)
    for k, (ins, outs, fused) in enumerate(ops):
        o, op = w.table([(0, "I", 0), (1, "ref"), (2, "ref"), (3, "B", FULLY_CONNECTED_OPTIONS),
                         (4, "ref")])
        w.ref(ov + 4 + 4 * k, o)
        w.ref(op[1], w.vector("i", ins))
        w.ref(op[2], w.vector("i", outs))
        opts, _ = w.table([(0, "b", fused)])
        w.ref(op[4], opts)
    w.ref(sp[4], w.string("main"))
    w.ref(mp[3], w.string("etpu bench: %d x FULLY_CONNECTED int8, %dx%d weights" %
                          (layers, dim, dim)))
    # metadata and signature
    mv = w.offsets(1)
    w.ref(mp[6], mv)
    md, mdp = w.table([(0, "ref"), (1, "I", runtime_buffer)])
    w.ref(mv + 4, md)
    w.ref(mdp[0], w.string("min_runtime_version"))
    sigs = w.offsets(1)
    w.ref(mp[7], sigs)
    sd, sdp = w.table([(0, "ref"), (1, "ref"), (2, "ref"), (4, "I", 0)])
    w.ref(sigs + 4, sd)
    for field, (name, index) in ((0, ("input", 0)), (1, ("output", act))):
        v = w.offsets(1)
        w.ref(sdp[field], v)
        tm, tmp = w.table([(0, "ref"), (1, "I", index)])
        w.ref(v + 4, tm)
        w.ref(tmp[0], w.string(name))
    w.ref(sdp[2], w.string("serving_default"))
    # buffers: the tables now, their data last (the big part)
    bv = w.offsets(len(buffers))
    w.ref(mp[4], bv)
    data_fields = []
    for k, b in enumerate(buffers):
        if b is None:
            t, _ = w.table([])
        else:
            t, bp = w.table([(0, "ref")])
            data_fields.append((bp[0], b))
        w.ref(bv + 4 + 4 * k, t)

    # Write the structure, then each data vector streamed after it.
    rng = random.Random(seed)
    block = bytes(rng.getrandbits(8) for _ in range(1 << 16))
    pos = len(w.b)
    placements = []
    for field, (kind, size) in data_fields:
        pos += (-(pos + 4)) % 16              # data 16-byte aligned
        placements.append((pos, kind, size))
        w.ref(field, pos)
        pos += 4 + size
    total = pos + (-pos) % 4
    if total > 0x7FFFFFFF:
        sys.exit("model would exceed 2 GiB, the FlatBuffer limit")
    with open(out, "wb") as f:
        f.write(w.b)
        cur = len(w.b)
        for p, kind, size in placements:
            f.write(bytes(p - cur))
            f.write(struct.pack("<I", size))
            if kind == "runtime":
                f.write(b"1.14.0".ljust(16, b"\0"))
            elif kind == "bias":
                f.write(struct.pack("<%di" % (size // 4),
                                    *[rng.randrange(-2000, 2000) for _ in range(size // 4)]))
            else:
                left = size
                while left:
                    n = min(left, len(block))
                    f.write(block[:n])
                    left -= n
            cur = p + 4 + size
        f.write(bytes(total - cur))
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--weights-mb", type=float, default=200.0,
                    help="total int8 weight bytes, in MiB (default 200)")
    ap.add_argument("--layers", type=int, default=4, help="FULLY_CONNECTED layers (default 4)")
    ap.add_argument("--dynamic-batch", action="store_true",
                    help="write shape_signature [-1, ...] on activations (for bench/fix.sh)")
    args = ap.parse_args()
    if args.layers < 1 or args.weights_mb <= 0:
        ap.error("--layers and --weights-mb must be positive")
    dim = max(8, math.ceil(math.sqrt(args.weights_mb * 1024 * 1024 / args.layers)))
    dim = (dim + 15) // 16 * 16
    size = build(dim, args.layers, args.out, dynamic_batch=args.dynamic_batch)
    print(f"{args.out}: {size} bytes, {args.layers} x FULLY_CONNECTED [{dim}x{dim}] int8, "
          f"{args.layers * dim * dim} weight bytes")


if __name__ == "__main__":
    main()
