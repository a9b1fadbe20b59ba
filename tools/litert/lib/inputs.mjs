// Deterministic input generation and (de)quantization helpers.

// mulberry32: tiny 32-bit PRNG, returns uint32.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

// One independent stream per (seed, run, input) so that adding an input or a
// run does not shift the others.
export function streamFor(seed, run, input) {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (run + 0x27d4eb2f), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (input + 0x165667b1), 0x9e3779b1) >>> 0;
  return mulberry32(h ^ (h >>> 16));
}

export const INT_RANGES = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
  // Wider integer types are usually indices/shapes; full range is rarely useful.
  int32: [-32768, 32767], uint32: [0, 65535], int64: [-32768, 32767], uint64: [0, 65535],
  bool: [0, 1],
};
export const FLOAT_TYPES = new Set(['float32', 'float16', 'float64']);
const TYPED = {
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
  bool: Uint8Array, float32: Float32Array, float64: Float64Array, float16: Uint16Array,
};

export function isSupportedDtype(dtype) { return dtype in TYPED; }

// Decode raw little-endian bytes into an array of JS numbers (or BigInt for
// 64-bit ints; float16 decoded to its value).
export function decode(dtype, bytes) {
  const T = TYPED[dtype];
  if (!T) return null;
  const copy = bytes.slice();
  const a = new T(copy.buffer, copy.byteOffset, copy.byteLength / T.BYTES_PER_ELEMENT);
  if (dtype === 'float16') return Array.from(a, halfToFloat);
  return Array.from(a);
}

export function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

export function floatToHalf(x) {
  const f32 = new Float32Array([x]);
  const u = new Uint32Array(f32.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

// Draw one value in [lo, hi]: 1/16 of the draws are lo, 1/16 hi, and for
// floats 1/16 exactly 0 (when in range), so saturation ends are exercised.
function drawInt(next, lo, hi) {
  const k = next() & 15;
  if (k === 0) return lo;
  if (k === 1) return hi;
  const span = hi - lo + 1;
  return lo + Math.floor((next() / 4294967296) * span);
}
function drawFloat(next, lo, hi) {
  const k = next() & 15;
  if (k === 0) return lo;
  if (k === 1) return hi;
  if (k === 2 && lo <= 0 && hi >= 0) return 0;
  const u = (next() >>> 8) / 16777216; // 24 random bits in [0,1)
  return lo + (hi - lo) * u;
}

// Generate n values of dtype in [lo, hi]; returns { bytes, values }.
export function generate(next, dtype, n, lo, hi) {
  const T = TYPED[dtype];
  const arr = new T(n);
  const values = new Array(n);
  for (let i = 0; i < n; i++) {
    if (FLOAT_TYPES.has(dtype)) {
      const v = drawFloat(next, lo, hi);
      if (dtype === 'float16') { arr[i] = floatToHalf(v); values[i] = halfToFloat(arr[i]); }
      else { arr[i] = v; values[i] = arr[i]; }
    } else {
      const v = drawInt(next, lo, hi);
      arr[i] = dtype === 'int64' || dtype === 'uint64' ? BigInt(v) : v;
      values[i] = v;
    }
  }
  return { bytes: new Uint8Array(arr.buffer), values };
}

export function encode(dtype, values) {
  const T = TYPED[dtype];
  const arr = new T(values.length);
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'float16') arr[i] = floatToHalf(values[i]);
    else if (dtype === 'int64' || dtype === 'uint64') arr[i] = BigInt(values[i]);
    else arr[i] = values[i];
  }
  return new Uint8Array(arr.buffer);
}

// QUANTIZE (float32 -> int) as this runtime computes it (measured on
// LiteRT wasm 2.5.3 with tie and near-tie inputs):
//  * int8/uint8 run in XNNPACK: q = round_half_even(float32(x * float32(1/scale))) + zp
//  * int16 runs TFLite's reference kernel: q = round_half_away(x / (double)scale) + zp
// both clamped to the integer type's range. Other implementations (the Edge
// TPU, TFLite's own int8 kernel) can differ on exact ties and near-ties; see
// README ("what identical means").
export function quantizeLikeRuntime(x, scale, zp, dtype) {
  const [qmin, qmax] = INT_RANGES[dtype];
  let r;
  if (dtype === 'int8' || dtype === 'uint8') {
    const v = Math.fround(x * Math.fround(1 / scale));
    const f = Math.floor(v);
    const d = v - f;
    r = d > 0.5 ? f + 1 : d < 0.5 ? f : (f % 2 === 0 ? f : f + 1);
  } else {
    const v = x / scale;
    r = v < 0 ? -Math.round(-v) : Math.round(v);
  }
  return Math.min(qmax, Math.max(qmin, r + zp));
}

// DEQUANTIZE: float32((q - zp) * scale). (q - zp) is a small integer and
// scale a float32, so the double product is exact and one rounding to
// float32 gives the correctly rounded result, exactly what both TFLite's
// reference kernel (double math) and float32 kernels (one multiply) produce.
export function dequantize(q, scale, zp) {
  return Math.fround((Number(q) - zp) * scale);
}
