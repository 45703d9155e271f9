import * as assert from 'node:assert/strict';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToFloat16Bits,
} from '../../src/engine/halfFloat';

function toF16(...values: number[]): number[] {
  return [...float32ToFloat16Bits(Float32Array.from(values))];
}

function fromF16(...bits: number[]): number[] {
  return [...float16BitsToFloat32(Uint16Array.from(bits))];
}

/** The float32 value with the given bit pattern. */
function f32(bits: number): number {
  return new Float32Array(Uint32Array.of(bits).buffer)[0]!;
}

describe('halfFloat', () => {
  const known: Array<[number, number]> = [
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [-65504, 0xfbff],
    [2 ** -14, 0x0400],
    [2 ** -24, 0x0001],
    [1023 * 2 ** -24, 0x03ff],
    [0.333251953125, 0x3555],
  ];

  it('widens known float16 values exactly', () => {
    for (const [value, bits] of known)
      assert.equal(fromF16(bits)[0], value, `0x${bits.toString(16)}`);
    assert.ok(Object.is(fromF16(0x0000)[0], 0));
    assert.ok(Object.is(fromF16(0x8000)[0], -0));
    assert.deepEqual(fromF16(0x7c00, 0xfc00), [Infinity, -Infinity]);
    assert.ok(Number.isNaN(fromF16(0x7e00)[0]));
    assert.ok(Number.isNaN(fromF16(0x7c01)[0]));
  });

  it('narrows known float32 values exactly', () => {
    for (const [value, bits] of known) assert.equal(toF16(value)[0], bits, `${value}`);
    assert.deepEqual(toF16(0, -0), [0x0000, 0x8000]);
    assert.deepEqual(toF16(Infinity, -Infinity), [0x7c00, 0xfc00]);
    // 6.1e-5 lies between the largest subnormal (6.0976e-5) and 2^-14, below their midpoint.
    assert.equal(toF16(6.1e-5)[0], 0x03ff);
    assert.equal(toF16(6.101e-5)[0], 0x0400);
    assert.equal(fromF16(0x03ff)[0], 6.0975551605224609e-5);
  });

  it('keeps NaN a NaN, with its sign', () => {
    const [qnan, negNan, lowPayload] = toF16(NaN, -NaN, f32(0x7f800001));
    assert.equal(qnan! & 0x7c00, 0x7c00);
    assert.notEqual(qnan! & 0x3ff, 0);
    assert.equal(toF16(f32(0xffc00000))[0], 0xfe00);
    assert.notEqual(negNan! & 0x3ff, 0);
    // A payload only in the low bits must not collapse to infinity.
    assert.equal(lowPayload! & 0x7c00, 0x7c00);
    assert.notEqual(lowPayload! & 0x3ff, 0);
  });

  it('rounds ties to even', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: goes to 1 (even mantissa).
    assert.equal(toF16(1 + 2 ** -11)[0], 0x3c00);
    // 1 + 3·2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
    assert.equal(toF16(1 + 3 * 2 ** -11)[0], 0x3c02);
    // Just above a tie rounds up.
    assert.equal(toF16(1 + 2 ** -11 + 2 ** -20)[0], 0x3c01);
    // Subnormal ties: 2^-25 → 0, 3·2^-25 → 2·2^-24, and just above 2^-25 → 2^-24.
    assert.deepEqual(toF16(2 ** -25, 3 * 2 ** -25, 2 ** -25 * (1 + 2 ** -23)), [0, 2, 1]);
    assert.deepEqual(toF16(-(2 ** -25), 2 ** -26, 2 ** -149), [0x8000, 0, 0]);
    // The largest subnormal plus half an ulp ties up to the smallest normal.
    assert.equal(toF16(1023.5 * 2 ** -24)[0], 0x0400);
  });

  it('overflows to infinity', () => {
    assert.equal(toF16(65519.99)[0], 0x7bff);
    assert.equal(toF16(65520)[0], 0x7c00); // tie between 65504 (odd) and 65536: goes up
    assert.deepEqual(toF16(70000, -1e10, 3.4e38), [0x7c00, 0xfc00, 0x7c00]);
  });

  it('round-trips all 65536 float16 bit patterns', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToFloat16Bits(float16BitsToFloat32(all));
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN) assert.ok((back[h]! & 0x7c00) === 0x7c00 && (back[h]! & 0x3ff) !== 0);
      else assert.equal(back[h], h, `0x${h.toString(16)}`);
    }
  });

  it('rounds every midpoint between neighbouring float16 values correctly', () => {
    // For each finite h ≥ 0: the float32 midpoint to h + 1, and its float32 neighbours.
    const widened = float16BitsToFloat32(new Uint16Array(0x7c01).map((_, i) => i));
    const probes = new Float32Array(3 * 0x7c00);
    const probeBits = new Uint32Array(probes.buffer);
    for (let h = 0; h < 0x7c00; h++) {
      const upper = h === 0x7bff ? 65536 : widened[h + 1]!;
      probes[3 * h + 1] = (widened[h]! + upper) / 2; // exact in float32
      probeBits[3 * h] = probeBits[3 * h + 1]! - 1;
      probeBits[3 * h + 2] = probeBits[3 * h + 1]! + 1;
    }
    const negatives = probes.map((v) => -v);
    for (const [sign, got] of [
      [0, float32ToFloat16Bits(probes)],
      [0x8000, float32ToFloat16Bits(negatives)],
    ] as const) {
      for (let h = 0; h < 0x7c00; h++) {
        const even = (h & 1) === 0 ? h : h + 1;
        assert.equal(got[3 * h], sign | h, `below midpoint ${h}`);
        assert.equal(got[3 * h + 1], sign | even, `midpoint ${h}`);
        assert.equal(got[3 * h + 2], sign | (h + 1), `above midpoint ${h}`);
      }
    }
  });

  it('widens bfloat16 as the top half of a float32', () => {
    const got = bfloat16BitsToFloat32(
      Uint16Array.of(0x3f80, 0xc000, 0x0000, 0x8000, 0x7f80, 0x3e20),
    );
    assert.deepEqual([...got.subarray(0, 2)], [1, -2]);
    assert.ok(Object.is(got[2], 0) && Object.is(got[3], -0));
    assert.equal(got[4], Infinity);
    assert.equal(got[5], 0.15625);
    assert.ok(Number.isNaN(bfloat16BitsToFloat32(Uint16Array.of(0x7fc0))[0]));
  });

  it('works on subarray views and empty input', () => {
    const values = Float32Array.of(9, 1, -2, 9);
    assert.deepEqual([...float32ToFloat16Bits(values.subarray(1, 3))], [0x3c00, 0xc000]);
    assert.equal(float32ToFloat16Bits(new Float32Array(0)).length, 0);
    assert.equal(float16BitsToFloat32(new Uint16Array(0)).length, 0);
  });
});
