// Structurally plausible iCalendar (RFC 5545) with hostile values: the components and properties a
// calendar or an iMIP message carries, values at and past their edges, broken nesting and folding.
// `safe` leaves out what the known bugs of issue 10 trip on: (a) control characters in text and
// (b) VTIMEZONE observances with FREQ=MINUTELY/HOURLY/DAILY, COUNT in the millions, deep HTML.
import fc from 'fast-check';
import { hostileString } from './fuzz.js';

export interface IcsOptions {
  safe: boolean;
  /** Addresses the ORGANIZER and ATTENDEEs pick from (local accounts make iMIP reach the store). */
  people?: readonly string[];
}

const DATES = ['20300101T090000Z', '20300101T090000', '20300101', '19000101T000000Z', '99991231T235959Z', '20300230T250000Z', '2030', '',
  '20300101T090000Z,20300102T090000Z', '00000101T000000Z'];
const ZONES = ['Europe/Berlin', 'America/New_York', 'Custom Zone', 'W. Europe Standard Time', 'Nowhere/Zone', '', '"quoted"'];

function rrule(safe: boolean): fc.Arbitrary<string> {
  const freq = fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'HOURLY', 'MINUTELY', 'SECONDLY', 'FORTNIGHTLY', '');
  const part = fc.oneof(
    fc.integer({ min: -2, max: safe ? 400 : 5_000_000 }).map(n => `COUNT=${n}`),
    fc.constantFrom('UNTIL=20310101T000000Z', 'UNTIL=20310101', 'UNTIL=1999', 'INTERVAL=0', 'INTERVAL=1', 'INTERVAL=3', 'INTERVAL=-1',
      'BYDAY=MO,TU', 'BYDAY=-1SU', 'BYDAY=5FR', 'BYDAY=XX', 'BYMONTHDAY=31', 'BYMONTHDAY=-1', 'BYMONTHDAY=0', 'BYMONTH=2', 'BYMONTH=13',
      'BYSETPOS=-1', 'BYYEARDAY=366', 'BYWEEKNO=53', 'WKST=SU', 'BYHOUR=25', 'RSCALE=HEBREW', 'SKIP=FORWARD', 'X-FOO=1'),
  );
  return fc.tuple(freq, fc.array(part, { maxLength: 4 })).map(([f, parts]) => ['FREQ=' + f, ...parts].join(';'));
}

/** A VTIMEZONE: sane yearly observances, or (unsafe) ones that recur every minute/hour/day. */
function vtimezone(safe: boolean): fc.Arbitrary<string[]> {
  const freqs = safe ? ['YEARLY', 'MONTHLY'] : ['YEARLY', 'MONTHLY', 'DAILY', 'HOURLY', 'MINUTELY'];
  const observance = fc.tuple(fc.constantFrom('STANDARD', 'DAYLIGHT'), fc.constantFrom(...freqs),
    fc.constantFrom('+0100', '-0500', '+0000', '+2400', 'x', '+013000'), fc.constantFrom('19700101T000000', '16010101T020000', '20300101T000000', 'bad'),
    fc.constantFrom('', ';BYMONTH=3;BYDAY=-1SU', ';BYMONTH=10;BYDAY=1SU', ';COUNT=3', ';UNTIL=20400101T000000Z'))
    .map(([kind, freq, offset, start, rest]) => [`BEGIN:${kind}`, `DTSTART:${start}`, `TZOFFSETFROM:${offset}`, `TZOFFSETTO:${offset}`,
      `RRULE:FREQ=${freq}${rest}`, `END:${kind}`]);
  return fc.tuple(fc.constantFrom(...ZONES), fc.array(observance, { maxLength: 3 }))
    .map(([id, obs]) => ['BEGIN:VTIMEZONE', `TZID:${id}`, ...obs.flat(), 'END:VTIMEZONE']);
}

function text(safe: boolean): fc.Arbitrary<string> {
  const raw = hostileString({ safe, maxLength: 30 });
  // RFC 5545 3.3.11 escapes, folding, and HTML nested a little (or, unsafe, thousands deep).
  return fc.oneof(raw, raw.map(s => s.replace(/[\\;,]/g, m => `\\${m}`)), fc.constantFrom('a\\nb', '\\', '\\x', 'a\r\n b', '<b>bold</b>'),
    fc.integer({ min: 1, max: safe ? 20 : 5000 }).map(n => `${'<div>'.repeat(n)}deep`));
}

function vevent(o: IcsOptions): fc.Arbitrary<string[]> {
  const people = o.people?.length ? o.people : ['someone@elsewhere.example'];
  const person = fc.oneof(fc.constantFrom(...people), fc.constantFrom('x@elsewhere.example', '', 'not-an-address'));
  const when = fc.tuple(fc.constantFrom('', ';VALUE=DATE', ';TZID=Europe/Berlin', ';TZID=Custom Zone', ';TZID=Nowhere/Zone', ';VALUE=PERIOD'),
    fc.constantFrom(...DATES)).map(([p, v]) => `${p}:${v}`);
  const prop = fc.oneof(
    when.map(w => `DTSTART${w}`), when.map(w => `DTEND${w}`), when.map(w => `RECURRENCE-ID${w}`), when.map(w => `EXDATE${w}`),
    when.map(w => `RDATE${w}`), fc.constantFrom('DURATION:PT1H', 'DURATION:-P1D', 'DURATION:P99999W', 'DURATION:x'),
    rrule(o.safe).map(r => `RRULE:${r}`), text(o.safe).map(t => `SUMMARY:${t}`), text(o.safe).map(t => `DESCRIPTION:${t}`),
    text(o.safe).map(t => `LOCATION:${t}`), text(o.safe).map(t => `X-ALT-DESC;FMTTYPE=text/html:${t}`),
    person.map(p => `ORGANIZER;CN=Org:mailto:${p}`),
    fc.tuple(person, fc.constantFrom('ACCEPTED', 'DECLINED', 'TENTATIVE', 'NEEDS-ACTION', 'DELEGATED', 'X-WHAT', ''), fc.constantFrom('REQ-PARTICIPANT', 'OPT-PARTICIPANT', 'CHAIR', 'NON-PARTICIPANT'))
      .map(([p, s, r]) => `ATTENDEE;PARTSTAT=${s};ROLE=${r};RSVP=TRUE:mailto:${p}`),
    fc.constantFrom('SEQUENCE:0', 'SEQUENCE:1', 'SEQUENCE:-1', 'SEQUENCE:99999999999', 'DTSTAMP:20240101T000000Z', 'DTSTAMP:x', 'CLASS:PRIVATE',
      'STATUS:CANCELLED', 'TRANSP:TRANSPARENT', 'PRIORITY:9', 'CATEGORIES:a,b', 'X-MICROSOFT-CDO-BUSYSTATUS:OOF', 'GEO:1;2',
      'X-MICROSOFT-DISALLOW-COUNTER:TRUE', 'ATTACH:http://example.com/x', 'URL:x', 'RELATED-TO:u'),
    fc.constantFrom('BEGIN:VALARM', 'TRIGGER:-PT15M', 'TRIGGER;VALUE=DATE-TIME:20300101T000000Z', 'ACTION:DISPLAY', 'END:VALARM'),
  );
  const uid = fc.constantFrom('uid-1@fuzz', 'uid-2@fuzz', '', 'uid with spaces', 'ü@fuzz');
  return fc.tuple(uid, fc.array(prop, { maxLength: 12 }))
    .map(([u, props]) => ['BEGIN:VEVENT', ...(u ? [`UID:${u}`] : []), ...props, 'END:VEVENT']);
}

/** A whole iCalendar object with METHOD `method` (undefined: a random one or none). */
export function icsArb(o: IcsOptions, method?: string): fc.Arbitrary<string> {
  const head = fc.constantFrom('VERSION:2.0', 'PRODID:-//fuzz//EN', 'X-WR-TIMEZONE:Europe/Berlin', 'X-WR-TIMEZONE:Bogus', 'CALSCALE:GREGORIAN');
  const methodLine = method ? fc.constant([`METHOD:${method}`])
    : fc.constantFrom([], ['METHOD:REQUEST'], ['METHOD:REPLY'], ['METHOD:CANCEL'], ['METHOD:COUNTER'], ['METHOD:PUBLISH']);
  const body = fc.tuple(methodLine, fc.array(head, { maxLength: 3 }), fc.array(vtimezone(o.safe), { maxLength: 2 }), fc.array(vevent(o), { minLength: 1, maxLength: 3 }))
    .map(([m, h, tz, ev]) => ['BEGIN:VCALENDAR', ...m, ...h, ...tz.flat(), ...ev.flat(), 'END:VCALENDAR']);
  // Line-level damage: a dropped line, a duplicated line, a garbage line, a bare fold.
  const edit = fc.tuple(fc.nat(), fc.constantFrom('drop', 'dup', 'garbage', 'fold', 'none', 'none', 'none'));
  return fc.tuple(body, fc.array(edit, { maxLength: 2 }), fc.constantFrom('\r\n', '\n'))
    .map(([lines, edits, eol]) => {
      const out = [...lines];
      for (const [at, kind] of edits) {
        const i = at % out.length;
        if (kind === 'drop') out.splice(i, 1);
        else if (kind === 'dup') out.splice(i, 0, out[i]!);
        else if (kind === 'garbage') out.splice(i, 0, ':;=\\');
        else if (kind === 'fold') out.splice(i, 0, ' continued');
      }
      return out.join(eol) + eol;
    });
}
