// Free/busy from events (src/calendar/freeBusy.ts): the MergedFreeBusy string of MS-ASCMD 2.2.3.107
// with the spec's own examples, and the busy times of single events and of series with moved,
// declined and deleted occurrences.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { busyTimes, digitOf, mergedFreeBusy, slotCount, type BusyTime } from '../../src/calendar/freeBusy.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { zoneLookup } from '../../src/calendar/window.js';

const at = (iso: string) => Date.parse(iso);
const win = (from: string, to: string) => ({ from: at(from), to: at(to) });
const busy = (start: string, end: string, status: BusyTime['status']): BusyTime => ({ start: at(start), end: at(end), status });

function event(start: string, end: string, more: Partial<CalendarEvent> = {}): CalendarEvent {
  return { uid: `uid-${start}`, start: at(start), end: at(end), allDay: false, timeZone: 'UTC', busyStatus: 2, ...more };
}

describe('MergedFreeBusy (MS-ASCMD 2.2.3.107)', () => {
  const oof = [busy('2026-03-02T12:00:00Z', '2026-03-02T12:05:00Z', 3)];

  it('MS-ASCMD 2.2.3.107: a 5-minute OOF from 12:00 gives "30" for 12:00–13:00 and for 12:04:59–13:00, "00" from 12:05', () => {
    assert.equal(mergedFreeBusy(oof, win('2026-03-02T12:00:00Z', '2026-03-02T13:00:00Z')), '30');
    assert.equal(mergedFreeBusy(oof, win('2026-03-02T12:04:59Z', '2026-03-02T13:00:00Z')), '30');
    assert.equal(mergedFreeBusy(oof, win('2026-03-02T12:05:00Z', '2026-03-02T13:00:00Z')), '00');
  });

  it('MS-ASCMD 2.2.3.107: one digit per 30 minutes, the last slot rounded up', () => {
    assert.equal(slotCount(win('2026-03-02T13:00:00Z', '2026-03-02T13:30:00Z')), 1);
    assert.equal(slotCount(win('2026-03-02T12:59:59Z', '2026-03-02T13:30:00Z')), 2);
    assert.equal(slotCount(win('2026-03-02T13:00:00Z', '2026-03-02T13:30:01Z')), 2);
  });

  it('MS-ASCMD 2.2.3.107: the higher digit takes a slot shared by two statuses ("32201")', () => {
    const times = [
      busy('2026-03-02T09:00:00Z', '2026-03-02T09:30:00Z', 3), busy('2026-03-02T09:30:00Z', '2026-03-02T10:30:00Z', 2),
      busy('2026-03-02T11:00:00Z', '2026-03-02T11:30:00Z', 1), busy('2026-03-02T09:10:00Z', '2026-03-02T09:20:00Z', 1),
    ];
    assert.equal(mergedFreeBusy(times, win('2026-03-02T09:00:00Z', '2026-03-02T11:30:00Z')), '32201');
    // 25 minutes free and 5 busy make the slot busy.
    assert.equal(mergedFreeBusy([busy('2026-03-02T09:25:00Z', '2026-03-02T09:30:00Z', 2)], win('2026-03-02T09:00:00Z', '2026-03-02T09:30:00Z')), '2');
  });

  it('maps MS-ASCAL BusyStatus to digits: working elsewhere counts as free, none as busy', () => {
    assert.deepEqual([0, 1, 2, 3, 4, undefined].map(b => digitOf(b as never)), [0, 1, 2, 3, 0, 2]);
  });
});

describe('busy times of events', () => {
  const week = win('2026-03-02T00:00:00Z', '2026-03-16T00:00:00Z');

  it('a single event counts where it overlaps the window; free, declined and cancelled ones do not', () => {
    const w = win('2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z');
    assert.deepEqual(busyTimes(event('2026-03-02T10:00:00Z', '2026-03-02T11:00:00Z', { busyStatus: 1 }), w, zoneLookup),
      [busy('2026-03-02T10:00:00Z', '2026-03-02T11:00:00Z', 1)]);
    assert.deepEqual(busyTimes(event('2026-03-01T23:00:00Z', '2026-03-02T00:30:00Z'), w, zoneLookup).length, 1);
    assert.deepEqual(busyTimes(event('2026-03-03T00:00:00Z', '2026-03-03T01:00:00Z'), w, zoneLookup), []);
    for (const more of [{ busyStatus: 0 }, { busyStatus: 4 }, { responseType: 4 }, { meetingStatus: 5 }, { meetingStatus: 7 }] as const) {
      assert.deepEqual(busyTimes(event('2026-03-02T10:00:00Z', '2026-03-02T11:00:00Z', more), w, zoneLookup), [], JSON.stringify(more));
    }
  });

  it('a weekly series: each occurrence, one moved to where it went, one declined and one deleted left out', () => {
    const series = event('2026-02-23T10:00:00Z', '2026-02-23T11:00:00Z', {
      recurrence: { type: 1, interval: 1, dayOfWeek: 2 },
      exceptions: [
        // The 2 March meeting moved to Tuesday 3 March, 14:00–15:00, and became tentative.
        { originalStart: at('2026-03-02T10:00:00Z'), overrides: { start: at('2026-03-03T14:00:00Z'), end: at('2026-03-03T15:00:00Z'), busyStatus: 1 } },
        { originalStart: at('2026-03-09T10:00:00Z'), overrides: { responseType: 4 } },
        { originalStart: at('2026-03-16T10:00:00Z'), deleted: true, overrides: {} },
        // An occurrence from before the window moved into it.
        { originalStart: at('2026-02-23T10:00:00Z'), overrides: { start: at('2026-03-04T08:00:00Z'), end: at('2026-03-04T08:30:00Z') } },
      ],
    });
    assert.deepEqual(busyTimes(series, week, zoneLookup), [
      busy('2026-03-03T14:00:00Z', '2026-03-03T15:00:00Z', 1),
      busy('2026-03-04T08:00:00Z', '2026-03-04T08:30:00Z', 2),
    ]);
    assert.deepEqual(busyTimes(series, win('2026-03-16T00:00:00Z', '2026-03-24T00:00:00Z'), zoneLookup),
      [busy('2026-03-23T10:00:00Z', '2026-03-23T11:00:00Z', 2)]);
  });

  it('a series in a zone with daylight saving keeps its wall-clock time', () => {
    const berlin = { ...event('2026-03-23T08:00:00Z', '2026-03-23T09:00:00Z'), timeZone: 'Europe/Berlin', recurrence: { type: 1 as const, interval: 1, dayOfWeek: 2 } };
    // 09:00 in Berlin is 08:00 UTC before 29 March 2026 and 07:00 UTC after.
    assert.deepEqual(busyTimes(berlin, win('2026-03-23T00:00:00Z', '2026-04-01T00:00:00Z'), zoneLookup).map(b => new Date(b.start).toISOString()),
      ['2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z']);
  });
});
