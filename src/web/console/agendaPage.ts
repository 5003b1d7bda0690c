// A signed-in account's week, read-only (docs/console.md): every calendar it has (the default
// Calendar and user-created ones), recurring meetings expanded over the week with their
// exceptions, each meeting's organizer and every attendee's answer. Times in the zone asked for.
import { cancelled, occurrencesWithin } from '../../calendar/freeBusy.js';
import type { CalendarEvent } from '../../calendar/model.js';
import { zoneLookup } from '../../calendar/window.js';
import { FolderType } from '../../store/types.js';
import { escapeHtml as esc } from '../html.js';
import type { ConsoleContext, Route } from './context.js';

const DAY = 86_400_000;
/** Items read per calendar: a page, not an export (more are left out with a note). */
const MAX_ITEMS = 2_000;
/** MS-ASCAL AttendeeStatus / ResponseType as words. */
const ANSWER: Record<number, string> = { 0: 'no answer', 1: 'organizer', 2: 'tentative', 3: 'accepted', 4: 'declined', 5: 'not responded' };

async function agenda(ctx: ConsoleContext): Promise<void> {
  const week = weekStart(ctx.url.searchParams.get('week'));
  const tz = ctx.url.searchParams.get('tz') || 'UTC';
  if (week === undefined || !validZone(tz)) {
    return ctx.page('Agenda', '<h1>Agenda</h1><p class="err" role="alert">The week must be a date (YYYY-MM-DD) and the zone an IANA name such as Europe/Berlin.</p>', { status: 400 });
  }
  const window = { from: week, to: week + 7 * DAY };
  const calendars = (await ctx.store.listFolders(ctx.viewer.user.id)).filter(f => f.type === FolderType.Calendar || f.type === FolderType.UserCalendar);
  const shown: { calendar: string; o: CalendarEvent }[] = [];
  let cut = false;
  let unreadable = 0;
  for (const folder of calendars) {
    const items = await ctx.store.itemsEndingFrom(folder.id, window.from, MAX_ITEMS + 1);
    if (items.length > MAX_ITEMS) cut = true;
    for (const item of items.slice(0, MAX_ITEMS)) {
      if (!item.event) continue;
      try {
        for (const o of occurrencesWithin(item.event, window, zoneLookup)) shown.push({ calendar: folder.displayName, o });
      } catch {
        unreadable++; // a series that cannot be expanded: one bad item never breaks the page
      }
    }
  }
  shown.sort((a, b) => a.o.start - b.o.start);
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit' });
  const days = new Map<string, string[]>();
  for (const { calendar, o } of shown) {
    const key = day.format(o.start);
    days.set(key, [...(days.get(key) ?? []), entry(ctx.viewer.user.email, calendar, o, time)]);
  }
  const link = (at: number, label: string) => `<a href="/console/me/agenda?week=${iso(at)}&amp;tz=${encodeURIComponent(tz)}">${label}</a>`;
  const body = `<h1>Agenda: week of ${esc(day.format(week))}</h1>`
    + `<p>${link(week - 7 * DAY, '← Previous week')} · ${link(week + 7 * DAY, 'Next week →')} · times in ${esc(tz)}</p>`
    + `<form method="get"><input type="hidden" name="week" value="${iso(week)}"><label>Time zone <input name="tz" value="${esc(tz)}"></label><button>Show</button></form>`
    + (days.size ? [...days].map(([d, entries]) => `<section><h2>${esc(d)}</h2><ul class="agenda">${entries.join('')}</ul></section>`).join('') : '<p>Nothing this week.</p>')
    + (cut ? `<p class="err">Only the first ${MAX_ITEMS} items of a calendar are shown.</p>` : '')
    + (unreadable ? `<p class="err">${unreadable} series could not be expanded and are left out.</p>` : '');
  ctx.page('Agenda', body);
}

function entry(me: string, calendar: string, o: CalendarEvent, time: Intl.DateTimeFormat): string {
  const when = o.allDay ? 'all day' : `${time.format(o.start)}–${time.format(o.end)}`;
  const mine = o.organizer && o.organizer.email.toLowerCase() !== me ? `<p>Your answer: ${esc(ANSWER[o.responseType ?? 0] ?? 'unknown')}</p>` : '';
  const people = o.attendees?.length
    ? `<p>Organizer: ${esc(o.organizer?.email ?? '(none)')}</p><ul class="attendees">${o.attendees.map(a =>
      `<li>${esc(a.name ? `${a.name} <${a.email}>` : a.email)}: <span class="answer">${esc(ANSWER[a.status ?? 0] ?? 'unknown')}</span></li>`).join('')}</ul>`
    : '';
  return `<li class="event${cancelled(o) ? ' cancelled' : ''}"><h3>${esc(when)} ${esc(o.subject ?? '(no subject)')}${cancelled(o) ? ' (cancelled)' : ''}</h3>`
    + `<p>${esc(calendar)}${o.location?.displayName ? ` · ${esc(o.location.displayName)}` : ''}</p>${mine}${people}</li>`;
}

/** The week to show: from the date given (UTC midnight), or this week's Monday. */
function weekStart(param: string | null): number | undefined {
  if (param === null || param === '') {
    const today = Math.floor(Date.now() / DAY) * DAY;
    return today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(param);
  if (!m) return undefined;
  const at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return iso(at) === param && at >= Date.UTC(1970, 0, 1) && at <= Date.UTC(9998, 11, 1) ? at : undefined;
}

function validZone(tz: string): boolean {
  if (tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const iso = (at: number) => new Date(at).toISOString().slice(0, 10);

export const agendaRoutes: Record<string, Route> = { '/console/me/agenda': { admin: false, handle: agenda } };
