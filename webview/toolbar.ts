/** The editor's toolbar: tools, brush size, class, mask display, zoom and image navigation. */
import type { ClassInfo } from '../src/protocol/messages';
import { h, toggleAttr } from './dom';
import type { ToolName } from './tools';

/** What the toolbar changes. */
export interface ToolbarActions {
  readonly setTool: (tool: ToolName) => void;
  readonly setRadius: (radius: number) => void;
  readonly setClass: (id: number) => void;
  readonly setShowMask: (show: boolean) => void;
  readonly setOpacity: (opacity: number) => void;
  readonly setOutline: (outline: boolean) => void;
  readonly zoom: (how: 'in' | 'out' | 'fit') => void;
  readonly navigate: (delta: 1 | -1) => void;
}

const TOOLS: readonly { tool: ToolName; icon: string; label: string }[] = [
  { tool: 'brush', icon: 'edit', label: 'Brush (B) — right button erases' },
  { tool: 'eraser', icon: 'eraser', label: 'Eraser (E)' },
  { tool: 'fill', icon: 'paintcan', label: 'Flood fill (F)' },
  {
    tool: 'polygon',
    icon: 'selection',
    label: 'Polygon / lasso (P) — click vertices or drag a lasso; Enter closes, Esc cancels',
  },
];

function button(icon: string, label: string, onclick: () => void, toggleable = false) {
  return h('vscode-toolbar-button', {
    icon,
    label,
    title: label,
    toggleable,
    onclick: () => onclick(),
  });
}

/** The toolbar element and its update methods. */
export class Toolbar {
  readonly element: HTMLElement;
  private readonly toolButtons = new Map<ToolName, HTMLElement>();
  private readonly radiusInput: HTMLInputElement;
  private readonly radiusLabel: HTMLElement;
  private readonly classSelect: HTMLElementTagNameMap['vscode-single-select'];
  private readonly swatch: HTMLElement;
  private readonly maskButton: HTMLElement;
  private readonly outlineButton: HTMLElement;
  private readonly opacityInput: HTMLInputElement;
  private readonly zoomLabel: HTMLElement;
  private palette: Uint8Array = new Uint8Array(768);

  constructor(actions: ToolbarActions) {
    const tools = TOOLS.map(({ tool, icon, label }) => {
      const b = button(icon, label, () => actions.setTool(tool), true);
      b.dataset.tool = tool;
      this.toolButtons.set(tool, b);
      return b;
    });
    this.radiusInput = h('input', {
      type: 'range',
      min: 0,
      max: 100,
      step: 1,
      class: 'size',
      title: 'Brush size ([ and ], Alt+wheel)',
      oninput: () => actions.setRadius(sliderToRadius(Number(this.radiusInput.value))),
    });
    this.radiusLabel = h('span', { class: 'size-label' });
    this.swatch = h('span', { class: 'swatch' });
    this.classSelect = h('vscode-single-select', {
      class: 'class-select',
      title: 'Class to draw (1–9 pick classes 1–9)',
      onchange: () => actions.setClass(Number(this.classSelect.value)),
    });
    this.maskButton = button(
      'eye',
      'Show mask (M)',
      () => actions.setShowMask(!this.maskButton.hasAttribute('checked')),
      true,
    );
    this.opacityInput = h('input', {
      type: 'range',
      min: 5,
      max: 100,
      step: 5,
      class: 'opacity',
      title: 'Mask opacity',
      oninput: () => actions.setOpacity(Number(this.opacityInput.value) / 100),
    });
    this.outlineButton = button(
      'circle-large-outline',
      'Outline only (O)',
      () => actions.setOutline(!this.outlineButton.hasAttribute('checked')),
      true,
    );
    this.zoomLabel = h('span', { class: 'zoom-label', title: 'Zoom' });
    this.element = h(
      'div',
      { class: 'toolbar', role: 'toolbar' },
      h('div', { class: 'group' }, ...tools),
      h('div', { class: 'group' }, this.radiusInput, this.radiusLabel),
      h('div', { class: 'group' }, this.swatch, this.classSelect),
      h('div', { class: 'group' }, this.maskButton, this.opacityInput, this.outlineButton),
      h(
        'div',
        { class: 'group' },
        button('zoom-out', 'Zoom out (-)', () => actions.zoom('out')),
        this.zoomLabel,
        button('zoom-in', 'Zoom in (+)', () => actions.zoom('in')),
        button('screen-full', 'Fit to window (0)', () => actions.zoom('fit')),
      ),
      h(
        'div',
        { class: 'group' },
        button('arrow-left', 'Previous image in folder (Alt+PageUp)', () => actions.navigate(-1)),
        button('arrow-right', 'Next image in folder (Alt+PageDown)', () => actions.navigate(1)),
      ),
    );
  }

  /** Shows the active tool. */
  showTool(tool: ToolName): void {
    for (const [name, b] of this.toolButtons) toggleAttr(b, 'checked', name === tool);
  }

  /** Shows the brush radius. */
  showRadius(radius: number): void {
    this.radiusInput.value = String(radiusToSlider(radius));
    this.radiusLabel.textContent = `${Math.round(radius * 2)} px`;
  }

  /** Fills the class list and shows the chosen class. */
  showClasses(classes: readonly ClassInfo[], palette: Uint8Array, selected: number): void {
    this.palette = palette;
    const ids = new Set(classes.map((c) => c.id));
    const options = classes
      .filter((c) => c.id !== 0)
      .map((c) => h('vscode-option', { value: c.id }, `${c.id} · ${c.name}`));
    let next = 1;
    while (ids.has(next) && next < 254) next++;
    options.push(h('vscode-option', { value: next }, `${next} · new class`));
    if (!ids.has(selected) && selected !== next && selected !== 0) {
      options.push(h('vscode-option', { value: selected }, `${selected} · class ${selected}`));
    }
    this.classSelect.replaceChildren(...options);
    this.showClass(selected);
  }

  /** Shows the chosen class and its colour. */
  showClass(id: number): void {
    this.classSelect.value = String(id);
    const p = this.palette;
    this.swatch.style.background = `rgb(${p[id * 3]}, ${p[id * 3 + 1]}, ${p[id * 3 + 2]})`;
  }

  /** Shows the mask display settings. */
  showMaskDisplay(show: boolean, opacity: number, outline: boolean): void {
    toggleAttr(this.maskButton, 'checked', show);
    this.maskButton.setAttribute('icon', show ? 'eye' : 'eye-closed');
    this.opacityInput.value = String(Math.round(opacity * 100));
    toggleAttr(this.outlineButton, 'checked', outline);
  }

  /** Shows the zoom factor. */
  showZoom(zoom: number): void {
    this.zoomLabel.textContent = `${zoom >= 1 ? Math.round(zoom * 100) : (zoom * 100).toFixed(zoom < 0.1 ? 1 : 0)} %`;
  }
}

// The size slider is logarithmic: fine steps for small brushes, still reaching 512 px radius.
function sliderToRadius(v: number): number {
  return Math.max(0.5, Math.round(0.5 * Math.pow(1024, v / 100) * 2) / 2);
}

function radiusToSlider(r: number): number {
  return Math.round((100 * Math.log(Math.max(0.5, r) / 0.5)) / Math.log(1024));
}
