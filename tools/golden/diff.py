#!/usr/bin/env python3
"""diff.py BEFORE AFTER: compare two capture.sh directories. Files must be
byte-identical, except JSON whose only differences are number spellings that
denote the same float32 (inspect --json prints float32 values shortest-exact
since issue 13; older binaries printed the double). Exit 1 when any differs."""
import json, os, struct, sys

def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]

def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            try:
                return f32(float(a)) == f32(float(b)) or float(a) == float(b)
            except OverflowError:
                return float(a) == float(b)
        return False
    if type(a) != type(b):
        return False
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

def split(text):
    body, _, rc = text.rpartition('rc=')
    return body, rc

bad = 0
A, B = sys.argv[1], sys.argv[2]
names = sorted(set(os.listdir(A)) | set(os.listdir(B)))
for n in names:
    pa, pb = os.path.join(A, n), os.path.join(B, n)
    if not (os.path.exists(pa) and os.path.exists(pb)):
        print('missing on one side:', n); bad += 1; continue
    ta, tb = open(pa, 'rb').read(), open(pb, 'rb').read()
    if ta == tb:
        continue
    if n.endswith('.json'):
        ba, ra = split(ta.decode('utf-8', 'replace'))
        bb, rb = split(tb.decode('utf-8', 'replace'))
        try:
            if ra == rb and same(json.loads(ba), json.loads(bb)):
                continue
        except ValueError:
            pass
    print('differs:', n); bad += 1
print(f'{len(names)} files, {bad} differ')
sys.exit(1 if bad else 0)
