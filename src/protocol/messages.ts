/**
 * Messages between the mask editor's host side and its webview. Every message is an interface
 * with a `type` from MessageType; masks travel as ArrayBuffers packed by `packMask`, the image
 * only as a URI.
 */
import type { EditOp } from './editOps';
import type { Rect } from './maskBuffer';

/** Every message type, grouped by direction. */
export enum MessageType {
  // webview → host
  Ready = 'ready',
  Edit = 'edit',
  RunModel = 'runModel',
  CancelRun = 'cancelRun',
  AcceptProposal = 'acceptProposal',
  DiscardProposal = 'discardProposal',
  PickPromptPairs = 'pickPromptPairs',
  ChangePrompt = 'changePrompt',
  Navigate = 'navigate',
  ReportError = 'reportError',
  // host → webview
  Init = 'init',
  ApplyPatch = 'applyPatch',
  ReplaceMask = 'replaceMask',
  ProposalUpdate = 'proposalUpdate',
  PromptUpdate = 'promptUpdate',
  ClassesUpdate = 'classesUpdate',
  TriggerAction = 'triggerAction',
  Automate = 'automate',
  // replies, either way
  Ack = 'ack',
  AutomationResult = 'automationResult',
}

/** A named class of the workspace (ids without a name are drawn from the palette alone). */
export interface ClassInfo {
  readonly id: number;
  readonly name: string;
}

/** One prompt example as shown in the prompt panel. */
export interface PromptPairInfo {
  readonly image: string;
  readonly mask: string;
  /** Short label: the image's path relative to the workspace. */
  readonly label: string;
}

/** The prompt the model runs with, and the prompt sets the workspace offers. */
export interface PromptState {
  readonly pairs: readonly PromptPairInfo[];
  readonly semantic: boolean;
  readonly sets: readonly string[];
  readonly activeSet?: string;
}

/** How an accepted proposal merges into the mask. */
export type AcceptMode = 'replace' | 'fillUnlabeled';

/** Where a model run stands, for the preview layer and the progress display. */
export type ProposalState = 'running' | 'ready' | 'failed' | 'cancelled' | 'cleared';

/** Editor actions the host's commands forward to the webview. */
export type WebviewAction =
  | 'toggleMask'
  | 'toggleOutline'
  | 'zoomFit'
  | 'zoomIn'
  | 'zoomOut'
  | 'brush'
  | 'eraser'
  | 'fill'
  | 'polygon';

/** Webview → host: the webview listens; reply with Init. */
export interface ReadyMessage {
  readonly type: MessageType.Ready;
}

/** Webview → host: the user applied `op` to the mask at `baseVersion`. */
export interface EditMessage {
  readonly type: MessageType.Edit;
  readonly baseVersion: number;
  readonly op: EditOp;
}

/** Webview → host: run the model on this image with the current prompt. */
export interface RunModelMessage {
  readonly type: MessageType.RunModel;
}

/** Webview → host: cancel the running model call. */
export interface CancelRunMessage {
  readonly type: MessageType.CancelRun;
}

/** Webview → host: turn the proposal into one undoable edit. */
export interface AcceptProposalMessage {
  readonly type: MessageType.AcceptProposal;
  readonly mode: AcceptMode;
}

/** Webview → host: drop the proposal. */
export interface DiscardProposalMessage {
  readonly type: MessageType.DiscardProposal;
}

/** Webview → host: let the user pick prompt images (and masks) by file dialog; reply Ack. */
export interface PickPromptPairsMessage {
  readonly type: MessageType.PickPromptPairs;
}

/** A change to the prompt made in the prompt panel. */
export type PromptChange =
  | { readonly kind: 'semantic'; readonly value: boolean }
  | { readonly kind: 'useSet'; readonly name: string }
  | { readonly kind: 'remove'; readonly index: number }
  | { readonly kind: 'addCurrent' }
  | { readonly kind: 'clear' };

/** Webview → host: change the prompt; reply Ack (or an error). */
export interface ChangePromptMessage {
  readonly type: MessageType.ChangePrompt;
  readonly change: PromptChange;
}

/** Webview → host: open the next (+1) or previous (−1) image of the folder. */
export interface NavigateMessage {
  readonly type: MessageType.Navigate;
  readonly delta: 1 | -1;
}

/** Webview → host: something failed in the webview; show it to the user. */
export interface ReportErrorMessage {
  readonly type: MessageType.ReportError;
  readonly message: string;
}

/** Host → webview (reply to Ready): everything needed to draw the editor. */
export interface InitMessage {
  readonly type: MessageType.Init;
  /** Webview URI of the image (with a version query so a changed file is reloaded). */
  readonly imageUri: string;
  readonly imageName: string;
  readonly maskName: string;
  readonly width: number;
  readonly height: number;
  /** width × height class ids, packed (packMask). */
  readonly mask: ArrayBuffer;
  readonly version: number;
  /** 256 RGB triplets: the colour of each class id. */
  readonly palette: ArrayBuffer;
  readonly classes: readonly ClassInfo[];
  readonly prompt: PromptState;
  /** The proposal already shown in other editors of this document, if any. */
  readonly proposal?: ProposalUpdateMessage;
  /** Something the user should know about the mask (e.g. it will be converted on save). */
  readonly notice?: string;
  /** How long the host took to open the document (read image header and mask), in ms. */
  readonly openMs?: number;
}

/** Host → webview: set `rect` to `values` (undo, redo, an accepted proposal, a resync). */
export interface ApplyPatchMessage {
  readonly type: MessageType.ApplyPatch;
  readonly version: number;
  readonly rect: Rect;
  /** rect.w × rect.h class ids, packed (packMask). */
  readonly values: ArrayBuffer;
}

/** Host → webview: the whole mask changed (revert, reload after an external change). */
export interface ReplaceMaskMessage {
  readonly type: MessageType.ReplaceMask;
  readonly version: number;
  readonly width: number;
  readonly height: number;
  /** width × height class ids, packed (packMask). */
  readonly mask: ArrayBuffer;
  readonly notice?: string;
}

/** Host → webview: the model run's state; `classes` comes with `ready`. */
export interface ProposalUpdateMessage {
  readonly type: MessageType.ProposalUpdate;
  readonly state: ProposalState;
  readonly width?: number;
  readonly height?: number;
  /** width × height class ids, packed (packMask). */
  readonly classes?: ArrayBuffer;
  readonly message?: string;
}

/** Host → webview: the prompt changed. */
export interface PromptUpdateMessage {
  readonly type: MessageType.PromptUpdate;
  readonly prompt: PromptState;
}

/** Host → webview: the workspace's classes (names, colours) changed. */
export interface ClassesUpdateMessage {
  readonly type: MessageType.ClassesUpdate;
  readonly classes: readonly ClassInfo[];
  /** 256 RGB triplets: the colour of each class id. */
  readonly palette: ArrayBuffer;
}

/** Host → webview: do what a command (palette or keybinding) asked. */
export interface TriggerActionMessage {
  readonly type: MessageType.TriggerAction;
  readonly action: WebviewAction;
}

/**
 * What the extension's own tests can ask the webview to do: a tool action through the same code
 * as pointer input, or a snapshot of the webview's state. Used only in test mode.
 */
export type AutomationAction =
  { readonly kind: 'op'; readonly op: EditOp } | { readonly kind: 'snapshot' };

/** Host → webview (tests only): perform an automation action; reply AutomationResult. */
export interface AutomateMessage {
  readonly type: MessageType.Automate;
  readonly action: AutomationAction;
}

/** Reply to Automate: the webview's copy of the mask and what it shows. */
export interface AutomationResultMessage {
  readonly type: MessageType.AutomationResult;
  readonly version: number;
  /** The webview's mask, packed (packMask). */
  readonly mask: ArrayBuffer;
  readonly proposalShown: boolean;
  readonly tool: string;
}

/** A reply that carries nothing but success. */
export interface AckMessage {
  readonly type: MessageType.Ack;
}

/** Everything the webview sends. */
export type FromWebviewMessage =
  | ReadyMessage
  | EditMessage
  | RunModelMessage
  | CancelRunMessage
  | AcceptProposalMessage
  | DiscardProposalMessage
  | PickPromptPairsMessage
  | ChangePromptMessage
  | NavigateMessage
  | ReportErrorMessage
  | AutomationResultMessage
  | AckMessage;

/** Everything the host sends. */
export type ToWebviewMessage =
  | InitMessage
  | ApplyPatchMessage
  | ReplaceMaskMessage
  | ProposalUpdateMessage
  | PromptUpdateMessage
  | ClassesUpdateMessage
  | TriggerActionMessage
  | AutomateMessage
  | AckMessage;
