/**
 * Model runs for one mask document: at most one at a time (a new run supersedes the old one),
 * cancellable, and the result kept as a proposal until the user accepts or discards it.
 */
import * as vscode from 'vscode';
import type { PromptSpec } from '../engine/promptSet';
import type { InferenceService, SegmentResult } from '../inference/inferenceService';
import type { AcceptMode, ProposalState } from '../protocol/messages';
import { Disposable, DisposableSlot } from '../util/dispose';
import type { MaskDocument } from './maskDocument';
import { mergeProposal } from './proposalMerge';

/** The proposal's state; `result` is set while `state` is `ready`. */
export interface ProposalStatus {
  readonly state: ProposalState;
  readonly result?: SegmentResult;
  readonly message?: string;
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}

/** The model proposal of one document. */
export class ProposalController extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<ProposalStatus>());
  /** The proposal's state changed. */
  readonly onDidChange = this._onDidChange.event;
  private readonly run$ = this._register(new DisposableSlot<vscode.CancellationTokenSource>());
  private _status: ProposalStatus = { state: 'cleared' };

  constructor(
    private readonly document: MaskDocument,
    private readonly inference: InferenceService,
  ) {
    super();
  }

  /** Where the proposal stands. */
  get status(): ProposalStatus {
    return this._status;
  }

  /** Runs the model on the document's image; resolves when the run ends, however it ends. */
  async run(prompt: () => Promise<PromptSpec>): Promise<void> {
    const source = new vscode.CancellationTokenSource();
    this.run$.value?.cancel();
    this.run$.value = source;
    const token = source.token;
    try {
      this.set({ state: 'running' });
      const spec = await prompt();
      const result = await this.inference.segment(
        { imagePath: this.document.uri.fsPath, prompt: spec },
        token,
      );
      if (token.isCancellationRequested) return;
      const { width, height } = this.document.image;
      if (result.width !== width || result.height !== height) {
        throw new Error(
          `the model answered ${result.width}×${result.height} for a ${width}×${height} image`,
        );
      }
      this.set({ state: 'ready', result });
    } catch (err) {
      if (token.isCancellationRequested) {
        if (this.run$.value === source) this.set({ state: 'cancelled' });
        return;
      }
      this.set({
        state: 'failed',
        message: `SegGPT could not segment this image: ${messageOf(err)}`,
      });
    } finally {
      if (this.run$.value === source) this.run$.value = undefined;
    }
  }

  /** Cancels the running call, if any. */
  cancel(): void {
    const source = this.run$.value;
    if (!source) return;
    source.cancel();
    this.set({ state: 'cancelled' });
  }

  /** Turns the proposal into one undoable edit; returns false when there was nothing to change. */
  accept(mode: AcceptMode): boolean {
    const result = this._status.result;
    if (this._status.state !== 'ready' || !result)
      throw new Error('There is no proposal to accept.');
    const merged = mergeProposal(this.document.mask, result.classes, mode);
    this.set({ state: 'cleared' });
    if (!merged) return false;
    const label = mode === 'replace' ? 'Accept Proposal' : 'Accept Proposal (unlabeled pixels)';
    return this.document.applyValues(label, merged.rect, merged.values) !== undefined;
  }

  /** Drops the proposal (and cancels a run). */
  discard(): void {
    this.run$.value?.cancel();
    this.run$.value = undefined;
    this.set({ state: 'cleared' });
  }

  private set(status: ProposalStatus): void {
    this._status = status;
    this._onDidChange.fire(status);
  }
}
