/** The status line: pixel and class under the cursor, the mask file, notices. */
import type { ClassInfo } from '../src/protocol/messages';
import { h } from './dom';

/** The status line element and its update methods. */
export class StatusLine {
  readonly element: HTMLElement;
  private readonly position: HTMLElement;
  private readonly file: HTMLElement;
  private readonly notice: HTMLElement;
  private names = new Map<number, string>();

  constructor() {
    this.position = h('span', { class: 'position' });
    this.file = h('span', { class: 'file' });
    this.notice = h('span', { class: 'notice', role: 'status' });
    this.element = h('footer', { class: 'status' }, this.position, this.notice, this.file);
  }

  /** Sets the class names used in the status. */
  setClasses(classes: readonly ClassInfo[]): void {
    this.names = new Map(classes.map((c) => [c.id, c.name]));
  }

  /** Shows the pixel under the cursor (or nothing outside the image). */
  showPixel(x: number, y: number, classId: number | undefined, proposed: number | undefined): void {
    if (classId === undefined) {
      this.position.textContent = '';
      return;
    }
    const name = (id: number) => this.names.get(id) ?? `class ${id}`;
    const proposal = proposed === undefined ? '' : ` · proposal: ${proposed} (${name(proposed)})`;
    this.position.textContent = `${x}, ${y} · ${classId} (${name(classId)})${proposal}`;
  }

  /** Shows the image and mask file names. */
  showFile(image: string, mask: string, width: number, height: number): void {
    this.file.textContent = `${image} · ${width}×${height} · mask ${mask}`;
  }

  /** Shows a notice (or clears it). */
  showNotice(text: string | undefined): void {
    this.notice.textContent = text ?? '';
    this.notice.title = text ?? '';
  }
}
