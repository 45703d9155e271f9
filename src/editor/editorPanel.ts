/**
 * One mask editor view: a webview panel on a document. Answers the webview's messages, and
 * forwards document, proposal and prompt changes to it once it is ready.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { validateOp } from '../protocol/editOps';
import { packMask } from '../protocol/maskCodec';
import { MessageHandler } from '../protocol/messageHandler';
import {
  MessageType,
  type AutomationAction,
  type AutomationResultMessage,
  type ClassInfo,
  type FromWebviewMessage,
  type InitMessage,
  type ProposalUpdateMessage,
  type ToWebviewMessage,
  type WebviewAction,
} from '../protocol/messages';
import { Disposable } from '../util/dispose';
import type { MaskDocument } from './maskDocument';
import type { ProposalController, ProposalStatus } from './proposalController';
import type { EditorPrompt } from './editorPrompt';

/** What a panel needs besides its document. */
export interface PanelServices {
  readonly prompts: EditorPrompt;
  readonly proposal: ProposalController;
  /** Class names for the picker. */
  readonly classes: () => ClassInfo[];
  /** Display colours of the 256 class ids (768 bytes). */
  readonly palette: () => Uint8Array;
  readonly navigate: (
    document: MaskDocument,
    delta: 1 | -1,
    panel: vscode.WebviewPanel,
  ) => Promise<void>;
}

/** A copy of bytes in an ArrayBuffer of its own (Node buffers may share a larger pool). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

/** The URI under which a webview loads the document's image (versioned, so changes reload). */
export function imageWebviewUri(webview: vscode.Webview, document: MaskDocument): string {
  const { image } = document;
  return webview
    .asWebviewUri(vscode.Uri.file(image.displayPath))
    .with({ query: `version=${encodeURIComponent(image.version)}` })
    .toString(true);
}

/** The proposal message for a status. */
export function proposalMessage(status: ProposalStatus): ProposalUpdateMessage {
  const { state, result, message } = status;
  return {
    type: MessageType.ProposalUpdate,
    state,
    message,
    width: result?.width,
    height: result?.height,
    classes: result ? packMask(result.classes) : undefined,
  };
}

/** One webview panel showing a mask document. */
export class EditorPanel extends Disposable {
  private readonly channel: MessageHandler<ToWebviewMessage, FromWebviewMessage>;
  // False until the webview has asked for its Init, and again while it is hidden (its page is gone).
  private ready = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly document: MaskDocument,
    private readonly services: PanelServices,
  ) {
    super();
    this.channel = new MessageHandler(
      (envelope) => {
        void panel.webview.postMessage(envelope);
        if (envelope.body?.type === MessageType.Init) this.initPosted(envelope.body.version);
      },
      (message) => this.handle(message),
      (err) =>
        void vscode.window.showErrorMessage(
          `Mask editor: ${err instanceof Error ? err.message : String(err)}`,
        ),
    );
    this._register({ dispose: () => this.channel.dispose() });
    this._register(panel.webview.onDidReceiveMessage((data) => this.channel.receive(data)));
    this._register(panel.onDidChangeViewState(() => panel.visible || (this.ready = false)));
    this._register(
      document.onDidChangeMask((change) => {
        if (change.origin === this) return;
        this.post({
          type: MessageType.ApplyPatch,
          version: change.version,
          rect: change.rect,
          values: packMask(change.values),
        });
      }),
    );
    this._register(document.onDidReplaceMask((e) => this.post(this.replaceMessage(e.notice))));
    this._register(services.proposal.onDidChange((s) => this.post(proposalMessage(s))));
    this._register(
      services.prompts.onDidChange(async () => {
        this.post({ type: MessageType.PromptUpdate, prompt: await services.prompts.state() });
        this.post({
          type: MessageType.ClassesUpdate,
          classes: services.classes(),
          palette: ownBuffer(services.palette()),
        });
      }),
    );
  }

  /** Asks the webview to do something a command asked for. */
  trigger(action: WebviewAction): void {
    this.post({ type: MessageType.TriggerAction, action });
  }

  /** Opens the next (+1) or previous (−1) image of the folder. */
  navigate(delta: 1 | -1): Promise<void> {
    return this.services.navigate(this.document, delta, this.panel);
  }

  /** Test mode: performs an automation action in the webview and returns its state. */
  automate(action: AutomationAction): Promise<AutomationResultMessage> {
    return this.channel.request(
      { type: MessageType.Automate, action },
      MessageType.AutomationResult,
    );
  }

  /**
   * The webview has its Init (posted just now): later messages may go out. If the mask changed
   * between taking that snapshot and posting it, send the whole mask again.
   */
  private initPosted(version: number): void {
    this.ready = true;
    if (version !== this.document.version) this.post(this.replaceMessage());
  }

  private post(message: ToWebviewMessage): void {
    if (this.ready) this.channel.send(message);
  }

  private replaceMessage(notice?: string): ToWebviewMessage {
    const { mask, version } = this.document;
    return {
      type: MessageType.ReplaceMask,
      version,
      width: mask.width,
      height: mask.height,
      mask: packMask(mask.data),
      notice,
    };
  }

  private async handle(message: FromWebviewMessage): Promise<ToWebviewMessage | undefined> {
    const { document, services } = this;
    switch (message.type) {
      case MessageType.Ready:
        this.ready = false; // a reloaded page: nothing goes out until its new Init has
        return this.init();
      case MessageType.Edit: {
        const stale = message.baseVersion !== document.version;
        try {
          document.applyOp(validateOp(message.op), this);
        } catch (err) {
          this.post(this.replaceMessage()); // the webview shows an edit the document refused
          throw err;
        }
        // The webview drew on a mask that had changed meanwhile (an undo crossed the stroke):
        // send it the host's mask so both agree again.
        if (stale) this.post(this.replaceMessage());
        return undefined;
      }
      case MessageType.RunModel:
        await services.proposal.run(() => services.prompts.spec());
        return undefined;
      case MessageType.CancelRun:
        services.proposal.cancel();
        return undefined;
      case MessageType.AcceptProposal:
        services.proposal.accept(message.mode);
        return undefined;
      case MessageType.DiscardProposal:
        services.proposal.discard();
        return undefined;
      case MessageType.PickPromptPairs:
        await services.prompts.pick();
        return { type: MessageType.Ack };
      case MessageType.ChangePrompt:
        await services.prompts.change(message.change, {
          image: document.uri.fsPath,
          mask: document.maskPath,
        });
        return { type: MessageType.Ack };
      case MessageType.Navigate:
        await services.navigate(document, message.delta, this.panel);
        return undefined;
      case MessageType.ReportError:
        void vscode.window.showErrorMessage(`Mask editor: ${message.message}`);
        return undefined;
      default:
        return undefined;
    }
  }

  private async init(): Promise<InitMessage> {
    const { document, services, panel } = this;
    await document.ready;
    const prompt = await services.prompts.state();
    // From here on synchronous: the snapshot below is one consistent state of the document.
    const { mask } = document;
    const proposal = services.proposal.status;
    return {
      type: MessageType.Init,
      imageUri: imageWebviewUri(panel.webview, document),
      imageName: path.basename(document.uri.fsPath),
      maskName: vscode.workspace.asRelativePath(document.maskPath),
      width: mask.width,
      height: mask.height,
      mask: packMask(mask.data),
      version: document.version,
      palette: ownBuffer(services.palette()),
      classes: services.classes(),
      prompt,
      proposal: proposal.state === 'cleared' ? undefined : proposalMessage(proposal),
      notice: document.notice,
      openMs: document.openMs,
    };
  }
}
