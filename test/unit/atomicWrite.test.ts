import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWriteError, MaskExistsError, writeFileAtomic } from '../../src/engine/atomicWrite';
// The live module object (not an import copy), so a test can stub link() as FAT would fail it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import fsp = require('node:fs/promises');

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seggpt-atomic-'));
  });
  afterEach(async () => {
    await chmod(dir, 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a new file and leaves no temp file', async () => {
    const file = join(dir, 'a.png');
    await writeFileAtomic(file, bytes('hello'), { overwrite: false });
    assert.equal(await readFile(file, 'utf8'), 'hello');
    assert.deepEqual(await readdir(dir), ['a.png']);
  });

  it('never overwrites without the flag', async () => {
    const file = join(dir, 'a.png');
    await writeFile(file, 'original');
    await assert.rejects(
      writeFileAtomic(file, bytes('new'), { overwrite: false }),
      MaskExistsError,
    );
    assert.equal(await readFile(file, 'utf8'), 'original');
    assert.deepEqual(await readdir(dir), ['a.png']);
  });

  it('overwrites with the flag, keeping the old file mode', async () => {
    const file = join(dir, 'a.png');
    await writeFile(file, 'original');
    await chmod(file, 0o640);
    await writeFileAtomic(file, bytes('new'), { overwrite: true });
    assert.equal(await readFile(file, 'utf8'), 'new');
    assert.equal((await stat(file)).mode & 0o777, 0o640);
    assert.deepEqual(await readdir(dir), ['a.png']);
  });

  it('lets exactly one of several racing no-overwrite writers win', async () => {
    const file = join(dir, 'race.png');
    const writers = Array.from({ length: 8 }, (_, i) =>
      writeFileAtomic(file, bytes(`writer ${i}`), { overwrite: false }),
    );
    const results = await Promise.allSettled(writers);
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    assert.equal(won.length, 1);
    for (const r of results) {
      if (r.status === 'rejected') assert.ok(r.reason instanceof MaskExistsError, String(r.reason));
    }
    assert.equal(await readFile(file, 'utf8'), `writer ${won[0]}`);
    assert.deepEqual(await readdir(dir), ['race.png']);
  });

  it('fails with a one-line FileWriteError into a missing folder', async () => {
    const file = join(dir, 'missing', 'a.png');
    await assert.rejects(writeFileAtomic(file, bytes('x'), { overwrite: true }), (err: unknown) => {
      assert.ok(err instanceof FileWriteError);
      assert.equal(err.code, 'ENOENT');
      assert.equal(err.message, `Cannot write "${file}": ENOENT: no such file or directory`);
      return true;
    });
    assert.deepEqual(await readdir(dir), []);
  });

  it('removes the temp file when the final rename fails', async () => {
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'x'); // a non-empty directory cannot be renamed over
    await assert.rejects(writeFileAtomic(target, bytes('x'), { overwrite: true }), FileWriteError);
    assert.deepEqual(await readdir(dir), ['taken']);
    await assert.rejects(
      writeFileAtomic(target, bytes('x'), { overwrite: false }),
      MaskExistsError,
    );
    assert.deepEqual(await readdir(dir), ['taken']);
  });

  it('fails cleanly in a read-only folder', async function () {
    if (process.platform === 'win32' || process.getuid?.() === 0) this.skip(); // root ignores modes
    await chmod(dir, 0o555);
    const file = join(dir, 'a.png');
    await assert.rejects(
      writeFileAtomic(file, bytes('x'), { overwrite: false }),
      (err: unknown) => {
        assert.ok(err instanceof FileWriteError);
        assert.equal(err.code, 'EACCES');
        return true;
      },
    );
    assert.deepEqual(await readdir(dir), []);
  });

  it('falls back to an exclusive create where hard links are unsupported', async () => {
    const realLink = fsp.link;
    const noLink = async (): Promise<void> => {
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    };
    Reflect.set(fsp, 'link', noLink); // as on FAT/exFAT
    try {
      const file = join(dir, 'a.png');
      await writeFileAtomic(file, bytes('fallback'), { overwrite: false });
      assert.equal(await readFile(file, 'utf8'), 'fallback');
      await assert.rejects(
        writeFileAtomic(file, bytes('again'), { overwrite: false }),
        MaskExistsError,
      );
      assert.equal(await readFile(file, 'utf8'), 'fallback');
      assert.deepEqual(await readdir(dir), ['a.png']);
      // racing writers all pass the early check; the exclusive create must pick one
      const race = join(dir, 'race.png');
      const results = await Promise.allSettled(
        [0, 1, 2, 3].map((i) => writeFileAtomic(race, bytes(`w${i}`), { overwrite: false })),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      assert.equal(won.length, 1);
      assert.equal(await readFile(race, 'utf8'), `w${won[0]}`);
      assert.deepEqual((await readdir(dir)).sort(), ['a.png', 'race.png']);
    } finally {
      Reflect.set(fsp, 'link', realLink);
    }
  });
});
