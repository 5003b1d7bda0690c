// What outside calendar systems need of an iMIP message (RFC 6047, RFC 5546) before they turn it into
// an actionable invitation or an applied answer, written from each system's public behaviour and
// checked on the bytes an SMTP listener received: read by real parsers (postal-mime for the mail,
// ical.js for the calendar object), never by Convene's own. docs/scheduling-interop.md, "Outbound
// and round trips", has the table these rules come from.
import ICAL from 'ical.js';
import PostalMime, { type Email } from 'postal-mime';

export type System = 'Google Calendar' | 'Microsoft 365/Exchange' | 'iCloud' | 'Fastmail' | 'Nextcloud/SOGo' | 'Thunderbird';

export interface Expected {
  method: 'REQUEST' | 'CANCEL' | 'REPLY' | 'COUNTER';
  /** The sender: the ORGANIZER (REQUEST, CANCEL) or the answering ATTENDEE (REPLY, COUNTER). */
  from: string;
  /** Each recipient must be an ATTENDEE of a REQUEST or CANCEL (to act on it, it must find itself). */
  recipients: string[];
  /** The occurrence (UTC ms of its original start) a message about one occurrence names. */
  recurrenceId?: number | undefined;
}

export interface Inspected {
  mail: Email;
  /** Content types in the order they appear, top level first. */
  layout: string[];
  /** The Content-Type field of the text/calendar part. */
  calendarType: string;
  /** The calendar object as its part carries it, decoded (postal-mime turns its CRLFs into LFs). */
  ics: string;
  /** The invite.ics attachment's bytes as sent (base64 decoded here), CRLFs as they were. */
  wire: string | undefined;
  calendar: ICAL.Component;
  vevents: ICAL.Component[];
}

export async function inspect(raw: Buffer): Promise<Inspected> {
  const mail = await PostalMime.parse(raw);
  const text = raw.toString('latin1');
  const layout = [...text.matchAll(/^Content-Type:\s*([^;\s]+)/gim)].map(m => m[1]!.toLowerCase());
  const calendarType = /^Content-Type:\s*text\/calendar[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/im.exec(text)?.[0].replace(/\r?\n[ \t]/g, ' ') ?? '';
  const part = mail.attachments.find(a => a.mimeType === 'text/calendar');
  const ics = part ? Buffer.from(part.content as ArrayBuffer).toString('utf8') : '';
  const calendar = new ICAL.Component(ICAL.parse(ics));
  // Times with a TZID are read in the zone the object itself defines (values are decoded lazily).
  for (const z of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(z);
  const base64 = /^Content-Type:\s*application\/ics[^]*?\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/im.exec(text)?.[1];
  const wire = base64 && /^Content-Transfer-Encoding:\s*base64/im.test(text) ? Buffer.from(base64, 'base64').toString('utf8') : undefined;
  return { mail, layout, calendarType, ics, wire, calendar, vevents: calendar.getAllSubcomponents('vevent') };
}

const mailto = (v: unknown) => String(v).replace(/^mailto:/i, '').toLowerCase();
const param = (p: ICAL.Property, name: string) => {
  const v = p.getParameter(name);
  return v === undefined || v === null ? undefined : String(v).toUpperCase();
};

interface Rule {
  systems: System[];
  rule: string;
  /** undefined when it holds; otherwise what is wrong. */
  check(m: Inspected, e: Expected): string | undefined;
}

const ALL: System[] = ['Google Calendar', 'Microsoft 365/Exchange', 'iCloud', 'Fastmail', 'Nextcloud/SOGo', 'Thunderbird'];

export const RULES: Rule[] = [
  {
    systems: ALL, rule: 'a text/calendar part whose Content-Type names the method, the same METHOD as the object, UTF-8',
    check: (m, e) => {
      const method = /;\s*method="?([A-Za-z-]+)/i.exec(m.calendarType)?.[1]?.toUpperCase();
      if (method !== e.method) return `Content-Type method=${method}, expected ${e.method}`;
      if (String(m.calendar.getFirstPropertyValue('method')).toUpperCase() !== e.method) return `METHOD:${m.calendar.getFirstPropertyValue('method')}`;
      if (!/charset="?utf-8/i.test(m.calendarType)) return `no charset=utf-8: ${m.calendarType}`;
      return undefined;
    },
  },
  {
    systems: ['Google Calendar', 'Microsoft 365/Exchange', 'Thunderbird'],
    rule: 'multipart/alternative of text/plain, text/html and text/calendar (Google\'s own layout; Outlook shows the HTML)',
    check: m => {
      const at = m.layout.indexOf('multipart/alternative');
      const alt = m.layout.slice(at + 1, at + 4);
      return at >= 0 && alt.join() === 'text/plain,text/html,text/calendar' && m.mail.html && m.mail.text ? undefined : `layout ${m.layout.join(' > ')}`;
    },
  },
  {
    systems: ['iCloud', 'Google Calendar'], rule: 'the object also as an application/ics attachment named invite.ics (Apple Mail offers it)',
    check: m => (m.mail.attachments.some(a => a.mimeType === 'application/ics' && a.filename === 'invite.ics') ? undefined : 'no invite.ics attachment'),
  },
  {
    systems: ['Microsoft 365/Exchange'], rule: 'Content-Class: urn:content-classes:calendarmessage',
    check: m => (m.mail.headers.some(h => h.key === 'content-class' && /calendarmessage/i.test(h.value)) ? undefined : 'no Content-Class'),
  },
  {
    systems: ALL, rule: 'From is the sender the object names; no Sender or Reply-To pointing elsewhere',
    check: (m, e) => {
      if (m.mail.from?.address?.toLowerCase() !== e.from) return `From ${m.mail.from?.address}`;
      if (m.mail.sender && m.mail.sender.address?.toLowerCase() !== e.from) return `Sender ${m.mail.sender.address}`;
      if (m.mail.replyTo?.some(r => r.address?.toLowerCase() !== e.from)) return `Reply-To ${m.mail.replyTo.map(r => r.address).join()}`;
      return undefined;
    },
  },
  {
    systems: ALL, rule: 'every VEVENT has UID, DTSTAMP in UTC (made now), SEQUENCE and the ORGANIZER with mailto and CN',
    check: (m, e) => {
      for (const v of m.vevents) {
        if (!v.getFirstPropertyValue('uid')) return 'no UID';
        const stamp = v.getFirstPropertyValue('dtstamp') as ICAL.Time | null;
        if (!stamp || stamp.zone !== ICAL.Timezone.utcTimezone) return 'DTSTAMP not UTC';
        if (Math.abs(stamp.toJSDate().getTime() - Date.now()) > 10 * 60_000) return `DTSTAMP ${stamp.toString()} is not when the message was made`;
        if (!Number.isInteger(v.getFirstPropertyValue('sequence'))) return 'no SEQUENCE';
        const o = v.getFirstProperty('organizer');
        if (!o || !/^mailto:/i.test(String(o.getFirstValue()))) return 'no ORGANIZER mailto';
        if ((e.method === 'REQUEST' || e.method === 'CANCEL') && (mailto(o.getFirstValue()) !== e.from || !o.getParameter('cn'))) return `ORGANIZER ${o.toICALString()}`;
      }
      return undefined;
    },
  },
  {
    systems: ['Google Calendar', 'Microsoft 365/Exchange', 'Fastmail', 'Nextcloud/SOGo', 'Thunderbird'],
    rule: 'a REQUEST names each recipient as ATTENDEE with CUTYPE, ROLE, PARTSTAT and RSVP=TRUE (Exchange reads ResponseRequested from RSVP)',
    check: (m, e) => {
      if (e.method !== 'REQUEST') return undefined;
      for (const v of m.vevents) {
        const attendees = v.getAllProperties('attendee');
        for (const r of e.recipients) {
          const a = attendees.find(p => mailto(p.getFirstValue()) === r);
          if (!a) return `${r} is not an ATTENDEE`;
          if (!param(a, 'cutype') || !param(a, 'role') || !param(a, 'partstat') || param(a, 'rsvp') !== 'TRUE') return `ATTENDEE ${a.toICALString()}`;
        }
      }
      return undefined;
    },
  },
  {
    systems: ['Google Calendar', 'Microsoft 365/Exchange', 'Thunderbird'], rule: 'a CANCEL says STATUS:CANCELLED and names the attendees it removes',
    check: (m, e) => {
      if (e.method !== 'CANCEL') return undefined;
      for (const v of m.vevents) {
        if (String(v.getFirstPropertyValue('status')).toUpperCase() !== 'CANCELLED') return 'no STATUS:CANCELLED';
        const named = v.getAllProperties('attendee').map(p => mailto(p.getFirstValue()));
        const missing = e.recipients.filter(r => !named.includes(r));
        if (missing.length) return `${missing.join()} not named`;
      }
      return undefined;
    },
  },
  {
    systems: ALL, rule: 'a REPLY or COUNTER carries exactly the answering ATTENDEE, with its PARTSTAT; a COUNTER the proposed DTSTART/DTEND',
    check: (m, e) => {
      if (e.method !== 'REPLY' && e.method !== 'COUNTER') return undefined;
      for (const v of m.vevents) {
        const attendees = v.getAllProperties('attendee');
        if (attendees.length !== 1 || mailto(attendees[0]!.getFirstValue()) !== e.from) return `ATTENDEE ${attendees.map(a => a.toICALString()).join(' | ')}`;
        if (!['ACCEPTED', 'TENTATIVE', 'DECLINED'].includes(param(attendees[0]!, 'partstat') ?? '')) return 'no PARTSTAT';
        if (e.method === 'COUNTER' && (!v.getFirstProperty('dtstart') || !v.getFirstProperty('dtend'))) return 'COUNTER without the proposed times';
        if (v.getFirstProperty('valarm') || v.getFirstSubcomponent('valarm')) return 'the attendee\'s reminder went along';
      }
      return undefined;
    },
  },
  {
    systems: ALL, rule: 'one occurrence is named by RECURRENCE-ID in the zone of the series, and only that occurrence is sent',
    check: (m, e) => {
      if (e.recurrenceId === undefined) return m.vevents.some(v => v.getFirstProperty('recurrence-id')) && m.vevents.length === 1 ? 'an unexpected RECURRENCE-ID' : undefined;
      if (m.vevents.length !== 1) return `${m.vevents.length} VEVENTs`;
      const rid = m.vevents[0]!.getFirstPropertyValue('recurrence-id') as ICAL.Time | null;
      if (!rid) return 'no RECURRENCE-ID';
      const series = String(m.calendar.getFirstSubcomponent('vevent')?.getFirstProperty('dtstart')?.getParameter('tzid') ?? '');
      if (String(m.vevents[0]!.getFirstProperty('recurrence-id')!.getParameter('tzid') ?? '') !== series && series) return 'RECURRENCE-ID in another zone';
      if (rid.toUnixTime() * 1000 !== e.recurrenceId) return `RECURRENCE-ID ${rid.toString()} is not ${new Date(e.recurrenceId).toISOString()}`;
      if (m.vevents[0]!.getFirstProperty('rrule')) return 'an occurrence with an RRULE';
      return undefined;
    },
  },
  {
    systems: ['Microsoft 365/Exchange', 'Google Calendar', 'iCloud', 'Thunderbird'], rule: 'a VTIMEZONE for every TZID used',
    check: m => {
      const defined = new Set(m.calendar.getAllSubcomponents('vtimezone').map(z => String(z.getFirstPropertyValue('tzid'))));
      const used = [...m.ics.matchAll(/;TZID=("[^"]+"|[^;:]+)/gi)].map(x => x[1]!.replace(/"/g, ''));
      const missing = used.filter(z => !defined.has(z));
      return missing.length ? `no VTIMEZONE for ${[...new Set(missing)].join()}` : undefined;
    },
  },
  {
    systems: ALL, rule: 'RFC 5545 3.1: CRLF lines of at most 75 octets, folded between characters, valid UTF-8',
    check: m => {
      const ics = m.wire ?? m.ics.replace(/\n/g, '\r\n');
      if (m.wire !== undefined && m.wire.replace(/\r\n/g, '\n') !== m.ics.replace(/\r\n/g, '\n')) return 'invite.ics is not the text/calendar part';
      if (ics.includes('\uFFFD')) return 'invalid UTF-8';
      const bare = /[^\r]\n/.exec(ics);
      if (bare) return `a bare LF: ${JSON.stringify(ics.slice(Math.max(0, bare.index - 40), bare.index + 10))}`;
      const long = ics.split('\r\n').find(l => Buffer.byteLength(l) > 75);
      return long ? `a line of ${Buffer.byteLength(long)} octets: ${long}` : undefined;
    },
  },
  {
    systems: ['Microsoft 365/Exchange', 'Google Calendar'], rule: 'no Convene bookkeeping in what leaves (X-CONVENE-REPLY-DTSTAMP, MeetingStatus, ResponseType, ClientUid)',
    check: m => {
      const leaked = /^(X-CONVENE-(REPLY-DTSTAMP|MEETINGSTATUS|RESPONSETYPE|REPLYTIME|CLIENTUID|EASTIMEZONE)|[^\r\n]*;X-CONVENE-STATUS=)/im.exec(m.ics);
      return leaked ? `leaked: ${leaked[0]}` : undefined;
    },
  },
];

/** Every rule on one message; the failures, each naming the systems that rely on the rule. */
export function violations(m: Inspected, e: Expected): string[] {
  return RULES.flatMap(r => {
    const wrong = r.check(m, e);
    return wrong ? [`${r.systems.join(', ')}: ${r.rule} — ${wrong}`] : [];
  });
}
