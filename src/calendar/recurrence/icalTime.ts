// UTC ms ⇄ ICAL.Time in a series' zone: the few conversions the recurrence modules share.
import ICAL from 'ical.js';

export function zonedTime(ms: number, zone: ICAL.Timezone): ICAL.Time {
  return ICAL.Time.fromJSDate(new Date(ms), true).convertToZone(zone);
}

export function localDate(ms: number, zone: ICAL.Timezone): ICAL.Time {
  const t = zonedTime(ms, zone);
  return ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, isDate: true });
}

/** UTC ms of an occurrence; a DATE is its local midnight in the series' zone. */
export function timeMs(t: ICAL.Time, zone: ICAL.Timezone): number {
  if (!t.isDate) return t.toUnixTime() * 1000;
  return ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, hour: 0, minute: 0, second: 0 }, zone).toUnixTime() * 1000;
}
