import assert from 'node:assert/strict';
import { validateOp } from '../../src/protocol/editOps';
import { packMask, unpackMask } from '../../src/protocol/maskCodec';
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

describe('mask packing for messages', () => {
  it('round-trips masks of long runs compactly', () => {
    const mask = new Uint8Array(4000 * 300);
    mask.fill(3, 1000, 500_000);
    mask.fill(255, 700_000, 700_001);
    const packed = packMask(mask);
    assert.ok(packed.byteLength < 40, `${packed.byteLength} bytes`);
    assert.deepEqual(unpackMask(packed, mask.length), mask);
  });

  it('sends noise raw instead of growing it', () => {
    const noise = new Uint8Array(10_000).map((_, i) => (i * 7919) % 251);
    const packed = packMask(noise);
    assert.equal(packed.byteLength, noise.length + 1);
    assert.deepEqual(unpackMask(packed, noise.length), noise);
    assert.deepEqual(unpackMask(packMask(new Uint8Array(0)), 0), new Uint8Array(0));
  });

  it('rejects packed data of the wrong size or damaged', () => {
    const packed = packMask(new Uint8Array(100).fill(1));
    assert.throws(() => unpackMask(packed, 99), RangeError);
    assert.throws(() => unpackMask(packed, 101), RangeError);
    assert.throws(() => unpackMask(new Uint8Array([7, 1, 1]).buffer, 1), /unknown format/);
    assert.throws(() => unpackMask(new Uint8Array([1, 5, 0x80]).buffer, 1), /truncated/);
  });
});
