import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/engine/config';
import { SafetensorsError, openSafetensors, writeSafetensors } from '../../src/engine/safetensors';
import { checkWeightsFit } from '../../src/engine/weights';

const FIXTURE = join(__dirname, '../../../test/fixtures/seggpt-tiny-reference');

/** Writes a safetensors file by hand: length prefix, header text, raw data bytes. */
function handMade(path: string, header: unknown, data: Uint8Array = new Uint8Array(0)): string {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  fs.writeFileSync(path, Buffer.concat([prefix, text, data]));
  return path;
}

function u16le(...values: number[]): Uint8Array {
  const b = Buffer.alloc(2 * values.length);
  values.forEach((v, i) => b.writeUInt16LE(v, 2 * i));
  return b;
}

function f32le(...values: number[]): Uint8Array {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return b;
}

/** Asserts that opening `path` fails with a one-line SafetensorsError naming the file. */
async function openFails(path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(openSafetensors(path), (err: unknown) => {
    assert.ok(err instanceof SafetensorsError, `not a SafetensorsError: ${String(err)}`);
    assert.equal(err.name, 'SafetensorsError');
    assert.ok(err.message.startsWith(`${path}: `), err.message);
    assert.ok(!err.message.includes('\n'), err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('safetensors', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(join(os.tmpdir(), 'seggpt-safetensors-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('write then read', () => {
    it('round-trips tensors, shapes and metadata', async () => {
      const path = join(dir, 'model.safetensors');
      const a = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
      const b = Float32Array.of(Math.PI, -0, Infinity, 1e-40);
      const tensors = [
        { name: 'layer.a', shape: [2, 3, 4], data: a },
        { name: 'scalar', shape: [], data: Float32Array.of(7) },
        { name: 'empty', shape: [0, 5], data: new Float32Array(0) },
        { name: 'b', shape: [4], data: b.subarray(0) },
      ];
      await writeSafetensors(path, tensors, { format: 'pt', note: 'ünïcode' });
      assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);

      const raw = fs.readFileSync(path);
      const headerLength = Number(raw.readBigUInt64LE(0));
      assert.equal(headerLength % 8, 0);
      assert.equal(raw.length, 8 + headerLength + (24 + 1 + 4) * 4);

      const file = await openSafetensors(path);
      try {
        assert.equal(file.path, path);
        assert.deepEqual(file.metadata, { format: 'pt', note: 'ünïcode' });
        assert.deepEqual(
          file.tensors().map((t) => [t.name, t.dtype, t.shape]),
          tensors.map((t) => [t.name, 'F32', t.shape]),
        );
        assert.deepEqual(file.info('layer.a'), { name: 'layer.a', dtype: 'F32', shape: [2, 3, 4] });
        assert.equal(file.info('nope'), undefined);
        assert.deepEqual(await file.readF32('layer.a'), a);
        assert.deepEqual(await file.readF32('scalar'), Float32Array.of(7));
        assert.deepEqual(await file.readF32('empty'), new Float32Array(0));
        const gotB = await file.readF32('b');
        assert.deepEqual([...gotB], [...b]);
        assert.ok(Object.is(gotB[1], -0));
      } finally {
        await file.close();
      }
    });

    it('pads the header with spaces to a multiple of 8 and is readable as plain JSON', async () => {
      const path = join(dir, 'x.safetensors');
      await writeSafetensors(path, [{ name: 'w', shape: [1], data: Float32Array.of(1) }]);
      const raw = fs.readFileSync(path);
      const n = Number(raw.readBigUInt64LE(0));
      const text = raw.subarray(8, 8 + n).toString('utf8');
      assert.match(text, /^\{.*\} *$/);
      assert.deepEqual(JSON.parse(text), {
        w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      });
    });

    it('writes data from views into larger buffers', async () => {
      const path = join(dir, 'view.safetensors');
      const big = Float32Array.from({ length: 10 }, (_, i) => i);
      await writeSafetensors(path, [{ name: 'v', shape: [3], data: big.subarray(4, 7) }]);
      const file = await openSafetensors(path);
      assert.deepEqual([...(await file.readF32('v'))], [4, 5, 6]);
      await file.close();
    });

    it('replaces an existing file, and leaves it alone when a tensor is invalid', async () => {
      const path = join(dir, 'model.safetensors');
      fs.writeFileSync(path, 'old');
      await writeSafetensors(path, [{ name: 'w', shape: [2], data: Float32Array.of(1, 2) }]);
      const file = await openSafetensors(path);
      assert.deepEqual([...(await file.readF32('w'))], [1, 2]);
      await file.close();

      const before = fs.readFileSync(path);
      await assert.rejects(
        writeSafetensors(path, [{ name: 'w', shape: [3], data: Float32Array.of(1, 2) }]),
        (err: unknown) =>
          err instanceof SafetensorsError && /shape \[3\] needs 3 values, got 2/.test(err.message),
      );
      await assert.rejects(
        writeSafetensors(path, [
          { name: 'w', shape: [1], data: Float32Array.of(1) },
          { name: 'w', shape: [1], data: Float32Array.of(1) },
        ]),
        /used twice/,
      );
      assert.deepEqual(fs.readFileSync(path), before);
      assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
    });

    it('reports an unwritable destination', async () => {
      const path = join(dir, 'no-such-dir', 'model.safetensors');
      await assert.rejects(
        writeSafetensors(path, []),
        (err: unknown) => err instanceof SafetensorsError && err.message.startsWith(path),
      );
    });
  });

  describe('the tiny reference fixture', () => {
    it('holds the 102 tensors the fixture config needs', async () => {
      const file = await openSafetensors(join(FIXTURE, 'model.safetensors'));
      try {
        const config = parseConfig(
          JSON.parse(fs.readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as unknown,
        );
        assert.equal(file.tensors().length, 102);
        assert.ok(file.tensors().every((t) => t.dtype === 'F32'));
        checkWeightsFit(file, config);
        assert.deepEqual(file.info('model.embeddings.position_embeddings')?.shape, [1, 10, 32]);
        assert.deepEqual(file.info('model.encoder.layers.3.attention.rel_pos_h')?.shape, [15, 8]);
        assert.deepEqual(file.info('decoder.decoder_embed.weight')?.shape, [1024, 128]);

        const token = await file.readF32('model.embeddings.mask_token');
        assert.equal(token.length, 32);
        const raw = fs.readFileSync(join(FIXTURE, 'model.safetensors'));
        const start = 8 + Number(raw.readBigUInt64LE(0)); // mask_token has offsets [0, 128]
        for (let i = 0; i < 32; i++) assert.equal(token[i], raw.readFloatLE(start + 4 * i));

        const embed = await file.readF32('decoder.decoder_embed.weight');
        assert.equal(embed.length, 1024 * 128);
        assert.ok(embed.every(Number.isFinite));
      } finally {
        await file.close();
      }
    });
  });

  describe('half-precision files', () => {
    it('reads F16 tensors as float32', async () => {
      const path = handMade(
        join(dir, 'f16.safetensors'),
        { h: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] } },
        u16le(0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x3555),
      );
      const file = await openSafetensors(path);
      assert.deepEqual(file.info('h'), { name: 'h', dtype: 'F16', shape: [2, 3] });
      const got = await file.readF32('h');
      assert.deepEqual([...got], [1, -2, 65504, 2 ** -24, -0, 0.333251953125]);
      assert.ok(Object.is(got[4], -0));
      await file.close();
    });

    it('reads BF16 tensors as float32', async () => {
      const path = handMade(
        join(dir, 'bf16.safetensors'),
        { b: { dtype: 'BF16', shape: [4], data_offsets: [0, 8] } },
        u16le(0x3f80, 0xc040, 0x3e20, 0xff80),
      );
      const file = await openSafetensors(path);
      assert.deepEqual([...(await file.readF32('b'))], [1, -3, 0.15625, -Infinity]);
      await file.close();
    });

    it('reads a file mixing dtypes, with metadata, in any header order', async () => {
      const header = {
        z: { dtype: 'BF16', shape: [1], data_offsets: [12, 14] },
        __metadata__: { format: 'pt' },
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        m: { dtype: 'F16', shape: [2], data_offsets: [8, 12] },
      };
      const data = Buffer.concat([f32le(0.25, -8), u16le(0x4000, 0x3800), u16le(0x4040)]);
      const file = await openSafetensors(handMade(join(dir, 'mixed.safetensors'), header, data));
      assert.deepEqual(file.metadata, { format: 'pt' });
      assert.deepEqual(
        file.tensors().map((t) => t.name),
        ['z', 'a', 'm'],
      );
      assert.deepEqual([...(await file.readF32('a'))], [0.25, -8]);
      assert.deepEqual([...(await file.readF32('m'))], [2, 0.5]);
      assert.deepEqual([...(await file.readF32('z'))], [3]);
      await file.close();
    });
  });

  describe('bad input', () => {
    const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

    it('a missing file', async () => {
      await openFails(join(dir, 'absent.safetensors'), /cannot open: file not found/);
    });

    it('a directory', async () => {
      await openFails(dir, /directory/);
    });

    it('an empty file', async () => {
      const path = join(dir, 'empty.safetensors');
      fs.writeFileSync(path, '');
      await openFails(path, /empty file \(0 bytes\)/);
    });

    it('a 4-byte file', async () => {
      const path = join(dir, 'short.safetensors');
      fs.writeFileSync(path, Buffer.from([1, 2, 3, 4]));
      await openFails(path, /only 4 bytes, too short/);
    });

    it('a header length larger than the file', async () => {
      const path = join(dir, 'long.safetensors');
      const b = Buffer.alloc(108, 0x20);
      b.writeBigUInt64LE(1234n);
      fs.writeFileSync(path, b);
      await openFails(path, /truncated: header says 1234 bytes, file has 100/);
    });

    it('an implausible or zero header length', async () => {
      const huge = join(dir, 'huge.safetensors');
      const b = Buffer.alloc(16);
      b.writeBigUInt64LE(0xffffffffffffffffn);
      fs.writeFileSync(huge, b);
      await openFails(huge, /header length 18446744073709551615 exceeds 100 MB/);
      const zero = join(dir, 'zero.safetensors');
      fs.writeFileSync(zero, Buffer.alloc(16));
      await openFails(zero, /header length is 0/);
    });

    it('a header that is not JSON', async () => {
      const path = handMade(join(dir, 'text.safetensors'), 'hello, world!');
      await openFails(path, /header is not valid JSON/);
      const bad = join(dir, 'utf8.safetensors');
      handMade(bad, '{"a":1}');
      const raw = fs.readFileSync(bad);
      raw[10] = 0xff; // invalid UTF-8 inside the key
      fs.writeFileSync(bad, raw);
      await openFails(bad, /header is not valid JSON/);
    });

    it('a header that is JSON but not an object', async () => {
      await openFails(
        handMade(join(dir, 'arr.safetensors'), [1, 2]),
        /header must be a JSON object/,
      );
      await openFails(handMade(join(dir, 'null.safetensors'), 'null'), /JSON object, got null/);
      await openFails(
        handMade(join(dir, 'entry.safetensors'), { t: [1] }),
        /tensor "t": entry must be an object/,
      );
    });

    it('an unsupported dtype', async () => {
      const path = handMade(
        join(dir, 'i64.safetensors'),
        { ids: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } },
        new Uint8Array(8),
      );
      await openFails(path, /tensor "ids": unsupported dtype "I64"/);
    });

    it('a malformed shape or data_offsets', async () => {
      const data = new Uint8Array(8);
      await openFails(
        handMade(join(dir, 's1.safetensors'), { t: { ...ok, shape: [2, -1] } }, data),
        /tensor "t": shape must be a list of non-negative integers/,
      );
      await openFails(
        handMade(join(dir, 's2.safetensors'), { t: { ...ok, shape: '2' } }, data),
        /shape must be a list/,
      );
      await openFails(
        handMade(join(dir, 'o1.safetensors'), { t: { ...ok, data_offsets: [0] } }, data),
        /tensor "t": data_offsets must be \[begin, end\]/,
      );
      await openFails(
        handMade(join(dir, 'o2.safetensors'), { t: { ...ok, data_offsets: [0, 7.5] } }, data),
        /data_offsets must be/,
      );
      await openFails(
        handMade(join(dir, 'o3.safetensors'), { t: { ...ok, data_offsets: [8, 0] } }, data),
        /end before they begin/,
      );
    });

    it('a shape that does not match the byte length', async () => {
      const path = handMade(
        join(dir, 'mismatch.safetensors'),
        { t: { dtype: 'F16', shape: [3, 2], data_offsets: [0, 8] } },
        new Uint8Array(8),
      );
      await openFails(path, /tensor "t": shape \[3, 2\] of F16 needs 12 bytes, .* hold 8/);
    });

    it('offsets past the end of the data', async () => {
      const path = handMade(
        join(dir, 'past.safetensors'),
        { t: { dtype: 'F32', shape: [4], data_offsets: [100, 116] } },
        new Uint8Array(16),
      );
      await openFails(path, /tensor "t" ends at byte 116 of the data section, which has 16 bytes/);
    });

    it('overlapping tensors', async () => {
      const path = handMade(
        join(dir, 'overlap.safetensors'),
        {
          a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
          b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
          e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] },
        },
        new Uint8Array(16),
      );
      await openFails(path, /tensors "a" \[0, 12\] and "b" \[8, 16\] overlap/);
    });

    it('truncated tensor data', async () => {
      const path = join(dir, 'model.safetensors');
      await writeSafetensors(path, [
        { name: 'a', shape: [4], data: new Float32Array(4) },
        { name: 'b', shape: [64], data: new Float32Array(64) },
      ]);
      fs.truncateSync(path, fs.statSync(path).size - 10);
      await openFails(path, /truncated or corrupt: tensor "b" ends at byte 272 .* has 262 bytes/);
    });

    it('bad __metadata__', async () => {
      await openFails(
        handMade(join(dir, 'm1.safetensors'), { __metadata__: { n: 1 } }),
        /__metadata__ value for "n" must be a string/,
      );
      await openFails(
        handMade(join(dir, 'm2.safetensors'), { __metadata__: 'x' }),
        /__metadata__ must be an object/,
      );
    });

    it('an unknown tensor name, and reads after close', async () => {
      const path = handMade(join(dir, 'one.safetensors'), { t: ok }, f32le(1, 2));
      const file = await openSafetensors(path);
      await assert.rejects(
        file.readF32('missing.weight'),
        (err: unknown) =>
          err instanceof SafetensorsError &&
          err.message === `${path}: no tensor named "missing.weight"`,
      );
      await file.close();
      await file.close(); // idempotent
      await assert.rejects(file.readF32('t'), /has been closed/);
    });
  });
});
