/**
 * One request/reply channel over postMessage, used by both sides. Each message travels in an
 * envelope with an id; a request's reply names it in `inReplyTo` and carries either a body or an
 * error, which rejects the caller's promise.
 */
import type { MessageType } from './messages';

/** Any protocol message. */
export interface Message {
  readonly type: MessageType;
}

/** What goes over the wire. */
export interface Envelope<T extends Message = Message> {
  readonly messageId: number;
  /** Set on replies: the id of the request answered. */
  readonly inReplyTo?: number;
  /** Set on requests: the sender waits for a reply. */
  readonly wantsReply?: boolean;
  readonly body?: T;
  /** Set on failed replies instead of a body. */
  readonly error?: string;
}

/** A reply error: the other side's handler failed with this message. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
}

/** Answers one incoming message; the value returned is the reply to a request. */
export type IncomingHandler<In extends Message, Out extends Message> = (
  message: In,
) => Out | undefined | Promise<Out | undefined>;

interface Pending {
  readonly resolve: (body: Message) => void;
  readonly reject: (err: Error) => void;
  readonly expected: MessageType;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Sends messages, matches replies to requests, answers incoming requests. */
export class MessageHandler<Out extends Message, In extends Message> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly post: (envelope: Envelope<Out>) => void,
    private readonly handle: IncomingHandler<In, Out>,
    /** Called when handling a message that wants no reply fails. */
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Sends a message that wants no reply. */
  send(body: Out): void {
    if (!this.closed) this.post({ messageId: this.nextId++, body });
  }

  /** Sends a request; resolves with a reply of type `expected`, rejects on an error reply. */
  request<T extends In['type']>(body: Out, expected: T): Promise<Extract<In, { type: T }>> {
    if (this.closed) return Promise.reject(new RemoteError('the editor was closed'));
    const messageId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(messageId, {
        resolve: resolve as (body: Message) => void,
        reject,
        expected,
      });
      this.post({ messageId, wantsReply: true, body });
    });
  }

  /** Handles whatever arrived from the other side (ignores what is not an envelope). */
  async receive(data: unknown): Promise<void> {
    const envelope = data as Envelope<In> | null;
    if (!envelope || typeof envelope !== 'object' || typeof envelope.messageId !== 'number') return;
    if (envelope.inReplyTo !== undefined) return this.settle(envelope);
    if (!envelope.body) return;
    try {
      const reply = await this.handle(envelope.body);
      if (envelope.wantsReply) this.reply(envelope.messageId, reply, undefined);
    } catch (err) {
      if (envelope.wantsReply) this.reply(envelope.messageId, undefined, messageOf(err));
      else this.onError(err);
    }
  }

  /** Rejects every pending request; later sends are dropped. */
  dispose(): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new RemoteError('the editor was closed'));
    this.pending.clear();
  }

  private reply(inReplyTo: number, body: Out | undefined, error: string | undefined): void {
    if (this.closed) return;
    if (!body && error === undefined) error = 'no reply to this request';
    this.post({ messageId: this.nextId++, inReplyTo, body, error });
  }

  private settle(envelope: Envelope<In>): void {
    const id = envelope.inReplyTo as number;
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (envelope.error !== undefined) pending.reject(new RemoteError(envelope.error));
    else if (envelope.body?.type !== pending.expected) {
      pending.reject(
        new RemoteError(`expected a ${pending.expected} reply, got ${envelope.body?.type}`),
      );
    } else pending.resolve(envelope.body);
  }
}
