/**
 * The prompt panel: the example pairs the model learns from, the semantic switch, Run with
 * progress and cancel, and the proposal's Accept / Fill unlabeled / Discard.
 */
import type {
  AcceptMode,
  PromptChange,
  PromptState,
  ProposalState,
} from '../src/protocol/messages';
import { h, toggleAttr } from './dom';

/** What the panel asks the host to do. */
export interface PromptActions {
  readonly pick: () => void;
  readonly change: (change: PromptChange) => void;
  readonly run: () => void;
  readonly cancel: () => void;
  readonly accept: (mode: AcceptMode) => void;
  readonly discard: () => void;
  readonly setShowProposal: (show: boolean) => void;
}

/** The prompt panel element and its update methods. */
export class PromptPanel {
  readonly element: HTMLElement;
  private readonly setSelect: HTMLElementTagNameMap['vscode-single-select'];
  private readonly setRow: HTMLElement;
  private readonly pairList: HTMLElement;
  private readonly semantic: HTMLElementTagNameMap['vscode-checkbox'];
  private readonly runButton: HTMLElementTagNameMap['vscode-button'];
  private readonly running: HTMLElement;
  private readonly proposalBox: HTMLElement;
  private readonly showProposal: HTMLElementTagNameMap['vscode-checkbox'];
  private readonly message: HTMLElement;

  constructor(actions: PromptActions) {
    this.setSelect = h('vscode-single-select', {
      class: 'set-select',
      title: 'Prompt sets of this workspace',
      onchange: () => {
        if (this.setSelect.value) actions.change({ kind: 'useSet', name: this.setSelect.value });
      },
    });
    this.setRow = h(
      'div',
      { class: 'row', hidden: true },
      h('vscode-label', {}, 'Prompt set'),
      this.setSelect,
    );
    this.pairList = h('ul', { class: 'pairs' });
    this.semantic = h('vscode-checkbox', {
      label: 'Semantic (every instance of the class)',
      title:
        'Semantic: segment all things of the prompt’s class; off: the instances like the prompt’s',
      onchange: () => actions.change({ kind: 'semantic', value: this.semantic.checked }),
    });
    this.runButton = h(
      'vscode-button',
      {
        icon: 'sparkle',
        title: 'Run SegGPT on this image (Ctrl+Enter)',
        onclick: () => actions.run(),
      },
      'Run SegGPT',
    );
    this.running = h(
      'div',
      { class: 'running', hidden: true },
      h('vscode-progress-ring', {}),
      h('span', {}, 'Segmenting…'),
      h(
        'vscode-button',
        { secondary: true, icon: 'close', onclick: () => actions.cancel() },
        'Cancel',
      ),
    );
    this.showProposal = h('vscode-checkbox', {
      label: 'Show proposal',
      checked: true,
      onchange: () => actions.setShowProposal(this.showProposal.checked),
    });
    this.proposalBox = h(
      'div',
      { class: 'proposal', hidden: true },
      h('div', { class: 'hint' }, 'The proposal is outlined over the mask.'),
      this.showProposal,
      h(
        'div',
        { class: 'buttons' },
        h(
          'vscode-button',
          {
            icon: 'check',
            title: 'Replace the mask with the proposal (Ctrl+Shift+Enter)',
            onclick: () => actions.accept('replace'),
          },
          'Accept',
        ),
        h(
          'vscode-button',
          {
            secondary: true,
            title: 'Label only pixels that are still unlabeled',
            onclick: () => actions.accept('fillUnlabeled'),
          },
          'Fill unlabeled',
        ),
        h(
          'vscode-button',
          {
            secondary: true,
            icon: 'trash',
            title: 'Discard the proposal (Esc)',
            onclick: () => actions.discard(),
          },
          'Discard',
        ),
      ),
    );
    this.message = h('div', { class: 'message', role: 'status' });
    this.element = h(
      'aside',
      { class: 'prompt-panel' },
      h('h2', {}, 'Prompt'),
      this.setRow,
      this.pairList,
      h(
        'div',
        { class: 'buttons' },
        h(
          'vscode-button',
          {
            secondary: true,
            icon: 'add',
            title: 'Pick prompt images; their masks are found by the mask template',
            onclick: () => actions.pick(),
          },
          'Add…',
        ),
        h(
          'vscode-button',
          {
            secondary: true,
            icon: 'pinned',
            title: 'Use this image and its saved mask as a prompt',
            onclick: () => actions.change({ kind: 'addCurrent' }),
          },
          'Add this image',
        ),
      ),
      this.semantic,
      h('div', { class: 'run' }, this.runButton, this.running),
      this.proposalBox,
      this.message,
    );
  }

  /** Shows the prompt. */
  showPrompt(prompt: PromptState, remove: (index: number) => void): void {
    this.setRow.hidden = prompt.sets.length === 0;
    this.setSelect.replaceChildren(
      h('vscode-option', { value: '' }, '(chosen by hand)'),
      ...prompt.sets.map((name) => h('vscode-option', { value: name }, name)),
    );
    this.setSelect.value = prompt.activeSet ?? '';
    this.pairList.replaceChildren(
      ...(prompt.pairs.length
        ? prompt.pairs.map((pair, i) =>
            h(
              'li',
              { title: `${pair.image}\n${pair.mask}` },
              h('span', { class: 'codicon codicon-file-media' }),
              h('span', { class: 'label' }, pair.label),
              h('vscode-icon', {
                name: 'close',
                'action-icon': true,
                label: 'Remove',
                title: 'Remove from the prompt',
                onclick: () => remove(i),
              }),
            ),
          )
        : [h('li', { class: 'empty' }, 'No prompt yet: add example images that have masks.')]),
    );
    this.semantic.checked = prompt.semantic;
    toggleAttr(this.runButton, 'disabled', prompt.pairs.length === 0);
  }

  /** Shows where the model run stands. */
  showProposalState(state: ProposalState, message?: string): void {
    this.running.hidden = state !== 'running';
    this.runButton.hidden = state === 'running';
    this.proposalBox.hidden = state !== 'ready';
    this.message.textContent =
      state === 'failed'
        ? (message ?? 'The model run failed.')
        : state === 'cancelled'
          ? 'Cancelled.'
          : '';
    this.message.classList.toggle('error', state === 'failed');
  }

  /** Shows a message (an error from a prompt action). */
  showMessage(text: string, error = true): void {
    this.message.textContent = text;
    this.message.classList.toggle('error', error);
  }

  /** Whether the proposal layer is shown. */
  setProposalShown(shown: boolean): void {
    this.showProposal.checked = shown;
  }
}
