/** This suite's workspace, opened with workspace trust on, so it is not trusted. */
import { ensureTinyModel, writeSampleDataset } from '../../../scripts/sampleDataset';

/** Run with workspace trust on (see runTests.ts). */
export const workspaceTrust = true;

/** A small dataset whose workspace settings name a model (which must be ignored). */
export async function createWorkspace(dir: string): Promise<void> {
  await writeSampleDataset(dir, {
    folders: [{ name: 'pics', images: 3, masked: 1 }],
    modelPath: await ensureTinyModel(),
  });
}
