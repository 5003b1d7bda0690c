// What a mailbox search compares an item with, and whether the item matches (docs/search.md).
// Each condition is a piece of text that must occur — case-insensitively, as a substring — in the
// item's text, or in one named part of it (Find's "subject:", "from:" … restrictions).
import type { CalendarEvent } from '../calendar/model.js';
import type { Item, ItemProps, PropNode } from '../store/types.js';
import { fold, htmlText } from './text.js';

/** The parts of an item a condition may name. */
export type SearchField = 'subject' | 'from' | 'to' | 'cc' | 'body' | 'attachment';

export interface TextCondition {
  text: string;
  /** Only this part; 'participants' is from, to and cc together. Absent: anywhere. */
  field?: SearchField | 'participants' | undefined;
}

type SearchableText = Record<SearchField | 'other', string>;

export function matches(item: Item, conditions: readonly TextCondition[], conversationId?: string): boolean {
  if (conversationId !== undefined && conversationIdOf(item.props) !== conversationId) return false;
  if (conditions.length === 0) return true;
  const text = searchableText(item);
  return conditions.every(c => partsOf(text, c.field).some(part => part.includes(fold(c.text))));
}

function partsOf(text: SearchableText, field: TextCondition['field']): string[] {
  if (field === 'participants') return [text.from, text.to, text.cc];
  return field ? [text[field]] : Object.values(text);
}

/** MS-ASEMAIL 2.2.2.21 Email2:ConversationId as the wire carries it (base64 of its bytes), if any. */
export function conversationIdOf(props: ItemProps): string | undefined {
  const value = props.find(p => p[0] === 'Email2:ConversationId')?.[1];
  if (value && typeof value === 'object' && 'b64' in value) return value.b64;
  return typeof value === 'string' ? Buffer.from(value, 'utf8').toString('base64') : undefined;
}

export function searchableText(item: Item): SearchableText {
  const parts = item.class === 'Email' ? emailText(item.props)
    : item.event ? eventText(item.event)
      : item.class === 'Contacts' ? contactText(item.props)
        : item.class === 'Tasks' || item.class === 'Notes' ? pimText(item.props, item.class)
          : { subject: '', from: '', to: '', cc: '', body: '', attachment: '', other: leaves(item.props).join('\n') };
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, fold(v)])) as SearchableText;
}

function emailText(props: ItemProps): SearchableText {
  const text = (...names: string[]): string => names.map(n => textOf(props, n)).filter(Boolean).join('\n');
  return {
    subject: text('Email:Subject', 'Email:ThreadTopic'),
    from: text('Email:From', 'Email2:Sender', 'Email:ReplyTo'),
    to: text('Email:To', 'Email:DisplayTo'),
    cc: text('Email:Cc'),
    // An HTML body may be kept with a plain-text summary beside it (src/mail/bodyStore.ts): both count.
    body: props.filter(p => p[0] === 'AirSyncBase:Body').map(p => bodyText(p[1])).join('\n'),
    attachment: attachmentNames(props).join('\n'),
    other: text('Email:Categories'),
  };
}

function eventText(e: CalendarEvent): SearchableText {
  const people = (e.attendees ?? []).map(a => `${a.name ?? ''} <${a.email}>`);
  const moved = (e.exceptions ?? []).flatMap(x => [x.overrides.subject, x.overrides.location?.displayName]).filter(Boolean);
  return {
    subject: [e.subject ?? '', ...moved].join('\n'),
    from: e.organizer ? `${e.organizer.name ?? ''} <${e.organizer.email}>` : '',
    to: people.join('\n'),
    cc: '',
    body: e.body ? (e.body.type === 2 ? htmlText(e.body.data) : e.body.data) : '',
    attachment: '',
    other: [e.location?.displayName ?? '', ...(e.categories ?? [])].join('\n'),
  };
}

/**
 * A contact (MS-ASCNTC 2.2.2): its names, company, addresses, numbers, Categories and Children,
 * and its notes read as text (HTML without its tags); not the photo, nor the notes' Type or the
 * cache's WeightedRank, which are no words of the contact.
 */
function contactText(props: ItemProps): SearchableText {
  const notes = props.filter(p => p[0] === 'AirSyncBase:Body').map(p => bodyText(p[1])).join('\n');
  const rest = props.filter(p => p[0] !== 'AirSyncBase:Body' && p[0] !== 'Contacts:WeightedRank');
  return { subject: '', from: '', to: '', cc: '', body: notes, attachment: '', other: leaves(rest).join('\n') };
}

/** A task or note (MS-ASTASK, MS-ASNOTE): its subject, its body's text, and its categories. */
function pimText(props: ItemProps, ns: 'Tasks' | 'Notes'): SearchableText {
  return {
    subject: textOf(props, `${ns}:Subject`), from: '', to: '', cc: '',
    body: props.filter(p => p[0] === 'AirSyncBase:Body').map(p => bodyText(p[1])).join('\n'),
    attachment: '', other: textOf(props, `${ns}:Categories`),
  };
}

function textOf(props: ItemProps, name: string): string {
  const value = props.find(p => p[0] === name)?.[1];
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? leaves(value).join('\n') : '';
}

function bodyText(body: PropNode[1] | undefined): string {
  if (!Array.isArray(body)) return '';
  const type = body.find(p => p[0] === 'AirSyncBase:Type')?.[1];
  const data = body.find(p => p[0] === 'AirSyncBase:Data')?.[1];
  if (typeof data !== 'string') return '';
  return type === '2' ? htmlText(data) : data;
}

function attachmentNames(props: ItemProps): string[] {
  const list = props.find(p => p[0] === 'AirSyncBase:Attachments')?.[1];
  if (!Array.isArray(list)) return [];
  return list.map(a => (Array.isArray(a[1]) ? a[1].find(p => p[0] === 'AirSyncBase:DisplayName')?.[1] : undefined))
    .filter((n): n is string => typeof n === 'string');
}

/** Every text value of a property tree (binary values and pictures left out). */
function leaves(props: ItemProps): string[] {
  return props.flatMap(([name, value]) => {
    if (typeof value === 'string') return name.endsWith(':Picture') ? [] : [value];
    return Array.isArray(value) ? leaves(value) : [];
  });
}
