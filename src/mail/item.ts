// The Email item every server-made or delivered message becomes (MS-ASEMAIL): one envelope, so
// meeting mail, replies, bounces of our own and delivered mail all look alike to a device.
import { formatExtended } from '../calendar/timezone.js';
import type { Store } from '../store/Store.js';
import type { ItemProps, User } from '../store/types.js';
import type { ParsedMessage } from './parse.js';

export interface MailItem {
  to: string;
  cc?: string | undefined;
  from: string;
  subject: string;
  /** The conversation's topic; the subject without "Accepted: " and the like. */
  threadTopic?: string | undefined;
  displayTo: string;
  body: { type: 1 | 2; data: string };
  messageClass: string;
  read?: boolean | undefined;
  /** Meeting mail: Content-Class urn:content-classes:calendarmessage. */
  calendarMessage?: boolean | undefined;
  /** Properties that follow the envelope (MeetingMessageType, RecurrenceId …). */
  extra?: ItemProps | undefined;
}

export function mailItemProps(m: MailItem): ItemProps {
  return [
    ['Email:To', m.to], ...(m.cc ? [['Email:Cc', m.cc] as ItemProps[number]] : []),
    ['Email:From', m.from], ['Email:Subject', m.subject], ['Email:DateReceived', formatExtended(Date.now())],
    ['Email:DisplayTo', m.displayTo], ['Email:ThreadTopic', m.threadTopic ?? m.subject], ['Email:Importance', '1'], ['Email:Read', m.read ? '1' : '0'],
    ['AirSyncBase:Body', [['AirSyncBase:Type', String(m.body.type)], ['AirSyncBase:Data', m.body.data]]],
    ['Email:MessageClass', m.messageClass], ['Email:InternetCPID', '65001'],
    ...(m.calendarMessage ? [['Email:ContentClass', 'urn:content-classes:calendarmessage'] as ItemProps[number]] : []),
    ...(m.extra ?? []),
  ];
}

/** "Name" <address>, or the bare address. */
export function mailbox(email: string, name?: string | undefined): string {
  return name ? `"${name}" <${email}>` : email;
}

/** A parsed message filed in one of an account's folders, as plain mail (IPM.Note). */
export async function fileMessage(store: Store, owner: User, folderType: number, m: ParsedMessage, o: { from: string; read?: boolean }): Promise<void> {
  const folder = (await store.listFolders(owner.id)).find(f => f.type === folderType)!;
  const props = mailItemProps({
    to: m.to.join(', '), cc: m.cc.length ? m.cc.join(', ') : undefined, from: o.from, subject: m.subject, displayTo: m.to.join('; '),
    body: { type: m.html ? 2 : 1, data: m.html ?? m.text ?? '' }, messageClass: 'IPM.Note', read: o.read,
  });
  await store.addItem(owner.id, folder.id, { class: 'Email', props, filterTime: Date.now(), mime: m.raw });
}
