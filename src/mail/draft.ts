// 16.x drafts (MS-ASEMAIL 2.2.2.69 Send, 2.2.2.7 Bcc, 2.2.2.42 IsDraft; MS-ASAIRS 2.2.2.2 Add,
// 2.2.2.20 Delete): a device writes a message in its Drafts folder over Sync, changes it, and has
// the server send it. A draft is kept as the message it would send — From the account, its Bcc
// kept, its attachments as parts — and as the Email item filed from that message (the envelope,
// body and attachment list delivered mail has), plus Email2:IsDraft and Email2:Bcc. Its
// attachments are the message's parts, named by FileReference like those of any other mail.
import type { Store } from '../store/Store.js';
import { propText } from '../store/props.js';
import type { ItemProps, PropNode, User } from '../store/types.js';
import { readStoredBody, type NativeBody } from './bodyStore.js';
import { composeMessage, type ComposedAttachment } from './compose.js';
import { filedMail, mailItemProps, mailbox } from './item.js';
import { MimeError, parseMessage, type ParsedMessage } from './parse.js';
import { deliverSubmitted, readDeviceMessage, recipientsOf } from './submit.js';

const A = (n: string) => `AirSyncBase:${n}`;

/** What a draft says: the fields a device may write (MS-ASEMAIL 16.0 drafts) and its files. */
export interface Draft {
  /** Address lists as the device writes them ("Bob" <bob@example.org>, carol@example.net). */
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  importance: 0 | 1 | 2;
  body: NativeBody;
  attachments: ComposedAttachment[];
  /** Kept from the first save, so the draft stays one conversation however often it is saved. */
  messageId?: string | undefined;
}

/** A file the device adds (MS-ASAIRS 2.2.2.2 Add); its ClientId is answered with a FileReference. */
export interface AddedAttachment extends ComposedAttachment {
  clientId: string;
}

/** One Add or Change of a draft: what it sets, adds and deletes. Absent fields stay as they are. */
export interface DraftEdit {
  to?: string | undefined;
  cc?: string | undefined;
  bcc?: string | undefined;
  subject?: string | undefined;
  importance?: 0 | 1 | 2 | undefined;
  body?: NativeBody | undefined;
  add: AddedAttachment[];
  /** FileReferences of attachments to delete (MS-ASAIRS 2.2.2.20), as sent. */
  remove: string[];
  /** MS-ASEMAIL 2.2.2.69: send the draft rather than keep it. */
  send: boolean;
}

export const EMPTY_DRAFT: Draft = { to: '', cc: '', bcc: '', subject: '', importance: 1, body: { type: 1, data: '' }, attachments: [] };

/** Elements that belong to the server (From, DateReceived, IsDraft …): a device that sends them along is not heard. */
const TEXT_FIELDS: Readonly<Record<string, 'to' | 'cc' | 'bcc' | 'subject'>> = {
  'Email:To': 'to', 'Email:Cc': 'cc', 'Email2:Bcc': 'bcc', 'Email:Subject': 'subject',
};

/**
 * A device's ApplicationData for a draft, read; undefined when a value is not one the element
 * takes (Status 6): Importance other than 0–2, a Body other than plain text or HTML, an attachment
 * Add without its required ClientId, DisplayName, Method or Content (MS-ASAIRS 2.2.2.2), Content
 * sent as text that is not base64, a Delete without FileReference.
 */
export function readDraftEdit(props: ItemProps, send: boolean): DraftEdit | undefined {
  const edit: DraftEdit = { add: [], remove: [], send };
  for (const [name, value] of props) {
    const field = TEXT_FIELDS[name];
    if (field) {
      if (typeof value !== 'string') return undefined;
      edit[field] = value.trim();
    } else if (name === 'Email:Importance') {
      if (typeof value !== 'string' || !/^\s*[012]\s*$/.test(value)) return undefined;
      edit.importance = Number(value) as 0 | 1 | 2;
    } else if (name === A('Body')) {
      const body = Array.isArray(value) ? readBody(value) : undefined;
      if (!body) return undefined;
      edit.body = body;
    } else if (name === A('Attachments')) {
      if (!Array.isArray(value) || !readAttachmentEdits(value, edit)) return undefined;
    } else if (name === 'Email2:Send') {
      // MS-ASEMAIL 2.2.2.69 puts Send beside ApplicationData; a device that puts it inside is heard too.
      edit.send = true;
    }
  }
  return edit;
}

/** MS-ASAIRS 2.2.2.9: a draft's body is plain text (1) or HTML (2). */
function readBody(body: ItemProps): NativeBody | undefined {
  const type = (propText(body, A('Type')) ?? '1').trim();
  if (type !== '1' && type !== '2') return undefined;
  const data = body.find(p => p[0] === A('Data'))?.[1];
  if (data !== undefined && typeof data !== 'string') return undefined;
  return { type: type === '2' ? 2 : 1, data: data ?? '' };
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function readAttachmentEdits(list: ItemProps, edit: DraftEdit): boolean {
  for (const [name, value] of list) {
    if (!Array.isArray(value)) return false;
    if (name === A('Delete')) {
      const ref = propText(value, A('FileReference'))?.trim();
      if (!ref) return false;
      edit.remove.push(ref);
    } else if (name === A('Add')) {
      const added = readAdd(value);
      if (!added) return false;
      edit.add.push(added);
    } else return false;
  }
  return true;
}

function readAdd(add: ItemProps): AddedAttachment | undefined {
  const text = (n: string) => propText(add, A(n))?.trim();
  const clientId = text('ClientId');
  const filename = text('DisplayName');
  const method = text('Method');
  const content = add.find(p => p[0] === A('Content'))?.[1];
  if (!clientId || !filename || !method || !/^[1-6]$/.test(method) || content === undefined || Array.isArray(content)) return undefined;
  // Content in WBXML: opaque bytes are the file itself; inline text is its base64 (MS-ASAIRS 2.2.2.15).
  let bytes: Buffer;
  if (typeof content === 'string') {
    if (!BASE64.test(content) || content.replace(/\s+/g, '').length % 4 !== 0) return undefined;
    bytes = Buffer.from(content, 'base64');
  } else bytes = Buffer.from(content.b64, 'base64');
  // MS-ASAIRS 2.2.2.31.1 Method 5 is an embedded message; without a ContentType the composer guesses from the name.
  const contentType = text('ContentType') || (method === '5' ? 'message/rfc822' : '');
  return {
    clientId, filename, contentType, content: bytes,
    contentId: text('ContentId')?.replace(/^<|>$/g, '') || undefined,
    inline: text('IsInline') === '1',
  };
}

/** What a stored draft says: its envelope and body from the item, its files from its message. */
export async function readDraft(props: ItemProps, mime: Buffer | undefined): Promise<Draft> {
  const t = (name: string) => propText(props, name) ?? '';
  const stored = readStoredBody(props);
  let parsed: ParsedMessage | undefined;
  try {
    parsed = mime && await parseMessage(mime);
  } catch (e) {
    if (!(e instanceof MimeError)) throw e;
  }
  const importance = Number(t('Email:Importance') || 1);
  return {
    to: t('Email:To'), cc: t('Email:Cc'), bcc: t('Email2:Bcc'), subject: t('Email:Subject'),
    importance: importance === 0 || importance === 2 ? importance : 1,
    body: stored && (stored.type === 1 || stored.type === 2) ? { type: stored.type, data: stored.data } : { type: 1, data: '' },
    attachments: parsed?.attachments.map(a => ({ ...a })) ?? [],
    messageId: parsed?.messageId,
  };
}

/**
 * The draft after an edit: fields replaced, the attachments at `removed` (their places in the
 * current list) gone, the added ones after the rest. `added` gives each new file's place.
 */
export function editDraft(draft: Draft, edit: DraftEdit, removed: ReadonlySet<number>): { draft: Draft; added: { clientId: string; index: number }[] } {
  const kept = draft.attachments.filter((_, i) => !removed.has(i));
  const next: Draft = {
    ...draft,
    to: edit.to ?? draft.to, cc: edit.cc ?? draft.cc, bcc: edit.bcc ?? draft.bcc, subject: edit.subject ?? draft.subject,
    importance: edit.importance ?? draft.importance, body: edit.body ?? draft.body,
    attachments: [...kept, ...edit.add.map(({ clientId: _, ...a }) => a)],
  };
  return { draft: next, added: edit.add.map((a, i) => ({ clientId: a.clientId, index: kept.length + i })) };
}

/** The message a draft is: what is stored behind it, and what goes out when it is sent. */
export function composeDraft(user: User, d: Draft, date = new Date()): Promise<Buffer> {
  const importance = { 0: 'low', 2: 'high' }[d.importance as 0 | 2];
  return composeMessage({
    from: { name: user.displayName, address: user.email },
    to: d.to ? [d.to] : [], cc: d.cc ? [d.cc] : undefined, bcc: d.bcc ? [d.bcc] : undefined,
    subject: d.subject,
    text: d.body.type === 1 ? d.body.data : undefined, html: d.body.type === 2 ? d.body.data : undefined,
    attachments: d.attachments, headers: importance ? { Importance: importance } : undefined,
    messageId: d.messageId, date,
  });
}

/** The Email item of a composed draft: filed as mail is (item.ts), read, marked a draft. */
export async function draftProps(user: User, d: Draft, mime: Buffer): Promise<ItemProps> {
  const parsed = await parseMessage(mime);
  const extra: PropNode[] = [['Email2:IsDraft', '1'], ...(d.bcc ? [['Email2:Bcc', d.bcc] as PropNode] : [])];
  // The body as the device wrote it: read back from MIME it would gain a line end at each save.
  return mailItemProps({ ...filedMail(parsed, { from: mailbox(user.email, user.displayName), read: true }), body: d.body, extra });
}

export type SendFailure = 'NO_RECIPIENT' | 'INVALID_RECIPIENT' | 'INVALID_MIME';

/** A draft ready to go: its message read and its recipients checked, before anything is written. */
export interface ReadyDraft {
  message: ParsedMessage;
  recipients: string[];
}

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;

/** Whether the draft can be sent: at least one recipient, each an address (a draft may hold half-typed ones). */
export async function readyToSend(mime: Buffer): Promise<ReadyDraft | SendFailure> {
  const message = await readDeviceMessage(mime);
  if (typeof message === 'string') return 'INVALID_MIME';
  const recipients = recipientsOf(message);
  if (recipients.length === 0) return 'NO_RECIPIENT';
  if (recipients.some(r => !ADDRESS.test(r))) return 'INVALID_RECIPIENT';
  return { message, recipients };
}

/**
 * Sends a draft inside the caller's transaction, as SendMail sends a device's message
 * (submit.ts): local recipients' Inboxes, the outbound queue for the rest, the copy in Sent Items.
 */
export async function sendDraft(tx: Store, user: User, ready: ReadyDraft, log: (msg: string) => void): Promise<void> {
  await deliverSubmitted(tx, user, { message: ready.message, recipients: ready.recipients, saveInSent: true, log });
}
