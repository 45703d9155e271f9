import assert from 'node:assert/strict';
import {
  formatDuration,
  progressLine,
  skipReasons,
  summaryLine,
} from '../../src/commands/batchReport';
import type { BatchJobResult } from '../../src/engine/batchJob';
import { applyProviderSetting } from '../../src/inference/providerSetting';

describe('batch report words', () => {
  const result = (over: Partial<BatchJobResult>): BatchJobResult => ({
    written: [],
    skipped: [],
    failed: [],
    cancelled: false,
    seconds: 0,
    sessions: 1,
    notes: [],
    ...over,
  });

  it('formats durations', () => {
    assert.equal(formatDuration(4.4), '4 s');
    assert.equal(formatDuration(185), '3 min 5 s');
    assert.equal(formatDuration(3720), '1 h 2 min');
    assert.equal(formatDuration(Infinity), '—');
  });

  it('shows count, rate and time left', () => {
    const p = {
      done: 37,
      total: 150,
      written: 37,
      skipped: 0,
      failed: 0,
      imagesPerSecond: 14.2,
      etaSeconds: 8,
    };
    assert.equal(progressLine(p), '37/150 · 14 img/s · 8 s left');
    assert.equal(
      progressLine({ ...p, done: 0, imagesPerSecond: 0, etaSeconds: Infinity }),
      '0/150 · starting',
    );
    assert.equal(progressLine({ ...p, imagesPerSecond: 2.54 }), '37/150 · 2.5 img/s · 8 s left');
  });

  it('sums up a job, and says how to resume a cancelled one', () => {
    assert.equal(summaryLine(result({ written: ['a'], seconds: 2 })), '1 mask written in 2 s.');
    const r = result({
      written: ['a', 'b'],
      skipped: [
        { path: 'c', reason: 'mask exists' },
        { path: 'd', reason: 'mask exists' },
        { path: 'e', reason: 'mask exists and was edited by a person' },
      ],
      failed: [{ path: 'f', error: 'bad' }],
      cancelled: true,
      seconds: 65,
    });
    assert.equal(
      summaryLine(r),
      'Cancelled: 2 masks written, 3 skipped, 1 failed in 1 min 5 s. Run it again to resume where it stopped.',
    );
    assert.equal(skipReasons(r), '2 × mask exists; 1 × mask exists and was edited by a person');
  });
});

describe('applyProviderSetting', () => {
  const plan = [
    { modelPath: '/m/fp16.onnx', precision: 'fp16', providers: ['cuda', 'webgpu'] as const },
    { modelPath: '/m/fp32.onnx', precision: 'fp32', providers: ['cpu'] as const },
  ];

  it('keeps the plan on auto', () => {
    assert.deepEqual(applyProviderSetting(plan, 'auto'), [
      { modelPath: '/m/fp16.onnx', providers: ['cuda', 'webgpu'] },
      { modelPath: '/m/fp32.onnx', providers: ['cpu'] },
    ]);
  });

  it('tries only the named provider, float32 first on the CPU', () => {
    assert.deepEqual(applyProviderSetting(plan, 'cpu'), [
      { modelPath: '/m/fp32.onnx', providers: ['cpu'] },
      { modelPath: '/m/fp16.onnx', providers: ['cpu'] },
    ]);
    assert.deepEqual(applyProviderSetting(plan, 'cuda'), [
      { modelPath: '/m/fp16.onnx', providers: ['cuda'] },
      { modelPath: '/m/fp32.onnx', providers: ['cuda'] },
    ]);
  });

  it('tries each model file once', () => {
    const same = [
      { modelPath: '/m/a.onnx', providers: ['cuda'] as const },
      { modelPath: '/m/a.onnx', providers: ['cpu'] as const },
    ];
    assert.deepEqual(applyProviderSetting(same, 'webgpu'), [
      { modelPath: '/m/a.onnx', providers: ['webgpu'] },
    ]);
  });
});
