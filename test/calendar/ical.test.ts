// src/calendar/ical.ts against the iCalendar corpus (test/fixtures/calendar/ics): Convene's own
// export, Outlook/Exchange, Google Calendar, Apple iCloud, an iTIP REQUEST, and hand-written files
// with unmodelled properties and rules EAS cannot say. ICS → model → ICS → model is lossless; a
// model (the EAS corpus's, and built ones) → ICS → model is lossless; each imported series expands
// to exactly what ical.js makes of the original file; broken files give ICS_INVALID and nothing else.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ICAL from 'ical.js';
import { easToEvent } from '../../src/calendar/eas.js';
import { eventsToIcs, icsToEvents } from '../../src/calendar/ical.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { occurrenceStarts, seriesStartOf, toRRule } from '../../src/calendar/recurrence.js';
import { localToUtc, registerTimezone, utcToLocal } from '../../src/calendar/timezone.js';
import { zoneLookup } from '../../src/calendar/window.js';
import { toProps } from '../../src/eas/props.js';
import { fromXml } from '../../src/wbxml/index.js';
import { errorKind } from '../helpers/errors.js';

// dist/test/calendar/ical.test.js → the repository root; fixtures are read from the source tree.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ICS = join(ROOT, 'test/fixtures/calendar/ics');
const EAS = join(ROOT, 'test/fixtures/calendar/eas');
const DAY = 86_400_000;

const files = readdirSync(ICS).filter(f => f.endsWith('.ics')).sort().map(file => ({ file, text: readFileSync(join(ICS, file), 'utf8') }));
const broken = readdirSync(join(ICS, 'broken')).filter(f => f.endsWith('.ics')).sort()
  .map(file => ({ file, text: readFileSync(join(ICS, 'broken', file), 'utf8') }));
const fixture = (name: string) => files.find(f => f.file === name)!.text;
const eventsOf = (name: string) => icsToEvents(fixture(name));
const byUid = (events: CalendarEvent[], uid: string) => events.find(e => e.uid === uid)!;

// ---------------------------------------------------------------------------------------------
// Helpers

/** Content lines of an iCalendar text, unfolded. */
function unfolded(text: string): string[] {
  return text.replace(/\r\n|\r/g, '\n').replace(/\n[ \t]/g, '').split('\n').filter(Boolean);
}

/**
 * ical.js's own occurrence starts (UTC ms in [from, to)) for the series `uid` of an iCalendar
 * text: ICAL.Event over the master with its overrides, times in the file's own VTIMEZONEs
 * (ical.js resolves a TZID from the calendar it was parsed with). Floating times and DATEs are
 * read in `floating` (X-WR-TIMEZONE, or the zone Convene gives the event).
 */
function icalJsStarts(text: string, uid: string, from: number, to: number, floating: string): number[] {
  // ical.js refuses lower-case rule parts, which RFC 5545 allows; it gets them upper-cased.
  const source = unfolded(text).map(l => l.replace(/^(RRULE:)(.*)$/i, (_, a: string, b: string) => a + b.toUpperCase())).join('\r\n');
  const cal = new ICAL.Component(ICAL.parse(source));
  const vevents = cal.getAllSubcomponents('vevent').filter(v => String(v.getFirstPropertyValue('uid')) === uid);
  const master = vevents.find(v => !v.hasProperty('recurrence-id'))!;
  const event = new ICAL.Event(master, { exceptions: vevents.filter(v => v !== master) });
  const ms = (t: ICAL.Time) => {
    if (t.zone === ICAL.Timezone.utcTimezone || t.zone?.tzid === 'UTC') return t.toUnixTime() * 1000;
    if (!t.isDate && t.zone && t.zone !== ICAL.Timezone.localTimezone && t.zone.tzid !== 'floating') return t.toUnixTime() * 1000;
    const wall = { year: t.year, month: t.month, day: t.day, hour: t.isDate ? 0 : t.hour, minute: t.isDate ? 0 : t.minute, second: t.isDate ? 0 : t.second };
    return floating === 'UTC' ? Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) : localToUtc(floating, wall);
  };
  const out: number[] = [];
  const it = event.iterator();
  for (let next = it.next(), n = 0; next && n < 5000; next = it.next(), n++) {
    if (ms(next) > to + 60 * DAY) break;
    const start = ms(event.getOccurrenceDetails(next).startDate);
    if (start >= from && start < to) out.push(start);
  }
  return out.sort((a, b) => a - b);
}

function convenStarts(e: CalendarEvent, from: number, to: number): number[] {
  return occurrenceStarts({ ...e, end: undefined }, { from, to }, zoneLookup);
}

/**
 * The model as iCalendar can distinguish it: the recurrence as the RRULE it means (Type 0 +
 * DayOfWeek and Type 1 are one rule), and no exception value that merely repeats its master's (an
 * override VEVENT is the whole occurrence, so a repeated value and an inherited one look alike).
 */
function normal(e: CalendarEvent): CalendarEvent {
  const n = structuredClone(e);
  for (const x of n.exceptions ?? []) {
    const o = x.overrides as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['start', 'end', 'allDay'].includes(k) && JSON.stringify(o[k]) === JSON.stringify((n as unknown as Record<string, unknown>)[k])) delete o[k];
  }
  if (n.recurrence) {
    const zone = n.timeZone === 'UTC' ? ICAL.Timezone.utcTimezone : registerTimezone(n.timeZone, new Date(n.start).getUTCFullYear());
    const w = n.timeZone === 'UTC' ? new Date(n.start) : undefined;
    const wall = w ? { year: w.getUTCFullYear(), month: w.getUTCMonth() + 1, day: w.getUTCDate() } : utcToLocal(n.timeZone, n.start);
    const first = ICAL.Time.fromData({ year: wall.year, month: wall.month, day: wall.day, isDate: true });
    const rrule = toRRule(n.recurrence, seriesStartOf(first), { allDay: n.allDay, zone });
    n.recurrence = { type: 0, interval: 1, rrule, calendarType: n.recurrence.calendarType, isLeapMonth: n.recurrence.isLeapMonth };
    if (n.recurrence.calendarType === undefined) delete n.recurrence.calendarType;
    if (n.recurrence.isLeapMonth === undefined) delete n.recurrence.isLeapMonth;
  }
  return n;
}

/** PRNG for the mutation test (mulberry32), seeded so a failure can be rerun. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------

describe('iCalendar corpus: ICS → model → ICS → model', () => {
  for (const { file, text } of files) {
    test(`${file}: the second import equals the first, and the export is a fixed point`, () => {
      const first = icsToEvents(text);
      assert.ok(first.length > 0);
      const exported = eventsToIcs(first);
      const second = icsToEvents(exported);
      assert.deepEqual(second, first);
      assert.equal(eventsToIcs(second), exported);
      // Whatever ical.js makes of our export, it parses.
      assert.equal(new ICAL.Component(ICAL.parse(exported)).getAllSubcomponents('vevent').length >= first.length, true);
    });

    test(`${file}: each series expands (2 years) exactly as ical.js expands the original file, and our export`, () => {
      const events = icsToEvents(text);
      const exported = eventsToIcs(events);
      let series = 0;
      for (const e of events) {
        if (!e.recurrence) continue;
        series++;
        const from = e.start, to = e.start + 730 * DAY;
        const ours = convenStarts(e, from, to);
        assert.ok(ours.length > 0, `${e.uid} has no occurrence`);
        // Floating times and DATEs are in the zone Convene gave the event (X-WR-TIMEZONE, else UTC).
        assert.deepEqual(ours.map(iso), icalJsStarts(text, e.uid, from, to, e.timeZone).map(iso), `${e.uid} (original file)`);
        assert.deepEqual(ours.map(iso), icalJsStarts(exported, e.uid, from, to, e.timeZone).map(iso), `${e.uid} (our export)`);
      }
      if (file !== 'lowercase-rule.ics') assert.ok(series > 0 || !/RRULE/.test(text.replace(/BEGIN:VTIMEZONE[\s\S]*?END:VTIMEZONE/g, '')));
    });
  }
});

const iso = (ms: number) => new Date(ms).toISOString();

describe('what each producer\'s file means', () => {
  test('Outlook/Exchange: Windows zone names, HTML body, CDO busy status and all-day, overrides, EXDATE lists', () => {
    const [series, memorial, easter] = eventsOf('outlook-exchange.ics');
    assert.equal(series!.timeZone, 'America/Los_Angeles');
    assert.equal(iso(series!.start), '2026-01-06T17:30:00.000Z');
    assert.equal(series!.body?.type, 2);
    assert.equal(series!.busyStatus, 2);
    assert.equal(series!.reminder, 15);
    assert.equal(series!.disallowNewTimeProposal, false);
    assert.deepEqual(series!.attendees?.map(a => [a.email, a.status, a.type, a.rsvp]), [
      ['lee@contoso.com', 3, 1, true], ['kai@contoso.com', 2, 2, true], ['room4@contoso.com', undefined, 3, false],
    ]);
    assert.deepEqual(series!.recurrence, { type: 1, interval: 1, until: Date.parse('2026-06-30T16:30:00Z'), dayOfWeek: 4, firstDayOfWeek: 0 });
    assert.deepEqual(series!.exceptions?.map(x => [iso(x.originalStart), x.deleted ?? false, x.overrides.subject ?? null, x.sequence ?? null]), [
      ['2026-01-20T17:30:00.000Z', true, null, null], ['2026-01-27T17:30:00.000Z', true, null, null],
      ['2026-02-10T17:30:00.000Z', false, 'Weekly status (moved to the afternoon)', 1],
    ]);
    const moved = series!.exceptions![2]!.overrides;
    assert.deepEqual([iso(moved.start!), iso(moved.end!), moved.busyStatus, moved.reminder, moved.location?.displayName],
      ['2026-02-10T22:00:00.000Z', '2026-02-10T22:30:00.000Z', 1, 5, 'Conf Room 7']);
    assert.ok(series!.extraIcal?.some(l => l.startsWith('X-MICROSOFT-LOCATIONS:[{"DisplayName":"Conf Room 4","LocationAnnotation"')));
    assert.ok(series!.extraIcal?.includes('X-MICROSOFT-CDO-IMPORTANCE:1'));
    assert.deepEqual([memorial!.allDay, memorial!.busyStatus, iso(memorial!.start), iso(memorial!.end)], [true, 0, '2026-05-25T00:00:00.000Z', '2026-05-26T00:00:00.000Z']);
    // Midnight to midnight in a Windows zone with X-MICROSOFT-CDO-ALLDAYEVENT:TRUE is an all-day event.
    assert.deepEqual([easter!.allDay, easter!.timeZone, iso(easter!.start), easter!.busyStatus, easter!.sensitivity],
      [true, 'Europe/Berlin', '2026-04-05T22:00:00.000Z', 3, 2]);
  });

  test('Google: X-WR-TIMEZONE for floating days, UTC UNTIL, EXDATE lists, RECURRENCE-ID overrides', () => {
    const events = eventsOf('google-calendar.ics');
    const standup = byUid(events, '7kukuqrfedlm2f9t0vr4ng2hbc@google.com');
    assert.equal(standup.timeZone, 'Europe/Berlin');
    assert.deepEqual(standup.recurrence, { type: 1, interval: 1, until: Date.parse('2026-06-29T07:59:59Z'), dayOfWeek: 10, firstDayOfWeek: 1 });
    assert.equal(standup.exceptions?.filter(x => x.deleted).length, 3);
    const later = standup.exceptions!.find(x => iso(x.originalStart) === '2026-03-02T09:00:00.000Z')!;
    assert.deepEqual([later.overrides.subject, iso(later.overrides.start!), later.sequence], ['Standup (later today)', '2026-03-02T10:30:00.000Z', 2]);
    assert.deepEqual(later.overrides.attendees?.map(a => a.status), [3, 4]);
    // The override has no VALARM: that occurrence has no reminder (RFC 5545 3.8.4.4).
    assert.equal(later.overrides.reminder, null);
    const newYear = byUid(events, '0o1ns6v2c3g8pq4j7dlf2bk9a0@google.com');
    assert.deepEqual([newYear.allDay, newYear.timeZone, iso(newYear.start)], [true, 'Europe/Berlin', '2025-12-31T23:00:00.000Z']);
    const holiday = byUid(events, '5rbf3q1o9m8ht2k6l4c7d0e1f2@google.com');
    assert.deepEqual([iso(holiday.start), iso(holiday.end)], ['2026-07-19T22:00:00.000Z', '2026-07-31T22:00:00.000Z']);
    assert.ok(holiday.extraIcal?.includes('STATUS:TENTATIVE'));
    const planning = byUid(events, '1a2b3c4d5e6f7g8h9i0j@google.com');
    assert.deepEqual(planning.exceptions?.map(x => [iso(x.originalStart), x.deleted ?? false]), [
      ['2026-04-05T22:00:00.000Z', true], ['2026-05-03T22:00:00.000Z', false],
    ]);
    assert.ok(standup.extraIcal?.includes('X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij'));
  });

  test('Apple: structured location and URL kept verbatim, the audio alarm is the reminder, the default "no alarm" is not', () => {
    const [drinks, swim, australiaDay] = eventsOf('apple-icloud.ics');
    assert.deepEqual(drinks!.recurrence, { type: 3, interval: 1, dayOfWeek: 32, weekOfMonth: 5 });
    assert.equal(drinks!.reminder, 30);
    assert.ok(drinks!.extraIcal?.includes('X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS="Sydney NSW 2000, Australia";'
      + 'X-APPLE-MAPKIT-HANDLE=CAESvAEaEglmZmZmZma7QMAR;X-APPLE-RADIUS=141.17;X-APPLE-REFERENCEFRAME=1;X-TITLE=The Rocks:geo:-33.859,151.209'));
    assert.ok(drinks!.extraIcal?.includes('URL;VALUE=URI:https://example.com/drinks'));
    const early = swim!.exceptions![0]!;
    assert.deepEqual([iso(early.originalStart), iso(early.overrides.start!), early.overrides.reminder], ['2026-04-04T23:00:00.000Z', '2026-04-04T22:00:00.000Z', null]);
    assert.deepEqual([australiaDay!.allDay, australiaDay!.timeZone], [true, 'UTC']);
  });

  test('iTIP REQUEST: PARTSTAT, ROLE, CUTYPE, RSVP, SEQUENCE, CLASS, CATEGORIES (MS-ASCAL mapping, spec §9)', () => {
    const [e] = eventsOf('itip-request.ics');
    assert.deepEqual([e!.timeZone, e!.sequence, e!.sensitivity, e!.disallowNewTimeProposal, e!.reminder], ['America/Santiago', 2, 3, true, 60]);
    assert.deepEqual(e!.categories, ['Comité', 'Finanzas', 'Mensual']);
    assert.deepEqual(e!.organizer, { email: 'ana@example.cl', name: 'Ana Pérez' });
    assert.deepEqual(e!.attendees, [
      { email: 'ana@example.cl', name: 'Ana Pérez', status: 3 },
      { email: 'juan@example.cl', name: 'Juan Soto', status: 5, type: 1, rsvp: true },
      { email: 'maria@example.cl', name: 'María', status: 2, type: 2, rsvp: true },
      { email: 'pedro@example.cl', status: 4, type: 1, rsvp: false },
      { email: 'sala.andes@example.cl', name: 'Sala Andes', status: 3, type: 3 },
      { email: 'equipo@example.cl', name: 'Equipo', status: 5, type: 2 },
    ]);
    assert.deepEqual(e!.recurrence, { type: 3, interval: 1, occurrences: 6, dayOfWeek: 4, weekOfMonth: 2 });
    const moved = e!.exceptions![0]!;
    assert.deepEqual([iso(moved.originalStart), iso(moved.overrides.start!), iso(moved.overrides.end!), moved.sequence],
      ['2026-05-12T19:00:00.000Z', '2026-05-13T19:00:00.000Z', '2026-05-13T20:30:00.000Z', 3]);
    assert.deepEqual(moved.overrides.attendees?.map(a => a.email), ['ana@example.cl', 'juan@example.cl', 'sala.andes@example.cl']);
  });

  test('unmodelled properties and RRULEs EAS cannot say survive verbatim; rules Convene cannot expand become single events', () => {
    const events = eventsOf('extras-and-kept-rules.ics');
    const payroll = byUid(events, 'extras-payroll@example.org');
    assert.equal(payroll.recurrence?.rrule, 'FREQ=MONTHLY;RSCALE=GREGORIAN;BYMONTHDAY=1,15;X-EXAMPLE-SOURCE=legacy');
    assert.deepEqual([payroll.recurrence?.type, payroll.recurrence?.dayOfMonth], [2, 1]);
    const kept = ['URL:https://intranet.example.org/payroll?run=1&x=y', 'X-FOO;X-BAR="quoted;value":Some value\\, with comma',
      'ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY:SGVsbG8sIHdvcmxkIQ==', 'ATTACH;FMTTYPE=application/pdf:https://files.example.org/agenda.pdf',
      'COMMENT:Kept as it is', 'PRIORITY:1', 'RESOURCES:Projector,Whiteboard', 'CONTACT:Payroll desk\\, ext. 42'];
    assert.deepEqual(payroll.extraIcal, kept);
    const exported = unfolded(eventsToIcs(events));
    for (const line of [...kept, 'RRULE:FREQ=MONTHLY;RSCALE=GREGORIAN;BYMONTHDAY=1,15;X-EXAMPLE-SOURCE=legacy']) {
      assert.ok(exported.includes(line), `export lost ${line}`);
    }
    assert.deepEqual(payroll.location, { displayName: 'Auckland CBD', latitude: -36.8485, longitude: 174.7633 });
    const daily = byUid(events, 'extras-kolkata-daily@example.org');
    assert.equal(daily.end - daily.start, 45 * 60_000);
    assert.deepEqual(daily.recurrence, { type: 1, interval: 1, occurrences: 30, dayOfWeek: 62 });
    const hourly = byUid(events, 'extras-hourly@example.org');
    assert.equal(hourly.recurrence, undefined);
    assert.deepEqual(hourly.extraIcal, ['RRULE:FREQ=HOURLY;INTERVAL=4;COUNT=3', 'EXDATE:20260310T120000Z']);
    assert.ok(exported.includes('RRULE:FREQ=HOURLY;INTERVAL=4;COUNT=3'));
    assert.equal(byUid(events, 'extras-floating@example.org').timeZone, 'UTC');
  });

  test('lower-case rule parts are read (RFC 5545 names and values are case-insensitive)', () => {
    const [e] = eventsOf('lowercase-rule.ics');
    assert.deepEqual(e!.recurrence, { type: 1, interval: 1, occurrences: 8, dayOfWeek: 10, firstDayOfWeek: 0 });
    assert.equal(e!.subject, 'Lower-case rule parts (RFC 5545: case-insensitive)');
  });
});

// ---------------------------------------------------------------------------------------------
// Models → ICS → models

const STAMP = Date.UTC(2026, 0, 15, 12, 0, 0);
const easModels: [string, CalendarEvent][] = readdirSync(EAS).filter(f => f.endsWith('.xml')).sort().map(file => {
  const version = Number(/\.v(\d+\.\d)\.xml$/.exec(file)![1]);
  const props = toProps(fromXml(readFileSync(join(EAS, file), 'utf8')));
  const uid = props.find(p => p[0] === 'Calendar:UID')![1] as string;
  const e = easToEvent(props, { version, existing: version >= 16 ? { uid, start: 0, end: 0, allDay: false, timeZone: 'UTC' } : undefined, newUid: () => uid });
  e.dtStamp ??= STAMP; // iCalendar requires DTSTAMP: an event without one gets the export time
  return [file, e];
});

const at = (zone: string, y: number, m: number, d: number, h = 0, min = 0) => localToUtc(zone, { year: y, month: m, day: d, hour: h, minute: min, second: 0 });

const built: [string, CalendarEvent][] = [
  ['all-day weekly series in Sydney with a moved and a deleted day', {
    uid: 'built-allday-sydney', start: at('Australia/Sydney', 2026, 3, 30), end: at('Australia/Sydney', 2026, 3, 31), allDay: true,
    timeZone: 'Australia/Sydney', subject: 'Gym (all day)', dtStamp: STAMP, reminder: null, busyStatus: 0,
    recurrence: { type: 1, interval: 1, dayOfWeek: 2, until: at('Australia/Sydney', 2026, 10, 26) },
    exceptions: [
      { originalStart: at('Australia/Sydney', 2026, 4, 6), deleted: true, overrides: {} },
      { originalStart: at('Australia/Sydney', 2026, 10, 5), overrides: { start: at('Australia/Sydney', 2026, 10, 6), end: at('Australia/Sydney', 2026, 10, 7), subject: 'Gym (Tuesday, DST began)' } },
    ],
  }],
  ['all-day yearly series in Berlin with an override that becomes timed', {
    uid: 'built-allday-berlin', start: at('Europe/Berlin', 2026, 3, 29), end: at('Europe/Berlin', 2026, 3, 30), allDay: true,
    timeZone: 'Europe/Berlin', subject: 'Sommerzeit', dtStamp: STAMP, categories: ['Erinnerung'],
    recurrence: { type: 6, interval: 1, dayOfWeek: 1, weekOfMonth: 5, monthOfYear: 3, occurrences: 4 },
    exceptions: [{ originalStart: at('Europe/Berlin', 2027, 3, 28), overrides: { allDay: false, start: at('Europe/Berlin', 2027, 3, 28, 10), end: at('Europe/Berlin', 2027, 3, 28, 11) }, dtStamp: STAMP + DAY, sequence: 3 }],
    sequence: 1,
  }],
  ['a meeting with everything EAS has and iCalendar lacks', {
    uid: 'built-rich', clientUid: 'client-77', start: at('Pacific/Auckland', 2026, 4, 5, 9), end: at('Pacific/Auckland', 2026, 4, 5, 10), allDay: false,
    timeZone: 'Pacific/Auckland', easTimeZone: undefined, subject: 'Rich', dtStamp: STAMP, sequence: 0,
    location: { displayName: 'Te Papa', annotation: 'Level 2', street: '55 Cable St', city: 'Wellington', country: 'NZ', postalCode: '6011', latitude: -41.29, longitude: 174.78, accuracy: 3, altitude: 12.5, altitudeAccuracy: 1, locationUri: 'https://example.nz/tepapa' },
    body: { type: 3, data: 'e1xydGYxIEhlbGxvfQ==' }, sensitivity: 1, busyStatus: 4, reminder: null, meetingStatus: 3, responseType: 2,
    responseRequested: true, disallowNewTimeProposal: true, appointmentReplyTime: STAMP + 3_600_000,
    onlineMeetingConfLink: 'sip:x@example.nz;gruu', onlineMeetingExternalLink: 'https://meet.example.nz/r',
    organizer: { email: 'org@example.nz', name: 'Org' },
    attendees: [{ email: 'a@example.nz', name: 'A', status: 0, type: 1 }, { email: 'b@example.nz', status: 5, type: 2, rsvp: true }, { email: 'room@example.nz', name: 'Room', type: 3 }],
    recurrence: { type: 0, interval: 1, occurrences: 5, calendarType: 15, isLeapMonth: false },
    extraIcal: ['URL:https://example.nz/rich', 'X-ANYTHING;X-P="a,b":c\\;d'],
  }],
];
for (const [, e] of built) if (e.easTimeZone === undefined) delete e.easTimeZone;

describe('model → ICS → model', () => {
  for (const [name, model] of [...easModels, ...built]) {
    test(name, () => {
      const back = icsToEvents(eventsToIcs([model]));
      assert.equal(back.length, 1);
      assert.deepEqual(normal(back[0]!), normal(model));
      if (model.recurrence) {
        const from = model.start, to = model.start + 730 * DAY;
        assert.deepEqual(convenStarts(back[0]!, from, to).map(iso), convenStarts(model, from, to).map(iso));
      }
    });
  }

  test('kept lines that are not content lines are left out rather than breaking the file', () => {
    const model: CalendarEvent = { ...structuredClone(built[0]![1]), extraIcal: ['not a content line', 'X-OK;X-P=1:fine', 'X-BAD:two\nlines', ';NONAME:x'] };
    assert.deepEqual(icsToEvents(eventsToIcs([model]))[0]!.extraIcal, ['X-OK;X-P=1:fine']);
  });

  test('a rule kept from a single-event import gives way to a recurrence the event got since', () => {
    const single = byUid(eventsOf('extras-and-kept-rules.ics'), 'extras-hourly@example.org');
    const now: CalendarEvent = { ...single, recurrence: { type: 0, interval: 1, occurrences: 3 } };
    const lines = unfolded(eventsToIcs([now]));
    assert.deepEqual(lines.filter(l => /^(RRULE|EXDATE)/.test(l)), ['RRULE:FREQ=DAILY;COUNT=3']);
  });

  test('the Convene export fixture is the export of its models', () => {
    const events = eventsOf('convene-export.ics');
    const expected = ['exceptions-every-kind.v14.1.xml', 'allday-yearly-sydney.v14.1.xml', 'meeting.v16.1.xml', 'yearly-last-sunday-october.v14.1.xml']
      .map(f => structuredClone(easModels.find(([file]) => file === f)![1]));
    expected[0]!.sequence = 2;
    expected[3]!.extraIcal = ['URL:https://convene.example/events/42'];
    assert.deepEqual(events.map(normal), expected.map(normal));
  });
});

// ---------------------------------------------------------------------------------------------
// Broken input

describe('broken iCalendar gives CalendarError ICS_INVALID, never anything else', () => {
  for (const { file, text } of broken) {
    test(file, () => assert.equal(errorKind(() => icsToEvents(text)), 'CalendarError ICS_INVALID'));
  }

  test('not text at all', () => {
    for (const input of ['', '   ', '{"json":true}', '<xml/>', 'BEGIN:VCALENDAR', 'BEGIN:VCALENDAR\r\nEND:VEVENT\r\n']) {
      const kind = errorKind(() => icsToEvents(input));
      assert.equal(kind, 'CalendarError ICS_INVALID', JSON.stringify(input));
    }
    assert.equal(errorKind(() => icsToEvents(undefined as unknown as string)), 'CalendarError ICS_INVALID');
  });

  // Found by test/fuzz/calendar.test.ts: accepted, then exported as DTEND:1000-0-01T0:5:5.
  test('RFC 5545 3.3.4: an event ending after the year 9999 (DTSTART 99991231T235959Z + DURATION) is refused', () => {
    const late = (end: string) => `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:late@x\r\nDTSTART:99991231T235959Z\r\n${end}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
    assert.equal(errorKind(() => icsToEvents(late('DURATION:PT1H'))), 'CalendarError ICS_INVALID');
    assert.equal(errorKind(() => icsToEvents(late('DURATION:PT0S'))), 'ok');
  });

  test('an empty VCALENDAR has no events', () => {
    assert.deepEqual(icsToEvents('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n'), []);
  });

  test('random damage to every corpus file: a typed error or events that export again', () => {
    const seed = Number(process.env.ICS_SEED ?? 20260115);
    const random = rng(seed);
    const failures: string[] = [];
    let runs = 0;
    for (const { file, text } of files) {
      const lines = text.split(/\r?\n/);
      for (let i = 0; i < 40; i++) {
        const copy = [...lines];
        const at = Math.floor(random() * copy.length);
        const kind = Math.floor(random() * 5);
        if (kind === 0) copy.splice(at, 1);
        else if (kind === 1) copy.splice(at, 0, copy[at] ?? '');
        else if (kind === 2) copy[at] = (copy[at] ?? '').replace(/:.*$/, ':' + ['', 'x', '20261399T999999', '-1', 'FREQ=', ';;;'][Math.floor(random() * 6)]);
        else if (kind === 3) copy.length = at;
        else copy[at] = (copy[at] ?? '').slice(0, Math.floor(random() * (copy[at] ?? '').length));
        runs++;
        const result = errorKind(() => eventsToIcs(icsToEvents(copy.join('\r\n'))));
        if (result !== 'ok' && result !== 'CalendarError ICS_INVALID') failures.push(`${file} #${i} (seed ${seed}): ${result}`);
      }
    }
    assert.ok(runs >= 200);
    assert.deepEqual(failures.slice(0, 10), []);
  });
});

describe('RFC 6638 7 scheduling parameters', () => {
  const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:params@example.com',
    'DTSTAMP:20260101T000000Z', 'DTSTART:20260105T090000Z', 'DTEND:20260105T100000Z', 'SUMMARY:Params',
    'ORGANIZER;SCHEDULE-STATUS="1.2":mailto:alice@example.com',
    'ATTENDEE;SCHEDULE-AGENT=CLIENT;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com',
    'ATTENDEE;SCHEDULE-STATUS="3.7,5.1";SCHEDULE-FORCE-SEND=REQUEST:mailto:carol@example.com',
    'ATTENDEE;SCHEDULE-AGENT=SERVER;SCHEDULE-STATUS=junk:mailto:dave@example.com', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

  test('SCHEDULE-AGENT (CLIENT, NONE), SCHEDULE-STATUS and SCHEDULE-FORCE-SEND are read; SERVER and bad values are not kept', () => {
    const [e] = icsToEvents(text);
    assert.deepEqual(e!.organizer, { email: 'alice@example.com', scheduleStatus: '1.2' });
    const [bob, carol, dave] = e!.attendees!;
    assert.equal(bob!.scheduleAgent, 'CLIENT');
    assert.equal(carol!.scheduleStatus, '3.7,5.1');
    assert.equal(carol!.scheduleForceSend, 'REQUEST');
    assert.deepEqual(dave, { email: 'dave@example.com' });
  });

  test('the stored resource keeps AGENT and STATUS; an iTIP message (METHOD) carries none of the three', () => {
    const [e] = icsToEvents(text);
    const stored = eventsToIcs([e!]).replace(/\r\n[ \t]/g, '');
    assert.match(stored, /SCHEDULE-AGENT=CLIENT/);
    assert.match(stored, /SCHEDULE-STATUS="?1\.2"?/);
    const [again] = icsToEvents(stored);
    assert.equal(again!.attendees![1]!.scheduleStatus, '3.7,5.1');
    const itip = eventsToIcs([e!], { method: 'REQUEST' });
    assert.doesNotMatch(itip, /SCHEDULE-/);
    const [read] = icsToEvents(stored, { method: 'REQUEST' });
    assert.equal(read!.attendees![0]!.scheduleAgent, undefined, 'an iTIP message is not taken for them');
  });
});
