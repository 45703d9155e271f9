import * as assert from 'node:assert/strict';
import { contentHash, PromptCache } from '../../src/engine/promptCache';
import type { PromptFeatures } from '../../src/engine/splitRunner';

describe('PromptCache', () => {
  const key = (masks: Float32Array, semantic = false) => ({
    promptMasks: masks,
    rows: 1,
    semantic,
    ensembleSize: 1,
  });
  const features = (v: number): PromptFeatures => ({
    maskStream: Float32Array.of(v),
    rows: 1,
    semantic: false,
    ensembleSize: 1,
  });

  it('encodes a prompt once and reuses it for the same content', async () => {
    const cache = new PromptCache();
    let calls = 0;
    const encode = async () => features(++calls);
    const masks = Float32Array.of(1, 2, 3);
    const a = await cache.get(key(masks), encode);
    const b = await cache.get(key(Float32Array.of(1, 2, 3)), encode); // equal content, new buffer
    assert.equal(calls, 1);
    assert.equal(a, b);
  });

  it('trusts a caller-given prompt key instead of hashing the masks', async () => {
    const cache = new PromptCache();
    let calls = 0;
    const encode = async () => features(++calls);
    const masks = Float32Array.of(1, 2, 3);
    await cache.get({ ...key(masks), promptKey: 'p1' }, encode);
    masks[1] = 5; // the caller vouched that this does not happen: the key wins
    await cache.get({ ...key(masks), promptKey: 'p1' }, encode);
    assert.equal(calls, 1);
    await cache.get({ ...key(masks), promptKey: 'p2' }, encode);
    await cache.get(key(masks), encode); // no key: hashed, a separate entry
    assert.equal(calls, 3);
  });

  it('encodes again when the buffer is rewritten or the mode changes', async () => {
    const cache = new PromptCache();
    let calls = 0;
    const encode = async () => features(++calls);
    const masks = Float32Array.of(1, 2, 3);
    await cache.get(key(masks), encode);
    masks[1] = 5;
    await cache.get(key(masks), encode);
    await cache.get(key(masks, true), encode);
    assert.equal(calls, 3);
  });

  it('forgets a failed encoding so the next call retries', async () => {
    const cache = new PromptCache();
    const masks = Float32Array.of(1);
    await assert.rejects(cache.get(key(masks), () => Promise.reject(new Error('boom'))));
    const f = await cache.get(key(masks), async () => features(7));
    assert.equal(f.maskStream[0], 7);
  });

  it('hashes content, not identity, and tells close values apart', () => {
    assert.equal(contentHash(Float32Array.of(0.5, 1)), contentHash(Float32Array.of(0.5, 1)));
    assert.notEqual(
      contentHash(Float32Array.of(0.5, 1)),
      contentHash(Float32Array.of(0.5, 1.0000001)),
    );
  });
});
