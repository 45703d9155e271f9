import assert from 'node:assert/strict';
import { planModel } from '../../src/models/modelPlan';

describe('planModel', () => {
  const fp32 = '/s/models/seggpt-vit-large-fp32.onnx';
  const fp16 = '/s/models/seggpt-vit-large-fp16.onnx';

  it('uses the configured model path first, on every provider', () => {
    assert.deepEqual(
      planModel({ configuredPath: '/m.onnx', precision: 'fp16', installed: { fp32, fp16 } }),
      {
        source: 'setting',
        steps: [{ modelPath: '/m.onnx', providers: 'auto' }],
      },
    );
  });

  it('has no plan without a model', () => {
    assert.equal(planModel({ precision: 'auto', installed: {} }), undefined);
  });

  it('runs float16 on GPU providers and float32 on the CPU', () => {
    const plan = planModel({ precision: 'auto', installed: { fp32, fp16 }, platform: 'linux' });
    assert.deepEqual(plan?.steps, [
      { modelPath: fp16, precision: 'fp16', providers: ['cuda', 'webgpu'] },
      { modelPath: fp32, precision: 'fp32', providers: ['cpu'] },
    ]);
    const win = planModel({ precision: 'auto', installed: { fp32, fp16 }, platform: 'win32' });
    assert.deepEqual(win?.steps[0]?.providers, ['cuda', 'dml', 'webgpu']);
  });

  it('gives the float32 model every provider when there is no float16 one, and vice versa', () => {
    assert.deepEqual(
      planModel({ precision: 'auto', installed: { fp32 }, platform: 'linux' })?.steps,
      [{ modelPath: fp32, precision: 'fp32', providers: 'auto' }],
    );
    assert.deepEqual(
      planModel({ precision: 'auto', installed: { fp16 }, platform: 'darwin' })?.steps,
      [
        { modelPath: fp16, precision: 'fp16', providers: ['coreml', 'webgpu'] },
        { modelPath: fp16, precision: 'fp16', providers: ['cpu'] },
      ],
    );
  });

  it('puts an explicitly chosen precision first, keeping the other as a fallback', () => {
    const plan = planModel({ precision: 'fp32', installed: { fp16, fp32 } });
    assert.deepEqual(
      plan?.steps.map((s) => [s.precision, s.providers]),
      [
        ['fp32', 'auto'],
        ['fp16', 'auto'],
      ],
    );
  });
});
