/**
 * The mask editor page: builds the layout, talks to the host, and keeps the local mask, the
 * layers and the controls in step. Drawing happens here; the host only records what was drawn.
 */
import type { EditOp } from '../src/protocol/editOps';
import { packMask, unpackMask } from '../src/protocol/maskCodec';
import { MessageHandler } from '../src/protocol/messageHandler';
import {
  MessageType,
  type AutomationResultMessage,
  type ClassInfo,
  type FromWebviewMessage,
  type InitMessage,
  type ProposalUpdateMessage,
  type ToWebviewMessage,
  type WebviewAction,
} from '../src/protocol/messages';
import { h } from './dom';
import { LabelCanvas } from './labelCanvas';
import { LocalMask } from './localMask';
import { PromptPanel } from './promptPanel';
import { StatusLine } from './statusLine';
import { Toolbar } from './toolbar';
import { ToolController, type ToolName } from './tools';
import { Viewport } from './viewport';
import { loadState, saveState, vscode } from './vscodeApi';

const SVG = 'http://www.w3.org/2000/svg';

/** The editor page. */
export class EditorApp {
  private readonly channel: MessageHandler<FromWebviewMessage, ToWebviewMessage>;
  private readonly viewportEl: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly image: HTMLImageElement;
  private readonly maskLayer = new LabelCanvas('layer mask-layer');
  private readonly proposalLayer = new LabelCanvas('layer proposal-layer');
  private readonly overlaySvg: SVGSVGElement;
  readonly viewport: Viewport;
  readonly tools: ToolController;
  private readonly toolbar: Toolbar;
  private readonly prompt: PromptPanel;
  private readonly status = new StatusLine();
  private mask: LocalMask | undefined;
  private proposal: { width: number; height: number; data: Uint8Array } | undefined;
  private palette: Uint8Array = new Uint8Array(768);
  private classes: readonly ClassInfo[] = [];
  private state = loadState();

  constructor(private readonly root: HTMLElement) {
    this.channel = new MessageHandler(
      (envelope) => vscode.postMessage(envelope),
      (message) => this.handle(message),
      (err) => this.report(err),
    );
    window.addEventListener('message', (e) => void this.channel.receive(e.data));
    // The page starts loading the image before the script runs (see webviewHtml).
    this.image =
      (document.getElementById('image') as HTMLImageElement | null) ??
      h('img', { class: 'layer image', alt: '', draggable: 'false' });
    this.image.hidden = false;
    const polyline = document.createElementNS(SVG, 'polyline');
    this.overlaySvg = document.createElementNS(SVG, 'svg');
    this.overlaySvg.setAttribute('class', 'layer overlay');
    this.overlaySvg.append(polyline);
    this.stage = h(
      'div',
      { class: 'stage' },
      this.image,
      this.maskLayer.element,
      this.proposalLayer.element,
    );
    this.stage.append(this.overlaySvg);
    const cursor = h('div', { class: 'brush-cursor', hidden: true });
    this.viewportEl = h('div', { class: 'viewport', tabindex: 0 }, this.stage, cursor);
    this.viewport = new Viewport(this.viewportEl, this.stage, (zoom, panX, panY) => {
      this.toolbar?.showZoom(zoom);
      saveState({ zoom, panX, panY });
    });
    this.tools = new ToolController(this.viewportEl, polyline, cursor, {
      mask: () => this.mask,
      viewport: this.viewport,
      classId: () => this.state.classId ?? 1,
      radius: () => this.state.brushRadius ?? 8,
      setRadius: (r) => this.setRadius(r),
      sendEdit: (op, baseVersion) => this.sendEdit(op, baseVersion),
      onHover: (x, y) => this.hover(x, y),
    });
    this.toolbar = new Toolbar({
      setTool: (t) => this.setTool(t),
      setRadius: (r) => this.setRadius(r),
      setClass: (id) => this.setClass(id),
      setShowMask: (show) => this.setDisplay({ showMask: show }),
      setOpacity: (opacity) => this.setDisplay({ opacity }),
      setOutline: (outline) => this.setDisplay({ outline }),
      zoom: (how) => this.zoom(how),
      navigate: (delta) => this.channel.send({ type: MessageType.Navigate, delta }),
    });
    this.prompt = new PromptPanel({
      pick: () => this.ask({ type: MessageType.PickPromptPairs }),
      change: (change) => this.ask({ type: MessageType.ChangePrompt, change }),
      run: () => this.channel.send({ type: MessageType.RunModel }),
      cancel: () => this.channel.send({ type: MessageType.CancelRun }),
      accept: (mode) => this.channel.send({ type: MessageType.AcceptProposal, mode }),
      discard: () => this.channel.send({ type: MessageType.DiscardProposal }),
      setShowProposal: (show) => (this.proposalLayer.element.hidden = !show),
    });
  }

  /** Asks the host for the document and shows it. */
  async start(): Promise<void> {
    this.root.dataset.readyAt = performance.now().toFixed(1);
    const init = await this.channel.request({ type: MessageType.Ready }, MessageType.Init);
    this.init(init);
  }

  /** Reports an error to the host, which shows it. */
  report(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.channel.send({ type: MessageType.ReportError, message });
  }

  /** Runs an action a VS Code command asked for. */
  trigger(action: WebviewAction): void {
    switch (action) {
      case 'toggleMask':
        return this.setDisplay({ showMask: !(this.state.showMask ?? true) });
      case 'toggleOutline':
        return this.setDisplay({ outline: !(this.state.outline ?? false) });
      case 'zoomFit':
        return this.zoom('fit');
      case 'zoomIn':
        return this.zoom('in');
      case 'zoomOut':
        return this.zoom('out');
      default:
        return this.setTool(action);
    }
  }

  /** Zooms by a step or to fit. */
  zoom(how: 'in' | 'out' | 'fit'): void {
    if (how === 'fit') this.viewport.fit();
    else this.viewport.zoomAt(how === 'in' ? 1.25 : 1 / 1.25);
    this.tools.updateCursor();
  }

  /** Picks the drawing class. */
  setClass(id: number): void {
    if (!Number.isInteger(id) || id < 1 || id > 255) return;
    this.state = { ...this.state, classId: id };
    saveState({ classId: id });
    if (!this.classes.some((c) => c.id === id))
      this.toolbar.showClasses(this.classes, this.palette, id);
    else this.toolbar.showClass(id);
  }

  /** The brush radius in image pixels. */
  get radius(): number {
    return this.state.brushRadius ?? 8;
  }

  /** Grows (factor > 1) or shrinks the brush by at least half a pixel. */
  growBrush(factor: number): void {
    const r = this.radius;
    const next = factor > 1 ? Math.max(r + 0.5, r * factor) : Math.min(r - 0.5, r * factor);
    this.setRadius(Math.min(512, Math.max(0.5, Math.round(next * 2) / 2)));
  }

  /** Sets the brush radius. */
  setRadius(radius: number): void {
    this.state = { ...this.state, brushRadius: radius };
    saveState({ brushRadius: radius });
    this.toolbar.showRadius(radius);
    this.tools.updateCursor();
  }

  /** Picks a tool. */
  setTool(tool: ToolName): void {
    this.tools.tool = tool;
    this.state = { ...this.state, tool };
    saveState({ tool });
    this.toolbar.showTool(tool);
  }

  /** Changes how the mask is shown. */
  setDisplay(patch: { showMask?: boolean; opacity?: number; outline?: boolean }): void {
    this.state = { ...this.state, ...patch };
    saveState(patch);
    const show = this.state.showMask ?? true;
    const opacity = this.state.opacity ?? 0.55;
    const outline = this.state.outline ?? false;
    this.maskLayer.element.hidden = !show;
    this.maskLayer.element.style.opacity = String(outline ? 1 : opacity);
    this.toolbar.showMaskDisplay(show, opacity, outline);
    const style = outline ? 'outline' : 'fill';
    if (this.maskLayer.style !== style && this.mask) {
      this.maskLayer.style = style;
      this.maskLayer.draw(this.mask.buffer);
    }
  }

  private init(init: InitMessage): void {
    // Timings (ms since this page started loading) for the responsiveness checks.
    this.root.dataset.origin = performance.timeOrigin.toFixed(0);
    this.root.dataset.initAt = performance.now().toFixed(1);
    this.root.dataset.hostOpenMs = String(init.openMs ?? '');
    this.palette = new Uint8Array(init.palette);
    this.classes = init.classes;
    this.mask = new LocalMask(
      init.width,
      init.height,
      unpackMask(init.mask, init.width * init.height),
      init.version,
    );
    this.mask.onRedraw((rect) => this.mask && this.maskLayer.draw(this.mask.buffer, rect));
    this.maskLayer.setPalette(this.palette);
    this.proposalLayer.setPalette(this.palette);
    this.proposalLayer.style = 'proposal';
    this.root.replaceChildren(
      this.toolbar.element,
      h('div', { class: 'main' }, this.viewportEl, this.prompt.element),
      this.status.element,
    );
    this.viewport.setImageSize(init.width, init.height);
    for (const layer of [this.overlaySvg]) {
      layer.setAttribute('viewBox', `0 0 ${init.width} ${init.height}`);
      layer.setAttribute('width', String(init.width));
      layer.setAttribute('height', String(init.height));
    }
    const s = this.state;
    if (s.zoom !== undefined && s.panX !== undefined && s.panY !== undefined)
      this.viewport.restore(s.zoom, s.panX, s.panY);
    else this.viewport.fit();
    this.setTool((s.tool as ToolName | undefined) ?? 'brush');
    this.setRadius(s.brushRadius ?? 8);
    this.toolbar.showClasses(this.classes, this.palette, s.classId ?? 1);
    this.maskLayer.style = s.outline ? 'outline' : 'fill';
    this.setDisplay({});
    if (!this.maskLayer.drawPacked(init.mask, init.width, init.height))
      this.maskLayer.draw(this.mask.buffer);
    requestAnimationFrame(() => (this.root.dataset.maskAt = performance.now().toFixed(1)));
    this.image.decoding = 'async';
    if (this.image.getAttribute('src') !== init.imageUri) this.image.src = init.imageUri;
    // decode() settles once the image can be painted without blocking: then it is on screen.
    this.image.decode().then(
      () =>
        requestAnimationFrame(() => {
          this.root.dataset.imageLoaded = 'true';
          this.root.dataset.imageAt = performance.now().toFixed(1);
        }),
      () => this.status.showNotice(`Cannot show the image ${init.imageName}.`),
    );
    this.status.setClasses(this.classes);
    this.status.showFile(init.imageName, init.maskName, init.width, init.height);
    this.status.showNotice(init.notice);
    this.prompt.showPrompt(init.prompt, (i) =>
      this.ask({ type: MessageType.ChangePrompt, change: { kind: 'remove', index: i } }),
    );
    if (init.proposal) this.showProposal(init.proposal);
    this.root.dataset.state = 'ready';
    this.viewportEl.focus({ preventScroll: true });
  }

  private handle(message: ToWebviewMessage): FromWebviewMessage | undefined {
    const mask = this.mask;
    switch (message.type) {
      case MessageType.ApplyPatch:
        mask?.write(
          message.rect,
          unpackMask(message.values, message.rect.w * message.rect.h),
          message.version,
        );
        return undefined;
      case MessageType.ReplaceMask:
        mask?.replace(
          message.width,
          message.height,
          unpackMask(message.mask, message.width * message.height),
          message.version,
        );
        if (message.notice !== undefined) this.status.showNotice(message.notice);
        return undefined;
      case MessageType.ProposalUpdate:
        this.showProposal(message);
        return undefined;
      case MessageType.PromptUpdate:
        this.prompt.showPrompt(message.prompt, (i) =>
          this.ask({ type: MessageType.ChangePrompt, change: { kind: 'remove', index: i } }),
        );
        return undefined;
      case MessageType.ClassesUpdate:
        this.setClasses(message.classes, new Uint8Array(message.palette));
        return undefined;
      case MessageType.TriggerAction:
        this.trigger(message.action);
        return undefined;
      case MessageType.Automate:
        if (message.action.kind === 'op') this.tools.perform(message.action.op);
        mask?.flush();
        return this.snapshot();
      default:
        return undefined;
    }
  }

  private setClasses(classes: readonly ClassInfo[], palette: Uint8Array): void {
    this.classes = classes;
    this.palette = palette;
    this.maskLayer.setPalette(palette);
    this.proposalLayer.setPalette(palette);
    this.toolbar.showClasses(classes, palette, this.state.classId ?? 1);
    this.status.setClasses(classes);
    if (this.mask) this.maskLayer.draw(this.mask.buffer);
    if (this.proposal) this.proposalLayer.draw(this.proposal);
  }

  private snapshot(): AutomationResultMessage {
    const mask = this.mask;
    return {
      type: MessageType.AutomationResult,
      version: mask?.version ?? -1,
      mask: packMask(mask ? mask.buffer.data : new Uint8Array(0)),
      proposalShown: this.proposal !== undefined && !this.proposalLayer.element.hidden,
      tool: this.tools.tool,
    };
  }

  private showProposal(message: ProposalUpdateMessage): void {
    this.prompt.showProposalState(message.state, message.message);
    if (message.state === 'running') return;
    if (message.state === 'ready' && message.classes && message.width && message.height) {
      this.proposal = {
        width: message.width,
        height: message.height,
        data: unpackMask(message.classes, message.width * message.height),
      };
      this.proposalLayer.draw(this.proposal);
      this.proposalLayer.element.hidden = false;
      this.prompt.setProposalShown(true);
    } else {
      this.proposal = undefined;
      this.proposalLayer.clear();
    }
  }

  private sendEdit(op: EditOp, baseVersion: number): void {
    this.channel.send({ type: MessageType.Edit, baseVersion, op });
  }

  private ask(message: FromWebviewMessage): void {
    this.channel.request(message, MessageType.Ack).then(
      () => this.prompt.showMessage('', false),
      (err: Error) => this.prompt.showMessage(err.message),
    );
  }

  private hover(x: number, y: number): void {
    const px = Math.floor(x);
    const py = Math.floor(y);
    const p = this.proposal;
    const proposed =
      p && px >= 0 && py >= 0 && px < p.width && py < p.height
        ? p.data[py * p.width + px]
        : undefined;
    this.status.showPixel(px, py, this.mask?.at(px, py), proposed);
  }
}
