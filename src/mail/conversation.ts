// Conversations (MS-ASCON, 14.0+): Email2:ConversationId groups a message with the others of its
// thread, Email2:ConversationIndex places it in the thread. Both are derived once, when mail is
// filed, from what the message itself says, so every copy of a thread gets the same id whatever
// folder or account it lands in.
import { createHash } from 'node:crypto';

export interface Thread {
  messageId?: string | undefined;
  inReplyTo?: string | undefined;
  /** RFC 5322 3.6.4 References: the thread's first message comes first. */
  references?: string[] | undefined;
  /** The subject without reply and forward prefixes (ThreadTopic). */
  topic: string;
  /** When the message was sent (ms). */
  date: number;
}

/**
 * MS-ASEMAIL 2.2.2.21 ConversationId: 16 bytes. The thread's first message names the thread: the
 * first of References, else In-Reply-To, else the message's own Message-ID; its MD5 is the id, so
 * a reply lands in its original's conversation. A message without any of these falls back to the
 * MS-OXOMSG 2.2.1.2 rule: MD5 of the upper-cased topic in UTF-16LE.
 */
export function conversationId(t: Thread): Buffer {
  const root = t.references?.[0] ?? t.inReplyTo ?? t.messageId;
  if (root) return createHash('md5').update(`thread:${root.toLowerCase()}`, 'utf8').digest();
  return createHash('md5').update(Buffer.from([...t.topic].slice(0, 255).join('').toUpperCase(), 'utf16le')).digest();
}

/**
 * MS-ASCON 2.2.2.4 ConversationIndex: a 5-byte header from the time the message was sent (the
 * upper 40 bits of its FILETIME, as MS-OXOMSG 2.2.1.3 takes them), then one 5-byte response level
 * per step below the thread's first message. The server does not know when the earlier messages
 * were sent, so a level's time delta is 0; its last byte comes from the message's own id.
 */
export function conversationIndex(t: Thread): Buffer {
  const depth = Math.min(t.references?.length || (t.inReplyTo ? 1 : 0), 32);
  const out = Buffer.alloc(5 + 5 * depth);
  const filetime = (BigInt(Math.max(0, Math.trunc(t.date))) + 11_644_473_600_000n) * 10_000n;
  const header = filetime >> 24n;
  for (let i = 0; i < 5; i++) out[i] = Number((header >> BigInt(8 * (4 - i))) & 0xffn);
  const salt = createHash('md5').update(t.messageId ?? t.topic, 'utf8').digest();
  for (let level = 0; level < depth; level++) out[5 + level * 5 + 4] = salt[level % salt.length];
  return out;
}

const PREFIX = /^\s*((re|fw|fwd|aw|wg|sv|vs|tr|rif|antw|doorst)\s*(\[\d+\])?\s*:\s*)+/i;

/** The subject without the reply and forward prefixes mail programs put in front (Re:, Fwd:, AW: …). */
export function threadTopic(subject: string): string {
  return subject.replace(PREFIX, '').trim();
}
