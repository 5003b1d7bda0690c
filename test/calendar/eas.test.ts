// src/calendar/eas.ts against the EAS calendar corpus (test/fixtures/calendar/eas, written by
// make-eas-fixtures.mjs): each item round-trips at its own protocol version; the model rendered at
// every other version has exactly that version's element set (MS-ASCAL 2.2.2.x Protocol Versions,
// written out independently below), encodes as WBXML, and reads back as what that version can say;
// a device sending its item back unchanged loses nothing of the stored event; bad input gives a
// typed error and nothing else.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { easToEvent, eventToEas, instanceStart } from '../../src/calendar/eas.js';
import { htmlToText } from '../../src/calendar/ical.js';
import type { Attendee, CalendarEvent, Overrides } from '../../src/calendar/model.js';
import { fromRRule } from '../../src/calendar/recurrence.js';
import {
  localToUtc, parseEasDateTime, utcToLocal,
} from '../../src/calendar/timezone.js';
import { toElements, toProps } from '../../src/eas/props.js';
import type { ItemProps, PropNode } from '../../src/store/types.js';
import { decode, encode, fromXml, tags, toXml } from '../../src/wbxml/index.js';
import { errorKind } from '../helpers/errors.js';

// dist/test/calendar/eas.test.js → the repository root; fixtures are read from the source tree.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/calendar/eas');
const VERSIONS = [2.5, 12.0, 12.1, 14.0, 14.1, 16.0, 16.1];
const as = tags('AirSync');

interface Fixture { file: string; version: number; xml: string; props: ItemProps }
const fixtures: Fixture[] = readdirSync(FIXTURES).filter(f => f.endsWith('.xml')).sort().map(file => {
  const m = /\.v(\d+\.\d)\.xml$/.exec(file);
  if (!m) throw new Error(`${file}: name it <case>.v<version>.xml`);
  const xml = readFileSync(join(FIXTURES, file), 'utf8');
  return { file, version: Number(m[1]), xml, props: toProps(fromXml(xml)) };
});

// ---------------------------------------------------------------------------------------------
// Helpers

const noUid = () => { throw new Error('the item has a UID; no new one may be made'); };
const text = (props: ItemProps, name: string) => {
  const n = props.find(p => p[0] === name);
  return n && typeof n[1] === 'string' ? n[1] : undefined;
};

/** What the server knows of a 16.x item before the device's data: its UID (server-made), zone and blob. */
function skeleton(e: Pick<CalendarEvent, 'uid' | 'timeZone'> & { start?: number; easTimeZone?: string | undefined }): CalendarEvent {
  const s: CalendarEvent = { uid: e.uid, start: e.start ?? 0, end: e.start ?? 0, allDay: false, timeZone: e.timeZone };
  if (e.easTimeZone !== undefined) s.easTimeZone = e.easTimeZone;
  return s;
}

function read(f: Fixture): CalendarEvent {
  const existing = f.version >= 16 ? skeleton({ uid: text(f.props, 'Calendar:UID')!, timeZone: 'UTC' }) : undefined;
  return easToEvent(f.props, { version: f.version, existing, newUid: noUid });
}

/** The item as the XML a device would see (content [] and '' are the same empty element). */
function xmlOf(props: ItemProps): string {
  return toXml(as('ApplicationData', toElements(props)), { indent: 2 });
}

const typed = (kind: string) => kind === 'ok' || /^(CalendarError|RecurrenceError|TimeZoneError) /.test(kind);

// ---------------------------------------------------------------------------------------------
// MS-ASCAL element sets per version, written from the spec (not from eas.ts): [since, before].

type Span = readonly [number, number];
const ALL: Span = [0, Infinity];
const FROM = (v: number): Span => [v, Infinity];
const BODY = { 'Calendar:Body': [0, 12] as Span, 'AirSyncBase:Body': FROM(12) };
const LOCATION = { 'Calendar:Location': [0, 16] as Span, 'AirSyncBase:Location': FROM(16) };
const TOP: Readonly<Record<string, Span>> = {
  'Calendar:Timezone': ALL, 'Calendar:AllDayEvent': ALL, ...BODY, 'Calendar:BusyStatus': ALL, 'Calendar:OrganizerName': ALL,
  'Calendar:OrganizerEmail': ALL, 'Calendar:DtStamp': ALL, 'Calendar:EndTime': ALL, ...LOCATION, 'Calendar:Reminder': ALL,
  'Calendar:Sensitivity': ALL, 'Calendar:Subject': ALL, 'Calendar:StartTime': ALL, 'Calendar:ClientUid': FROM(16), 'Calendar:UID': ALL,
  'Calendar:MeetingStatus': ALL, 'Calendar:Attendees': ALL, 'Calendar:Categories': ALL, 'Calendar:Recurrence': ALL,
  'Calendar:Exceptions': ALL, 'Calendar:ResponseRequested': FROM(14), 'Calendar:AppointmentReplyTime': FROM(14),
  'Calendar:ResponseType': FROM(14), 'Calendar:DisallowNewTimeProposal': FROM(14), 'Calendar:OnlineMeetingConfLink': FROM(14.1),
  'Calendar:OnlineMeetingExternalLink': FROM(14.1),
};
const EXCEPTION: Readonly<Record<string, Span>> = {
  'Calendar:Deleted': ALL, 'Calendar:ExceptionStartTime': [0, 16], 'AirSyncBase:InstanceId': FROM(16), 'Calendar:Subject': ALL,
  'Calendar:StartTime': ALL, 'Calendar:EndTime': ALL, ...BODY, ...LOCATION, 'Calendar:Categories': ALL, 'Calendar:Sensitivity': ALL,
  'Calendar:BusyStatus': ALL, 'Calendar:AllDayEvent': ALL, 'Calendar:Reminder': ALL, 'Calendar:DtStamp': ALL, 'Calendar:MeetingStatus': ALL,
  // MS-ASCAL 2.2.2.21: Attendees, AppointmentReplyTime, ResponseType 14.0+; OnlineMeeting* 14.1+.
  'Calendar:Attendees': FROM(14), 'Calendar:AppointmentReplyTime': FROM(14), 'Calendar:ResponseType': FROM(14),
  'Calendar:OnlineMeetingConfLink': FROM(14.1), 'Calendar:OnlineMeetingExternalLink': FROM(14.1),
};
const RECURRENCE: Readonly<Record<string, Span>> = {
  'Calendar:Type': ALL, 'Calendar:Occurrences': ALL, 'Calendar:Interval': ALL, 'Calendar:WeekOfMonth': ALL, 'Calendar:DayOfWeek': ALL,
  'Calendar:MonthOfYear': ALL, 'Calendar:Until': ALL, 'Calendar:DayOfMonth': ALL, 'Calendar:CalendarType': FROM(14),
  'Calendar:IsLeapMonth': FROM(14), 'Calendar:FirstDayOfWeek': FROM(14.1),
};
const ATTENDEE: Readonly<Record<string, Span>> = {
  'Calendar:Email': ALL, 'Calendar:Name': ALL, 'Calendar:AttendeeStatus': FROM(12), 'Calendar:AttendeeType': FROM(12),
};
const LOCATION_CHILDREN = ['DisplayName', 'Annotation', 'Street', 'City', 'State', 'Country', 'PostalCode', 'Latitude', 'Longitude',
  'Accuracy', 'Altitude', 'AltitudeAccuracy', 'LocationUri'].map(n => `AirSyncBase:${n}`);

/** Every way the item breaks the version's element set, as readable lines. */
function violations(props: ItemProps, v: number, allDay: boolean): string[] {
  const out: string[] = [];
  const allowed = (table: Readonly<Record<string, Span>>, name: string) => {
    const span = table[name];
    return span !== undefined && v >= span[0] && v < span[1];
  };
  const kids = (node: PropNode) => (Array.isArray(node[1]) ? node[1] : []);
  const checkLeaf = (where: string, [name, value]: PropNode) => {
    if (name.endsWith(':Reminder') && value === '' && v < 14.1) out.push(`${where}${name} empty before 14.1`);
    if (name.endsWith(':BusyStatus') && value === '4' && v < 16) out.push(`${where}BusyStatus 4 before 16.0`);
  };
  for (const node of props) {
    if (!allowed(TOP, node[0])) out.push(`${node[0]} not in ${v}`);
    checkLeaf('', node);
    if (node[0] === 'Calendar:Attendees') {
      for (const a of kids(node)) {
        for (const c of kids(a)) if (!allowed(ATTENDEE, c[0])) out.push(`Attendee/${c[0]} not in ${v}`);
        if (!kids(a).some(c => c[0] === 'Calendar:Name')) out.push('Attendee without Name');
        if (v >= 16 && !kids(a).some(c => c[0] === 'Calendar:AttendeeType')) out.push('16.x Attendee without AttendeeType');
      }
    }
    if (node[0] === 'Calendar:Recurrence') for (const c of kids(node)) if (!allowed(RECURRENCE, c[0])) out.push(`Recurrence/${c[0]} not in ${v}`);
    if (node[0] === 'AirSyncBase:Location') for (const c of kids(node)) if (!LOCATION_CHILDREN.includes(c[0])) out.push(`Location/${c[0]}`);
    if (node[0] === 'Calendar:Exceptions') {
      for (const x of kids(node)) {
        for (const c of kids(x)) {
          if (!allowed(EXCEPTION, c[0])) out.push(`Exception/${c[0]} not in ${v}`);
          checkLeaf('Exception/', c);
        }
        const id = v >= 16 ? 'AirSyncBase:InstanceId' : 'Calendar:ExceptionStartTime';
        if (!kids(x).some(c => c[0] === id)) out.push(`Exception without ${id}`);
      }
    }
  }
  // MS-ASCAL 2.2.2.1: 16.x all-day items have no Timezone and date-only times.
  if (v >= 16 && allDay) {
    if (props.some(p => p[0] === 'Calendar:Timezone')) out.push('16.x all-day item with a Timezone');
    for (const name of ['Calendar:StartTime', 'Calendar:EndTime']) {
      if (!/T000000Z$/.test(text(props, name) ?? '')) out.push(`16.x all-day ${name} has a time`);
    }
  } else if (!props.some(p => p[0] === 'Calendar:Timezone')) {
    out.push('no Timezone');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What a version can say about a model (the spec's view, for comparison with a read-back)

function localMidnightOf(ms: number, zone: string): number {
  const w = utcToLocal(zone, ms);
  return localToUtc(zone, { year: w.year, month: w.month, day: w.day, hour: 0, minute: 0, second: 0 });
}

function projectAttendee(a: Attendee, v: number): Attendee {
  const p: Attendee = { email: a.email, name: a.name ?? a.email };
  if (v >= 12 && a.status !== undefined) p.status = a.status;
  if (v >= 12 && (a.type !== undefined || v >= 16)) p.type = a.type ?? 1;
  return p;
}

function projectOverrides(o: Overrides, v: number, inException: boolean): void {
  if (v < 14) {
    delete o.responseType;
    delete o.appointmentReplyTime;
    if (inException) delete o.attendees;
  }
  if (v < 14.1) {
    delete o.onlineMeetingConfLink;
    delete o.onlineMeetingExternalLink;
    if (o.reminder === null) delete o.reminder;
  }
  if (v < 16) {
    if (o.location) o.location = { displayName: o.location.displayName };
    if (o.busyStatus === 4) o.busyStatus = 2;
  }
  if (v < 12 && o.body) {
    if (o.body.type === 2) o.body = { type: 1, data: htmlToText(o.body.data) };
    else if (o.body.type === 3) delete o.body;
  }
  if (o.attendees) o.attendees = o.attendees.map(a => projectAttendee(a, v));
}

function project(e: CalendarEvent, v: number): CalendarEvent {
  const p = structuredClone(e);
  projectOverrides(p, v, false);
  delete p.sequence;
  delete p.extraIcal;
  if (v < 14) {
    delete p.responseRequested;
    delete p.disallowNewTimeProposal;
  }
  if (v < 16) delete p.clientUid;
  if (p.categories?.length === 0) delete p.categories;
  if (p.attendees?.length === 0) delete p.attendees;
  if (p.recurrence) {
    delete p.recurrence.rrule;
    if (v < 14) {
      delete p.recurrence.calendarType;
      delete p.recurrence.isLeapMonth;
    }
    if (v < 14.1) delete p.recurrence.firstDayOfWeek;
    if (v >= 16 && p.allDay && p.recurrence.until !== undefined) p.recurrence.until = localMidnightOf(p.recurrence.until, p.timeZone);
  }
  for (const x of p.exceptions ?? []) {
    delete x.sequence;
    projectOverrides(x.overrides, v, true);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------

describe('EAS calendar fixture corpus', () => {
  test('covers every recurrence type, exception kind, version and zone the brief names', () => {
    const all = fixtures.map(f => f.xml).join('\n');
    const types = new Set([...all.matchAll(/<Recurrence[^>]*>\s*<Type>(\d)<\/Type>/g)].map(m => m[1]));
    assert.deepEqual([...types].sort(), ['0', '1', '2', '3', '5', '6']);
    assert.deepEqual([...new Set(fixtures.map(f => f.version))].sort((a, b) => a - b), VERSIONS);
    for (const needle of ['<WeekOfMonth>5</WeekOfMonth>', '<FirstDayOfWeek>', '<CalendarType>', '<Deleted>1</Deleted>', '<InstanceId',
      '<ClientUid', '<LocationUri>', '<AltitudeAccuracy>', '<Body xmlns="Calendar:">', '<AttendeeType>3</AttendeeType>',
      '<AttendeeStatus>0</AttendeeStatus>', '<ResponseRequested', '<Until>', '<Occurrences>', '<Reminder/>']) {
      assert.ok(all.includes(needle), `no fixture has ${needle}`);
    }
    const zones = new Set(fixtures.map(f => read(f).timeZone));
    for (const zone of ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Pacific/Auckland', 'America/Santiago', 'Asia/Kolkata', 'Asia/Tokyo', 'UTC']) {
      assert.ok(zones.has(zone), `no fixture in ${zone}`);
    }
  });

  for (const f of fixtures) {
    describe(f.file, () => {
      test('XML → ItemProps → model → ItemProps gives the item back, in schema order', () => {
        const model = read(f);
        assert.ok(model.end >= model.start);
        assert.equal(xmlOf(eventToEas(model, f.version)), xmlOf(f.props));
        assert.deepEqual(violations(f.props, f.version, model.allDay), [], 'the fixture itself breaks its version');
      });

      test('every version gets exactly its element set, encodes as WBXML, and reads back what it can say', () => {
        const model = read(f);
        for (const v of VERSIONS) {
          const props = eventToEas(model, v);
          assert.deepEqual(violations(props, v, model.allDay), [], `at ${v}`);
          const back = toProps(decode(encode(as('ApplicationData', toElements(props)))));
          assert.equal(xmlOf(back), xmlOf(props), `WBXML round trip at ${v}`);
          const seen = easToEvent(back, { version: v, existing: skeleton(model), newUid: () => model.uid });
          assert.deepEqual(seen, project(model, v), `read back at ${v}`);
        }
      });

      test('a device of any version sending the item back unchanged loses nothing of the stored event', () => {
        const model = read(f);
        for (const v of VERSIONS) {
          const back = easToEvent(eventToEas(model, v), { version: v, existing: model, newUid: noUid });
          assert.deepEqual(back, model, `at ${v}`);
        }
      });
    });
  }
});

describe('model → EAS → model keeps what only iCalendar or a newer version has', () => {
  const base = read(fixtures.find(f => f.file === 'exceptions-every-kind.v14.1.xml')!);
  const rich: CalendarEvent = {
    ...structuredClone(base),
    sequence: 4,
    extraIcal: ['URL:https://example.com/sync', 'X-FOO;X-BAR="a:b":c'],
    attendees: base.attendees!.map((a, i) => {
      const out: Attendee = { ...a, rsvp: i === 0 };
      if (i === 1) delete out.name;
      return out;
    }),
    location: { displayName: 'Room 1', street: '1 Main St', city: 'New York', latitude: 40.7, longitude: -74 },
    body: { type: 3, data: 'e1xydGYxXGFuc2kgSGVsbG99' },
    busyStatus: 4,
    reminder: null,
    clientUid: 'client-uid-1',
    exceptions: base.exceptions!.map((x, i) => ({ ...x, sequence: i === 1 ? 5 : undefined })).map(x => {
      if (x.sequence === undefined) delete x.sequence;
      return x;
    }),
  };
  rich.recurrence = { ...fromRRule('FREQ=WEEKLY;COUNT=20;BYDAY=MO;X-CONVENE-TEST=1', { year: 2026, month: 3, day: 2, weekday: 1 }), calendarType: 1 };

  for (const v of VERSIONS) {
    test(`through a ${v} device`, () => {
      const back = easToEvent(eventToEas(rich, v), { version: v, existing: rich, newUid: noUid });
      assert.deepEqual(back, rich);
    });
  }

  test('a device that changes the pattern replaces the kept RRULE with its own fields', () => {
    const props = eventToEas(rich, 14.1).map((n): PropNode => (n[0] === 'Calendar:Recurrence'
      ? [n[0], (n[1] as ItemProps).map((c): PropNode => (c[0] === 'Calendar:Interval' ? [c[0], '2'] : c))]
      : n));
    const back = easToEvent(props, { version: 14.1, existing: rich, newUid: noUid });
    assert.deepEqual(back.recurrence, { type: 1, interval: 2, occurrences: 20, dayOfWeek: 2, calendarType: 1 });
  });

  test('an invitation to one occurrence only, edited on a device, still names that occurrence (its RECURRENCE-ID)', () => {
    const { recurrence: _r, exceptions: _x, ...single } = rich;
    const occurrence: CalendarEvent = { ...single, recurrenceId: rich.start - 7 * 86_400_000 };
    for (const v of VERSIONS) assert.equal(easToEvent(eventToEas(occurrence, v), { version: v, existing: occurrence, newUid: noUid }).recurrenceId, occurrence.recurrenceId);
  });

  test('a 2.5 device that edits the text of an HTML body makes it plain text', () => {
    const html: CalendarEvent = { ...rich, body: { type: 2, data: '<p>Hello <b>you</b></p>' } };
    const props = eventToEas(html, 2.5);
    assert.equal(text(props, 'Calendar:Body'), 'Hello you');
    assert.deepEqual(easToEvent(props, { version: 2.5, existing: html, newUid: noUid }).body, html.body);
    const edited = props.map((n): PropNode => (n[0] === 'Calendar:Body' ? [n[0], 'Hello all'] : n));
    assert.deepEqual(easToEvent(edited, { version: 2.5, existing: html, newUid: noUid }).body, { type: 1, data: 'Hello all' });
  });

  test('Working elsewhere is Busy before 16.0, and stays Working elsewhere when an old device sends Busy back', () => {
    assert.equal(text(eventToEas(rich, 14.1), 'Calendar:BusyStatus'), '2');
    assert.equal(text(eventToEas(rich, 16.0), 'Calendar:BusyStatus'), '4');
    const free = eventToEas(rich, 14.1).map((n): PropNode => (n[0] === 'Calendar:BusyStatus' ? [n[0], '0'] : n));
    assert.equal(easToEvent(free, { version: 14.1, existing: rich, newUid: noUid }).busyStatus, 0);
  });
});

describe('all-day items (MS-ASCAL 2.2.2.1)', () => {
  const berlin = read(fixtures.find(f => f.file === 'allday-single-berlin.v14.1.xml')!);
  const auckland = read(fixtures.find(f => f.file === 'allday-single-auckland.v12.1.xml')!);

  test('≤14.1 get local midnights with the Timezone; 16.x get dates and no Timezone', () => {
    assert.equal(text(eventToEas(berlin, 14.1), 'Calendar:StartTime'), '20261001T220000Z');
    assert.equal(text(eventToEas(berlin, 16.1), 'Calendar:StartTime'), '20261002T000000Z');
    assert.equal(text(eventToEas(berlin, 16.1), 'Calendar:EndTime'), '20261004T000000Z');
    assert.equal(text(eventToEas(auckland, 14.1), 'Calendar:StartTime'), '20261224T110000Z');
    assert.equal(text(eventToEas(auckland, 16.0), 'Calendar:StartTime'), '20261225T000000Z');
    assert.equal(eventToEas(auckland, 16.0).some(p => p[0] === 'Calendar:Timezone'), false);
  });

  test('either form is read at any version, also east of UTC+12 (NZDT) where UTC midnight is not the nearest', () => {
    for (const v of VERSIONS) {
      for (const form of [eventToEas(auckland, 14.1), eventToEas(auckland, 16.1)]) {
        const withZone = form.some(p => p[0] === 'Calendar:Timezone') ? form : [['Calendar:Timezone', auckland.easTimeZone!] as PropNode, ...form];
        const e = easToEvent(withZone, { version: v, newUid: () => auckland.uid });
        assert.equal(e.start, auckland.start, `at ${v}`);
        assert.equal(e.end, auckland.end, `at ${v}`);
      }
    }
  });

  test('a 16.x Change without Timezone keeps the stored zone and its days', () => {
    const change = eventToEas(berlin, 16.1).map((n): PropNode => (n[0] === 'Calendar:Subject' ? [n[0], 'Einheit'] : n));
    const e = easToEvent(change, { version: 16.1, existing: berlin, newUid: noUid });
    assert.equal(e.timeZone, 'Europe/Berlin');
    assert.equal(e.start, berlin.start);
    assert.equal(e.subject, 'Einheit');
  });

  test('instanceStart: an all-day InstanceId in either form names the occurrence\'s day start; a timed one its instant', () => {
    const sydney = read(fixtures.find(f => f.file === 'allday-yearly-sydney.v14.1.xml')!);
    const next = sydney.exceptions![0]!.originalStart; // 5 April 2027, local midnight (AEST)
    assert.equal(instanceStart(sydney, '20270405T000000Z'), next);
    assert.equal(instanceStart(sydney, new Date(next).toISOString()), next);
    const series = read(fixtures.find(f => f.file === 'series-instanceid.v16.0.xml')!);
    assert.equal(instanceStart(series, '20260412T210000Z'), Date.parse('2026-04-12T21:00:00Z'));
    assert.equal(errorKind(() => instanceStart(series, 'soon')), 'CalendarError CALENDAR_INVALID');
  });

  test('a device that sends a local-midnight item as UTC midnight with the Timezone (≤14.1) still means that day', () => {
    const props = eventToEas(berlin, 14.1).map((n): PropNode => (n[0] === 'Calendar:StartTime' ? [n[0], '20261002T000000Z'] : n));
    assert.equal(easToEvent(props, { version: 14.1, newUid: noUid }).start, berlin.start);
  });
});

describe('16.x requests', () => {
  const series = read(fixtures.find(f => f.file === 'series-instanceid.v16.0.xml')!);

  test('UID is the server\'s: a 16.x device\'s UID is ignored, a new item gets a new one', () => {
    const props = eventToEas(series, 16.0).filter(n => n[0] !== 'Calendar:Exceptions')
      .map((n): PropNode => (n[0] === 'Calendar:UID' ? [n[0], 'DEVICE-MADE'] : n));
    assert.equal(easToEvent(props, { version: 16.0, existing: series, newUid: noUid }).uid, series.uid);
    assert.equal(easToEvent(props, { version: 16.0, newUid: () => 'NEW-UID' }).uid, 'NEW-UID');
    assert.equal(easToEvent(props, { version: 14.1, newUid: noUid }).uid, 'DEVICE-MADE');
  });

  test('an empty Recurrence makes the series a single event', () => {
    const props = eventToEas(series, 16.0).map((n): PropNode => (n[0] === 'Calendar:Recurrence' ? [n[0], ''] : n));
    assert.equal(easToEvent(props, { version: 16.0, existing: series, newUid: noUid }).recurrence, undefined);
  });

  test('a Recurrence without Type keeps the series\' type', () => {
    const props = eventToEas(series, 16.0).map((n): PropNode => (n[0] === 'Calendar:Recurrence'
      ? [n[0], [['Calendar:Interval', '2'], ['Calendar:DayOfWeek', '2']]] : n));
    assert.deepEqual(easToEvent(props, { version: 16.0, existing: series, newUid: noUid }).recurrence, { type: 1, interval: 2, dayOfWeek: 2 });
    assert.equal(errorKind(() => easToEvent(props, { version: 14.1, newUid: noUid })), 'RecurrenceError RECURRENCE_INVALID');
  });

  test('InstanceId names the occurrence; ExceptionStartTime is still read from a 16.x device', () => {
    const x = series.exceptions![1]!;
    assert.equal(x.originalStart, parseEasDateTime('20260412T210000Z'));
    const legacy = eventToEas(series, 14.1).find(n => n[0] === 'Calendar:Exceptions')!;
    const props = [...eventToEas(series, 16.0).filter(n => n[0] !== 'Calendar:Exceptions'), legacy];
    assert.deepEqual(easToEvent(props, { version: 16.0, existing: series, newUid: noUid }).exceptions?.map(e => e.originalStart),
      series.exceptions!.map(e => e.originalStart));
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input: typed errors only

describe('MS-ASCAL R53911: with both Occurrences and Until, Occurrences counts', () => {
  test('keeps Occurrences and ignores Until', () => {
    const good = fixtures.find(f => f.file === 'weekly-mwf-until.v14.1.xml')!.props;
    const props = good.map((n): PropNode => (n[0] === 'Calendar:Recurrence'
      ? [n[0], [['Calendar:Type', '0'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', '3'], ['Calendar:Until', '20261231T000000Z']]] : n));
    const r = easToEvent(props, { version: 14.1, newUid: noUid }).recurrence;
    assert.equal(r?.occurrences, 3);
    assert.equal(r?.until, undefined);
  });
});

describe('bad input gives a typed error, never anything else', () => {
  const good = fixtures.find(f => f.file === 'weekly-mwf-until.v14.1.xml')!.props;
  const withRecurrence = (fields: Record<string, string>) => good.map((n): PropNode => (n[0] === 'Calendar:Recurrence'
    ? [n[0], Object.entries(fields).map(([k, v]): PropNode => [`Calendar:${k}`, v])] : n));
  const replace = (name: string, value: PropNode[1] | undefined) => (value === undefined
    ? good.filter(n => n[0] !== name) : good.map((n): PropNode => (n[0] === name ? [n[0], value] : n)));
  const read14 = (props: ItemProps) => () => easToEvent(props, { version: 14.1, newUid: noUid });

  const cases: [string, ItemProps, string][] = [
    ['recurrence Type 4', withRecurrence({ Type: '4', Interval: '1' }), 'RecurrenceError RECURRENCE_INVALID'],
    ['DayOfMonth 32', withRecurrence({ Type: '2', Interval: '1', DayOfMonth: '32' }), 'RecurrenceError RECURRENCE_INVALID'],
    ['weekly with DayOfWeek 0', withRecurrence({ Type: '1', Interval: '1', DayOfWeek: '0' }), 'RecurrenceError RECURRENCE_INVALID'],
    ['R53916: DayOfMonth with Type 1', withRecurrence({ Type: '1', Interval: '1', DayOfWeek: '2', DayOfMonth: '5' }), 'RecurrenceError RECURRENCE_INVALID'],
    ['R53917: DayOfWeek with Type 2', withRecurrence({ Type: '2', Interval: '1', DayOfMonth: '5', DayOfWeek: '2' }), 'RecurrenceError RECURRENCE_INVALID'],
    ['R53918: MonthOfYear with Type 2', withRecurrence({ Type: '2', Interval: '1', DayOfMonth: '5', MonthOfYear: '3' }), 'RecurrenceError RECURRENCE_INVALID'],
    ['R53919: WeekOfMonth with Type 5', withRecurrence({ Type: '5', Interval: '1', DayOfMonth: '5', MonthOfYear: '3', WeekOfMonth: '2' }), 'RecurrenceError RECURRENCE_INVALID'],
    ['31 February', withRecurrence({ Type: '5', MonthOfYear: '2', DayOfMonth: '31' }), 'RecurrenceError RECURRENCE_INVALID'],
    ['Type missing (≤14.1)', withRecurrence({ Interval: '1' }), 'RecurrenceError RECURRENCE_INVALID'],
    ['Interval not a number', withRecurrence({ Type: '0', Interval: 'often' }), 'CalendarError CALENDAR_INVALID'],
    ['Until not a date', withRecurrence({ Type: '0', Until: 'someday' }), 'CalendarError CALENDAR_INVALID'],
    ['truncated Timezone blob', replace('Calendar:Timezone', Buffer.alloc(100).toString('base64')), 'TimeZoneError TZ_TRUNCATED'],
    ['Timezone not base64', replace('Calendar:Timezone', '*** not base64 ***'), 'TimeZoneError TZ_INVALID'],
    ['EndTime before StartTime', replace('Calendar:EndTime', '20261019T150000Z'), 'CalendarError CALENDAR_INVALID'],
    ['StartTime not a date', replace('Calendar:StartTime', 'next Monday'), 'CalendarError CALENDAR_INVALID'],
    ['StartTime without a zone designator', replace('Calendar:StartTime', '20261019T160000'), 'CalendarError CALENDAR_INVALID'],
    ['StartTime 30 February', replace('Calendar:StartTime', '20260230T160000Z'), 'CalendarError CALENDAR_INVALID'],
    ['no StartTime', replace('Calendar:StartTime', undefined), 'CalendarError CALENDAR_INVALID'],
    ['Attendee without Email', [...good, ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Name', 'Nobody']]]]]], 'CalendarError CALENDAR_INVALID'],
    ['AttendeeStatus 1', [...good, ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', 'a@b.c'], ['Calendar:Name', 'A'], ['Calendar:AttendeeStatus', '1']]]]]], 'CalendarError CALENDAR_INVALID'],
    ['BusyStatus 9', replace('Calendar:BusyStatus', '9'), 'CalendarError CALENDAR_INVALID'],
    ['MeetingStatus 2', [...good, ['Calendar:MeetingStatus', '2']], 'CalendarError CALENDAR_INVALID'],
    ['AllDayEvent 2', replace('Calendar:AllDayEvent', '2'), 'CalendarError CALENDAR_INVALID'],
    ['Reminder -5', [...good, ['Calendar:Reminder', '-5']], 'CalendarError CALENDAR_INVALID'],
    ['Body Type 9', [...good, ['AirSyncBase:Body', [['AirSyncBase:Type', '9'], ['AirSyncBase:Data', 'x']]]], 'CalendarError CALENDAR_INVALID'],
    ['Exception without ExceptionStartTime', [...good, ['Calendar:Exceptions', [['Calendar:Exception', [['Calendar:Subject', 'x']]]]]], 'CalendarError CALENDAR_INVALID'],
    ['Exception ending before it starts', [...good, ['Calendar:Exceptions', [['Calendar:Exception', [
      ['Calendar:ExceptionStartTime', '20261021T160000Z'], ['Calendar:StartTime', '20261021T170000Z'], ['Calendar:EndTime', '20261021T160000Z']]]]]],
    'CalendarError CALENDAR_INVALID'],
  ];
  for (const [name, props, kind] of cases) {
    test(name, () => assert.equal(errorKind(read14(props)), kind));
  }

  test('Interval 0 is read as 1 (MS-ASCAL 2.2.2.25, as Exchange 2010 SP1 and later)', () => {
    assert.equal(easToEvent(withRecurrence({ Type: '0', Interval: '0' }), { version: 14.1, newUid: noUid }).recurrence?.interval, 1);
  });

  test('empty elements mean "none", not an error', () => {
    const props = [...replace('Calendar:BusyStatus', ''), ['Calendar:Sensitivity', ''], ['Calendar:Reminder', '']] as ItemProps;
    const e = easToEvent(props, { version: 14.1, newUid: noUid });
    assert.equal(e.busyStatus, undefined);
    assert.equal(e.sensitivity, undefined);
    assert.equal(e.reminder, null);
  });

  test('every leaf of every fixture replaced by hostile values: a typed error or a model that renders at every version', () => {
    const values = ['', 'garbage', '-1', '99999999999', '20261301T000000Z', '0', '\u0000', '1e3'];
    let runs = 0;
    const failures: string[] = [];
    for (const f of fixtures) {
      const paths: number[][] = [];
      const walk = (nodes: ItemProps, at: number[]) => nodes.forEach((n, i) => {
        if (Array.isArray(n[1])) walk(n[1], [...at, i]);
        else paths.push([...at, i]);
      });
      walk(f.props, []);
      for (const path of paths) {
        for (const value of values) {
          const props = structuredClone(f.props);
          let nodes = props;
          for (const i of path.slice(0, -1)) nodes = nodes[i]![1] as ItemProps;
          nodes[path.at(-1)!]![1] = value;
          runs++;
          const kind = errorKind(() => {
            const e = easToEvent(props, { version: f.version, existing: skeleton({ uid: 'X', timeZone: 'UTC' }), newUid: () => 'N' });
            for (const v of VERSIONS) eventToEas(e, v);
          });
          if (!typed(kind)) failures.push(`${f.file} ${JSON.stringify(path)}=${JSON.stringify(value)}: ${kind}`);
        }
      }
    }
    assert.ok(runs > 1000, `only ${runs} runs`);
    assert.deepEqual(failures.slice(0, 10), []);
  });
});

describe('ItemProps read through toProps (the store\'s form)', () => {
  test('a ghosted container (empty element) and an absent one read alike at the top level', () => {
    const f = fixtures.find(x => x.file === 'single-kolkata.v14.1.xml')!;
    const empty = f.props.map((n): PropNode => (n[0] === 'Calendar:Categories' ? [n[0], ''] : n));
    const e = easToEvent(empty, { version: 14.1, newUid: noUid });
    assert.equal(e.categories, undefined);
  });
});
