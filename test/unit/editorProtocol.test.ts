import assert from 'node:assert/strict';
import { validateOp } from '../../src/protocol/editOps';
import {
  MessageHandler,
  RemoteError,
  type Envelope,
  type Message,
} from '../../src/protocol/messageHandler';
import {
  MessageType,
  type FromWebviewMessage,
  type ToWebviewMessage,
} from '../../src/protocol/messages';

/** Two handlers wired back to back, as host and webview, delivering asynchronously. */
function pair(
  hostHandle: (
    m: FromWebviewMessage,
  ) => ToWebviewMessage | undefined | Promise<ToWebviewMessage | undefined>,
  viewHandle: (m: ToWebviewMessage) => FromWebviewMessage | undefined,
  onHostError: (err: unknown) => void = () => undefined,
) {
  const wire: Envelope<Message>[] = [];
  // eslint-disable-next-line prefer-const
  let host: MessageHandler<ToWebviewMessage, FromWebviewMessage>;
  const view: MessageHandler<FromWebviewMessage, ToWebviewMessage> = new MessageHandler((e) => {
    wire.push(e);
    setImmediate(() => void host.receive(e));
  }, viewHandle);
  host = new MessageHandler(
    (e) => {
      wire.push(e);
      setImmediate(() => void view.receive(e));
    },
    hostHandle,
    onHostError,
  );
  return { host, view, wire };
}

describe('editor protocol', () => {
  it('matches a reply to its request by id', async () => {
    const { view, wire } = pair(
      (m) => (m.type === MessageType.PickPromptPairs ? { type: MessageType.Ack } : undefined),
      () => undefined,
    );
    const reply = await view.request({ type: MessageType.PickPromptPairs }, MessageType.Ack);
    assert.equal(reply.type, MessageType.Ack);
    assert.equal(wire[1].inReplyTo, wire[0].messageId);
  });

  it('rejects the request when the handler fails, with its message', async () => {
    const { view } = pair(
      () => {
        throw new Error('no prompt pairs chosen');
      },
      () => undefined,
    );
    await assert.rejects(
      view.request({ type: MessageType.PickPromptPairs }, MessageType.Ack),
      (err: Error) => err instanceof RemoteError && err.message === 'no prompt pairs chosen',
    );
  });

  it('rejects a reply of the wrong type and a request with no reply', async () => {
    const { host, view } = pair(
      () => undefined,
      () => ({ type: MessageType.Ack }),
    );
    await assert.rejects(
      host.request(
        { type: MessageType.Automate, action: { kind: 'snapshot' } },
        MessageType.AutomationResult,
      ),
      /expected a automationResult reply, got ack/,
    );
    await assert.rejects(view.request({ type: MessageType.Ready }, MessageType.Init), /no reply/);
  });

  it('reports failures of messages that want no reply, and rejects pending ones on dispose', async () => {
    const errors: unknown[] = [];
    const { host, view } = pair(
      () => {
        throw new Error('bad edit');
      },
      () => undefined,
      (err) => errors.push(err),
    );
    view.send({ type: MessageType.CancelRun });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal((errors[0] as Error).message, 'bad edit');
    const pending = host.request(
      { type: MessageType.Automate, action: { kind: 'snapshot' } },
      MessageType.AutomationResult,
    );
    host.dispose();
    await assert.rejects(pending, RemoteError);
  });

  it('ignores anything that is not an envelope', async () => {
    let handled = 0;
    const { host } = pair(
      () => {
        handled++;
        return undefined;
      },
      () => undefined,
    );
    await host.receive(undefined);
    await host.receive('hello');
    await host.receive({ messageId: 'x' });
    assert.equal(handled, 0);
  });

  it('validates edits arriving from the webview', () => {
    assert.deepEqual(validateOp({ kind: 'fill', x: 1, y: 2, value: 3, extra: 1 }), {
      kind: 'fill',
      x: 1,
      y: 2,
      value: 3,
    });
    assert.throws(() => validateOp({ kind: 'fill', x: 1, y: 2, value: 256 }), /0\.\.255/);
    assert.throws(
      () => validateOp({ kind: 'stroke', points: [1], radius: 2, value: 1 }),
      /malformed stroke/,
    );
    assert.throws(() => validateOp({ kind: 'erase', value: 1 }), /malformed erase/);
    assert.throws(() => validateOp(null), /not an object/);
  });
});
