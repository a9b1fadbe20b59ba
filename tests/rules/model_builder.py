"""Tiny TFLite models as flatc JSON, for rule tests (tests/check_rules.py).

Unlike tools/gen_examples.py, nothing here computes values: `etpu check`
reads only metadata (types, shapes, quantization, op codes and options) plus
a few small constant tensors (axes, strides, concat constants), so a model is
just that metadata. Activations get a fixed int8 quantization unless told
otherwise. Standard library only.

    m = Model()
    x = m.input("x", [1, 8, 8, 4])                     # int8 activation
    y = m.act("y", [1, 8, 8, 4])
    m.op("ADD", [x, x], [y], options=("AddOptions", {}))
    m.output(y)
    json_text = m.json()

Op codes and their options tables come from the repository's
include/etpu/builtin_ops.def, so they cannot drift from the reader's.
"""

import json
import os
import re
import struct

_HERE = os.path.dirname(os.path.abspath(__file__))
_BUILTIN_OPS_DEF = os.path.join(_HERE, "..", "..", "include", "etpu", "builtin_ops.def")

# name -> (code, options table or None)
BUILTINS = {}
with open(_BUILTIN_OPS_DEF, encoding="utf-8") as _f:
    for _m in re.finditer(r"^X\((\w+),\s*(\d+),\s*(\w+)\)", _f.read(), re.M):
        BUILTINS[_m.group(1)] = (int(_m.group(2)), None if _m.group(3) == "ANY" else _m.group(3))

DEFAULT_QUANT = (0.05, 0)   # (scale, zero point) of every int8/uint8 activation by default
NO_QUANT = "none"           # pass as quant= to leave the quantization out


def pack(fmt, values):
    return list(struct.pack("<%d%s" % (len(values), fmt), *values))


class Model:
    def __init__(self):
        self.tensors = []       # JSON dicts
        self.buffers = [{}]     # buffer 0: the empty sentinel
        self.opcodes = []       # JSON dicts
        self._opcode_index = {}
        self.operators = []
        self.inputs, self.outputs = [], []

    # -- tensors -----------------------------------------------------------

    def tensor(self, name, shape, ttype="INT8", quant=None, data=None, signature=None,
               variable=False):
        """Add a tensor; returns its index. quant: (scale, zp), ([scales], [zps]),
        a full dict, NO_QUANT, or None (= DEFAULT_QUANT for int8/uint8 types).
        variable: an op's state (is_variable), e.g. an LSTM's cell state."""
        t = {"shape": list(shape), "type": ttype, "name": name}
        if variable:
            t["is_variable"] = True
        if quant is None and ttype in ("INT8", "UINT8"):
            quant = DEFAULT_QUANT
        if quant is not None and quant != NO_QUANT:
            if isinstance(quant, dict):
                t["quantization"] = quant
            else:
                s, z = quant
                s = s if isinstance(s, list) else [s]
                z = z if isinstance(z, list) else [z]
                t["quantization"] = {"scale": s, "zero_point": z}
        if data is not None:
            self.buffers.append({"data": list(data)})
        else:
            self.buffers.append({})
        t["buffer"] = len(self.buffers) - 1
        if signature is not None:
            t["shape_signature"] = list(signature)
        self.tensors.append(t)
        return len(self.tensors) - 1

    def act(self, name, shape, ttype="INT8", quant=None, signature=None):
        return self.tensor(name, shape, ttype, quant, None, signature)

    def input(self, name, shape, ttype="INT8", quant=None, signature=None):
        t = self.act(name, shape, ttype, quant, signature)
        self.inputs.append(t)
        return t

    def output(self, *ts):
        self.outputs.extend(ts)

    def const_i32(self, name, values, shape=None):
        return self.tensor(name, [len(values)] if shape is None else shape, "INT32",
                           quant=NO_QUANT, data=pack("i", values))

    def const_i8(self, name, shape, values=None, quant=None, fill=1):
        n = 1
        for d in shape:
            n *= d
        if values is None:
            values = [fill] * n
        return self.tensor(name, shape, "INT8", quant or (0.01, 0), data=pack("b", values))

    def const_bias(self, name, n, scale=0.0005):
        return self.tensor(name, [n], "INT32", quant=(scale, 0), data=pack("i", [0] * n))

    def const_f32(self, name, shape, fill=0.5):
        n = 1
        for d in shape:
            n *= d
        return self.tensor(name, shape, "FLOAT32", quant=NO_QUANT, data=pack("f", [fill] * n))

    def const_f16(self, name, shape, fill=0.5):
        n = 1
        for d in shape:
            n *= d
        return self.tensor(name, shape, "FLOAT16", quant=NO_QUANT, data=pack("e", [fill] * n))

    # -- operators ---------------------------------------------------------

    def opcode(self, name, version=1, custom_code=None):
        key = (name, version, custom_code)
        if key not in self._opcode_index:
            code = BUILTINS[name][0]
            oc = {"deprecated_builtin_code": min(code, 127), "version": version,
                  "builtin_code": name}
            if custom_code is not None:
                oc["custom_code"] = custom_code
            self._opcode_index[key] = len(self.opcodes)
            self.opcodes.append(oc)
        return self._opcode_index[key]

    def op(self, name, inputs, outputs, options=None, version=1, custom_code=None):
        """Add an operator; returns its index (= its position in execution order).
        options: dict of the op's own options table (builtin_ops.def names it),
        or None for none."""
        o = {"opcode_index": self.opcode(name, version, custom_code),
             "inputs": list(inputs), "outputs": list(outputs)}
        table = BUILTINS[name][1]
        if options is not None:
            if table is None:
                raise ValueError("%s takes no options table" % name)
            o["builtin_options_type"] = table
            o["builtin_options"] = options
        self.operators.append(o)
        return len(self.operators) - 1

    # -- output ------------------------------------------------------------

    def model(self):
        return {
            "version": 3,
            "operator_codes": self.opcodes,
            "subgraphs": [{
                "tensors": self.tensors,
                "inputs": self.inputs,
                "outputs": self.outputs,
                "operators": self.operators,
                "name": "main",
            }],
            "description": "etpu rule test",
            "buffers": self.buffers,
        }

    def json(self):
        return json.dumps(self.model())
