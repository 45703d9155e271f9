/** A small helper to build DOM elements with properties, attributes and children. */

type Child = Node | string | undefined | false;

/** Attributes (strings) and event listeners (`on<event>`) of an element. */
export type Props = Record<string, string | number | boolean | EventListener | undefined>;

/** Creates an element: `h('vscode-button', { icon: 'add', onclick: f }, 'Add')`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** Sets or clears a boolean attribute. */
export function toggleAttr(el: Element, name: string, on: boolean): void {
  if (on) el.setAttribute(name, '');
  else el.removeAttribute(name);
}
