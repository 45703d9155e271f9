import assert from 'node:assert/strict';
import { RunLock } from '../../src/inference/runLock';

describe('RunLock', () => {
  it('runs one task at a time and serves interactive tasks before queued batch ones', async () => {
    const lock = new RunLock();
    const order: string[] = [];
    let active = 0;
    let maxActive = 0;
    const task = (name: string) => async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      order.push(name);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      return name;
    };
    const all = [
      lock.run('batch', task('b1')),
      lock.run('batch', task('b2')),
      lock.run('batch', task('b3')),
      lock.run('interactive', task('i1')),
      lock.run('interactive', task('i2')),
    ];
    assert.equal(lock.waiting, 4);
    assert.deepEqual(await Promise.all(all), ['b1', 'b2', 'b3', 'i1', 'i2']);
    assert.deepEqual(order, ['b1', 'i1', 'i2', 'b2', 'b3']);
    assert.equal(maxActive, 1);
  });

  it('releases the lock when a task fails', async () => {
    const lock = new RunLock();
    await assert.rejects(
      lock.run('batch', () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await lock.run('batch', async () => 7), 7);
  });
});
