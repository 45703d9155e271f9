/** Conversions between IEEE half floats, bfloat16 and float32, working on raw bit patterns. */

let f16Table: Int32Array | undefined;

/** The float32 bit pattern of every float16 bit pattern (built once, 256 KiB). */
function float16Table(): Int32Array {
  if (f16Table) return f16Table;
  const table = new Int32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    let mant = h & 0x3ff;
    if (exp === 0x1f) {
      // Infinity or NaN: keep the payload.
      table[h] = sign | 0x7f800000 | (mant << 13);
    } else if (exp !== 0) {
      table[h] = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant === 0) {
      table[h] = sign;
    } else {
      // Subnormal: normalize the mantissa; float32 exponent starts at that of 2^-14.
      let e = 113;
      while ((mant & 0x400) === 0) {
        mant <<= 1;
        e--;
      }
      table[h] = sign | (e << 23) | ((mant & 0x3ff) << 13);
    }
  }
  f16Table = table;
  return table;
}

/** Widens IEEE binary16 bit patterns to float32 values (exact; NaN payloads kept). */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const table = float16Table();
  const out = new Float32Array(bits.length);
  const outBits = new Int32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = table[bits[i]!]!;
  return out;
}

/** Widens bfloat16 bit patterns (the top half of a float32) to float32 values (exact). */
export function bfloat16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Int32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i]! << 16;
  return out;
}

/** Narrows float32 values to IEEE binary16 bits: round to nearest even, overflow to ±Inf. */
export function float32ToFloat16Bits(values: Float32Array): Uint16Array {
  const n = values.length;
  const inBits = new Int32Array(values.buffer, values.byteOffset, n);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const x = inBits[i]!;
    const sign = (x >>> 16) & 0x8000;
    const abs = x & 0x7fffffff;
    let h: number;
    if (abs >= 0x38800000) {
      if (abs >= 0x7f800000) {
        // Infinity, or NaN with its top payload bits (forced non-zero so it stays NaN).
        const payload = (abs >>> 13) & 0x3ff;
        h = abs === 0x7f800000 ? 0x7c00 : 0x7c00 | (payload === 0 ? 0x200 : payload);
      } else {
        // Normal range: rebias the exponent (127 → 15), round the 13 dropped bits.
        h = (abs - 0x38000000) >>> 13;
        const rest = abs & 0x1fff;
        if (rest > 0x1000 || (rest === 0x1000 && (h & 1) !== 0)) h++;
        if (h > 0x7c00) h = 0x7c00;
      }
    } else if (abs > 0x33000000) {
      // Result is a subnormal (or rounds up to the smallest normal): units of 2^-24.
      const mant = (abs & 0x7fffff) | 0x800000;
      const shift = 126 - (abs >>> 23);
      h = mant >>> shift;
      const rest = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rest > half || (rest === half && (h & 1) !== 0)) h++;
    } else {
      // At most half of the smallest subnormal (2^-25): ties go to even, i.e. zero.
      h = 0;
    }
    out[i] = sign | h;
  }
  return out;
}
