/**
 * Mask agreement of two models (int8 vs fp32) on a synthetic image set, through the real pipeline:
 * `preparePrompt`, then `Segmenter.segment` per image. The two models run alternately (the order
 * flips every image) so their timings are interleaved too.
 */
import { loadImageTensor } from '../src/engine/imageInput';
import type { PredictionMaps } from '../src/engine/predictionOutput';
import { preparePrompt } from '../src/engine/promptSet';
import { Segmenter } from '../src/engine/segmenter';
import type { SegGptSession } from '../src/engine/segGptSession';
import type { SyntheticSet } from './syntheticSet';
import { timed, type Timed } from './timing';

/** Per image and overall agreement, with the timings of each model's `segment` call. */
export interface AgreementResult {
  /** Share of pixels (at the images' own sizes) with the same class in both masks. */
  readonly agreement: number;
  /** Foreground IoU between the two masks, all images pooled; null if neither has foreground. */
  readonly foregroundIou: number | null;
  /** Foreground share of the reference (fp32) masks: near 0 or 1 makes agreement easy. */
  readonly referenceForeground: number;
  /** Mean |soft_a − soft_b| of the 0..255 soft maps. */
  readonly softMeanAbsDiff: number;
  readonly perImage: { image: string; agreement: number; referenceForeground: number }[];
  readonly referenceTimes: Timed<unknown>[];
  readonly candidateTimes: Timed<unknown>[];
}

/** Segments every image of `set` with both sessions and compares the class maps. */
export async function maskAgreement(
  reference: SegGptSession,
  candidate: SegGptSession,
  set: SyntheticSet,
  log: (m: string) => void,
  settle: () => Promise<void> = async () => {},
): Promise<AgreementResult> {
  const spec = { pairs: [{ image: set.promptImage, mask: set.promptMask }], semantic: false };
  const refSeg = new Segmenter(reference, await preparePrompt(spec, reference.geometry));
  const candSeg = new Segmenter(candidate, await preparePrompt(spec, candidate.geometry));
  const perImage: AgreementResult['perImage'] = [];
  const referenceTimes: Timed<unknown>[] = [];
  const candidateTimes: Timed<unknown>[] = [];
  let same = 0;
  let pixels = 0;
  let inter = 0;
  let union = 0;
  let refFg = 0;
  let softDiff = 0;
  for (const [k, image] of set.images.entries()) {
    const tensor = await loadImageTensor(image, reference.geometry);
    await settle();
    const run = async (seg: Segmenter, times: Timed<unknown>[]): Promise<PredictionMaps> => {
      const t = await timed(() => seg.segment([tensor]));
      times.push({ value: undefined, ms: t.ms, cpuMs: t.cpuMs });
      const maps = t.value[0];
      if (!maps) throw new Error('segment returned no map');
      return maps;
    };
    let a: PredictionMaps;
    let b: PredictionMaps;
    if (k % 2 === 0) {
      a = await run(refSeg, referenceTimes);
      b = await run(candSeg, candidateTimes);
    } else {
      b = await run(candSeg, candidateTimes);
      a = await run(refSeg, referenceTimes);
    }
    let imgSame = 0;
    let imgFg = 0;
    for (let i = 0; i < a.classes.length; i++) {
      const ca = a.classes[i] as number;
      const cb = b.classes[i] as number;
      if (ca === cb) imgSame++;
      if (ca !== 0) imgFg++;
      if (ca !== 0 && cb !== 0) inter++;
      if (ca !== 0 || cb !== 0) union++;
      softDiff += Math.abs((a.soft[i] as number) - (b.soft[i] as number));
    }
    same += imgSame;
    refFg += imgFg;
    pixels += a.classes.length;
    const agreement = imgSame / a.classes.length;
    perImage.push({ image, agreement, referenceForeground: imgFg / a.classes.length });
    log(
      `image ${k + 1}/${set.images.length}: agreement ${(100 * agreement).toFixed(2)}% ` +
        `(fp32 ${(referenceTimes.at(-1)?.ms ?? 0).toFixed(0)} ms, int8 ${(candidateTimes.at(-1)?.ms ?? 0).toFixed(0)} ms)`,
    );
  }
  return {
    agreement: same / pixels,
    foregroundIou: union > 0 ? inter / union : null,
    referenceForeground: refFg / pixels,
    softMeanAbsDiff: softDiff / pixels,
    perImage,
    referenceTimes,
    candidateTimes,
  };
}
