// The Email item every server-made or delivered message becomes (MS-ASEMAIL): one envelope, so
// meeting mail, replies, bounces of our own and delivered mail all look alike to a device. A
// message that arrived as MIME is filed with its envelope, body, attachments and conversation
// derived once, here, and keeps its raw message beside them (docs/mail.md, "Email over Sync").
import { formatExtended } from '../calendar/timezone.js';
import type { Store } from '../store/Store.js';
import { FolderType, type ItemProps, type PropNode, type User } from '../store/types.js';
import { attachmentsNode } from './attachments.js';
import { storedBody, type NativeBody } from './bodyStore.js';
import { conversationId, conversationIndex, threadTopic, type Thread } from './conversation.js';
import type { NamedAddress, ParsedMessage } from './parse.js';

export interface MailItem {
  to: string;
  cc?: string | undefined;
  from: string;
  replyTo?: string | undefined;
  subject: string;
  /** The conversation's topic; the subject without "Accepted: " and the like. */
  threadTopic?: string | undefined;
  displayTo: string;
  body: NativeBody;
  messageClass: string;
  read?: boolean | undefined;
  /** MS-ASEMAIL 2.2.2.40 Importance: 0 low, 1 normal (the default), 2 high. */
  importance?: 0 | 1 | 2 | undefined;
  /** When the message was received (ms); now by default. */
  received?: number | undefined;
  /** The stored AirSyncBase:Attachments node (attachments.ts). */
  attachments?: PropNode | undefined;
  /** Threading headers; without them the conversation is the topic's (conversation.ts). */
  thread?: Omit<Thread, 'topic' | 'date'> & { date?: number | undefined } | undefined;
  /** Meeting mail: Content-Class urn:content-classes:calendarmessage. */
  calendarMessage?: boolean | undefined;
  /** Properties that follow the envelope (MeetingMessageType, RecurrenceId …). */
  extra?: ItemProps | undefined;
}

export function mailItemProps(m: MailItem): ItemProps {
  const received = m.received ?? Date.now();
  const topic = m.threadTopic ?? threadTopic(m.subject);
  const thread: Thread = { ...m.thread, topic, date: m.thread?.date ?? received };
  const { body, nativeBodyType } = storedBody(m.body);
  const opt = (name: string, value: string | undefined): PropNode[] => (value ? [[name, value]] : []);
  return [
    ['Email:To', m.to], ...opt('Email:Cc', m.cc),
    ['Email:From', m.from], ['Email:Subject', m.subject], ...opt('Email:ReplyTo', m.replyTo),
    ['Email:DateReceived', formatExtended(received)],
    ['Email:DisplayTo', m.displayTo], ['Email:ThreadTopic', topic], ['Email:Importance', String(m.importance ?? 1)], ['Email:Read', m.read ? '1' : '0'],
    ...(m.attachments ? [m.attachments] : []),
    ...body,
    ['Email:MessageClass', m.messageClass], ['Email:InternetCPID', '65001'],
    ...opt('Email:ContentClass', m.calendarMessage ? 'urn:content-classes:calendarmessage' : undefined),
    nativeBodyType,
    ['Email2:ConversationId', { b64: conversationId(thread).toString('base64') }],
    ['Email2:ConversationIndex', { b64: conversationIndex(thread).toString('base64') }],
    ...(m.extra ?? []),
  ];
}

/** "Name" <address>, or the bare address. */
export function mailbox(email: string, name?: string | undefined): string {
  return name ? `"${name.replace(/["\\]/g, '')}" <${email}>` : email;
}

/**
 * A parsed message filed in one of an account's folders, as plain mail (IPM.Note, or S/MIME's
 * classes). Mail for the Inbox of a conversation the owner moved with MoveAlways goes to that
 * conversation's folder instead (MS-ASCMD 2.2.3.118), while the folder is still a mail folder.
 */
export async function fileMessage(store: Store, owner: User, folderType: number, m: ParsedMessage, o: { from: string; read?: boolean }): Promise<void> {
  const folders = await store.listFolders(owner.id);
  const props = mailItemProps(filedMail(m, o));
  let folder = folders.find(f => f.type === folderType)!;
  if (folderType === FolderType.Inbox) {
    const conversation = props.find(p => p[0] === 'Email2:ConversationId')?.[1];
    const ruled = conversation && typeof conversation === 'object' && 'b64' in conversation
      ? await store.useConversationRule(owner.id, conversation.b64) : undefined;
    folder = folders.find(f => f.id === ruled && MAIL_FOLDER_TYPES.has(f.type)) ?? folder;
  }
  await store.addItem(owner.id, folder.id, { class: 'Email', props, filterTime: Date.now(), mime: m.raw });
}

/**
 * Folders a conversation rule may file into: the user's mail folders, and Deleted Items (a
 * conversation always moved there is an ignored one); never Drafts, Outbox or Sent Items.
 */
const MAIL_FOLDER_TYPES = new Set<number>([FolderType.Inbox, FolderType.UserMail, FolderType.DeletedItems]);

/** What a parsed message says about itself, as the envelope of its item. */
export function filedMail(m: ParsedMessage, o: { from: string; read?: boolean }): MailItem {
  const bare = (xs: string[]): NamedAddress[] => xs.map(address => ({ address }));
  const named = m.named ?? { to: bare(m.to), cc: bare(m.cc), replyTo: bare(m.replyTo) };
  const list = (xs: NamedAddress[]): string => xs.map(x => mailbox(x.address, x.name)).join(', ');
  // A bare sender address gets the display name the From header gives it.
  const from = o.from.includes('<') || !m.fromName || o.from.toLowerCase() !== m.from ? o.from : mailbox(o.from, m.fromName);
  const body: NativeBody = m.html !== undefined ? { type: 2, data: m.html } : { type: 1, data: m.text ?? '' };
  return {
    to: list(named.to), cc: named.cc.length ? list(named.cc) : undefined, from, replyTo: named.replyTo.length ? list(named.replyTo) : undefined,
    subject: m.subject, displayTo: named.to.map(x => x.name ?? x.address).join('; '),
    body, messageClass: messageClassOf(m), read: o.read, importance: m.importance,
    attachments: attachmentsNode(m.attachments),
    thread: { messageId: m.messageId, inReplyTo: m.inReplyTo, references: m.references, date: m.date },
  };
}

/**
 * MS-ASEMAIL 2.2.2.49 MessageClass: signed and encrypted S/MIME mail has classes of its own, which
 * is what MIMESupport 1 ("S/MIME messages only", MS-ASCMD 2.2.3.110) looks at.
 */
function messageClassOf(m: ParsedMessage): string {
  const type = m.headers.find(h => h.key === 'content-type')?.value.toLowerCase() ?? '';
  if (/^\s*multipart\/signed\b/.test(type)) return 'IPM.Note.SMIME.MultipartSigned';
  if (/^\s*application\/(x-)?pkcs7-mime\b/.test(type)) {
    return /smime-type\s*=\s*"?signed-data/.test(type) ? 'IPM.Note.SMIME.MultipartSigned' : 'IPM.Note.SMIME';
  }
  return 'IPM.Note';
}
