// RRULE text (RFC 5545 3.3.10; names and values case-insensitive) ⇄ a checked ParsedRule: syntax,
// value ranges and the RFC's MUST NOTs. Both mapping directions and the expander read rules here.
import { invalid } from './errors.js';
import { DAYS, MONTH_DAYS } from './vocabulary.js';

export interface ByDay {
  /** The nth-of-period prefix (+2MO → 2, -1FR → -1), absent for a plain weekday. */
  ordinal: number | undefined;
  day: number;
}

export interface ParsedRule {
  freq: string;
  interval: number;
  count: number | undefined;
  until: string | undefined;
  byDay: ByDay[] | undefined;
  byMonthDay: number[] | undefined;
  byMonth: number[] | undefined;
  bySetPos: number[] | undefined;
  wkst: number | undefined;
  /** RFC 5545 parts EAS has no element for (BYHOUR, BYWEEKNO …), kept for ical.js. */
  passThrough: Array<[string, string]>;
  /** Parts ical.js does not evaluate (RSCALE, SKIP, X-…). */
  foreign: Array<[string, string]>;
}

const FREQS = ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const KNOWN = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST']);
/** RFC 5545 parts with no EAS element: [min, max, signed] of their values. */
const PASS_THROUGH: Record<string, [number, number, boolean]> = {
  BYSECOND: [0, 60, false], BYMINUTE: [0, 59, false], BYHOUR: [0, 23, false], BYYEARDAY: [1, 366, true], BYWEEKNO: [1, 53, true],
};
export const UNTIL_FORM = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/;

/** Syntax, value ranges and RFC 5545 3.3.10 structure; anything else is RECURRENCE_INVALID. */
export function parseRRule(text: string): ParsedRule {
  const seen = readParts(text);
  const freq = seen.get('FREQ');
  if (!freq || !FREQS.includes(freq)) throw invalid(`RRULE FREQ "${freq ?? ''}" is missing or unknown`);
  const rule: ParsedRule = {
    freq,
    interval: seen.has('INTERVAL') ? integer(seen.get('INTERVAL')!, 1, Infinity, 'INTERVAL') : 1,
    count: seen.has('COUNT') ? integer(seen.get('COUNT')!, 1, Infinity, 'COUNT') : undefined,
    until: seen.get('UNTIL'),
    byDay: seen.has('BYDAY') ? seen.get('BYDAY')!.split(',').map(parseByDay) : undefined,
    byMonthDay: list(seen.get('BYMONTHDAY'), [1, 31, true], 'BYMONTHDAY'),
    byMonth: list(seen.get('BYMONTH'), [1, 12, false], 'BYMONTH'),
    bySetPos: list(seen.get('BYSETPOS'), [1, 366, true], 'BYSETPOS'),
    wkst: seen.has('WKST') ? weekday(seen.get('WKST')!) : undefined,
    passThrough: [],
    foreign: [],
  };
  for (const [name, value] of seen) {
    if (KNOWN.has(name)) continue;
    const range = PASS_THROUGH[name];
    if (range) list(value, range, name);
    (range ? rule.passThrough : rule.foreign).push([name, value]);
  }
  checkStructure(rule);
  return rule;
}

function readParts(text: string): Map<string, string> {
  const seen = new Map<string, string>();
  for (const part of text.trim().replace(/^RRULE:/i, '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) throw invalid(`malformed RRULE part "${part}"`);
    const name = part.slice(0, eq).trim().toUpperCase();
    if (seen.has(name)) throw invalid(`RRULE repeats ${name}`);
    seen.set(name, part.slice(eq + 1).trim().toUpperCase());
  }
  return seen;
}

/** RFC 5545 3.3.10 MUST NOTs, and BYMONTH × BYMONTHDAY combinations no year has. */
function checkStructure(p: ParsedRule): void {
  const has = (name: string) => p.passThrough.some(([n]) => n === name);
  if (p.count !== undefined && p.until !== undefined) throw invalid('RRULE has both COUNT and UNTIL');
  if (p.until !== undefined && !UNTIL_FORM.test(p.until)) throw invalid(`malformed UNTIL "${p.until}"`);
  const ordinals = p.byDay?.filter(d => d.ordinal !== undefined) ?? [];
  if (ordinals.length && p.freq !== 'MONTHLY' && p.freq !== 'YEARLY') throw invalid(`BYDAY ordinals with FREQ=${p.freq}`);
  const monthScoped = p.freq === 'MONTHLY' || (p.freq === 'YEARLY' && p.byMonth);
  if (monthScoped && ordinals.some(d => Math.abs(d.ordinal!) > 5)) throw invalid('BYDAY ordinal beyond the fifth week of a month');
  if (p.byMonthDay && p.freq === 'WEEKLY') throw invalid('BYMONTHDAY with FREQ=WEEKLY');
  if (has('BYYEARDAY') && ['DAILY', 'WEEKLY', 'MONTHLY'].includes(p.freq)) throw invalid(`BYYEARDAY with FREQ=${p.freq}`);
  if (has('BYWEEKNO') && p.freq !== 'YEARLY') throw invalid(`BYWEEKNO with FREQ=${p.freq}`);
  if (p.bySetPos && !p.byDay && !p.byMonthDay && !p.byMonth && !p.passThrough.length) throw invalid('BYSETPOS alone');
  if (p.byMonthDay) {
    const months = p.byMonth ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    if (!months.some(m => p.byMonthDay!.some(d => Math.abs(d) <= MONTH_DAYS[m - 1]!))) {
      throw invalid('BYMONTH and BYMONTHDAY name no date that exists');
    }
  }
}

function integer(value: string, min: number, max: number, what: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw invalid(`RRULE ${what} "${value}" is not an integer`);
  const n = Number(value);
  if (n < min || n > max) throw invalid(`RRULE ${what} ${n} is out of range`);
  return n;
}

function list(value: string | undefined, [min, max, signed]: [number, number, boolean], what: string): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map(v => {
    const n = integer(v, signed ? -max : min, max, what);
    if (signed && n === 0) throw invalid(`RRULE ${what} 0`);
    return n;
  });
}

function weekday(value: string): number {
  const i = DAYS.indexOf(value as (typeof DAYS)[number]);
  if (i < 0) throw invalid(`"${value}" is not a weekday`);
  return i;
}

function parseByDay(value: string): ByDay {
  const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(value);
  if (!m) throw invalid(`malformed BYDAY "${value}"`);
  const ordinal = m[1] === undefined ? undefined : integer(m[1], -53, 53, 'BYDAY');
  if (ordinal === 0) throw invalid('BYDAY ordinal 0');
  return { ordinal, day: weekday(m[2]!) };
}

/** A ParsedRule back to RRULE text for ical.js (RSCALE, SKIP and X- parts left out). */
export function serialise(p: ParsedRule, opts: { count: boolean } = { count: true }): string {
  const parts = [`FREQ=${p.freq}`];
  if (p.interval !== 1) parts.push(`INTERVAL=${p.interval}`);
  if (p.count !== undefined && opts.count) parts.push(`COUNT=${p.count}`);
  if (p.until !== undefined) parts.push(`UNTIL=${p.until}`);
  if (p.byDay) parts.push(`BYDAY=${p.byDay.map(d => `${d.ordinal ?? ''}${DAYS[d.day]}`).join(',')}`);
  if (p.byMonthDay) parts.push(`BYMONTHDAY=${p.byMonthDay.join(',')}`);
  if (p.byMonth) parts.push(`BYMONTH=${p.byMonth.join(',')}`);
  if (p.bySetPos) parts.push(`BYSETPOS=${p.bySetPos.join(',')}`);
  for (const [name, value] of p.passThrough) parts.push(`${name}=${value}`);
  if (p.wkst !== undefined) parts.push(`WKST=${DAYS[p.wkst]}`);
  return parts.join(';');
}

/** Whether no BYDAY entry has an ordinal (MO, not 2MO). */
export const plain = (byDay: ByDay[]) => byDay.every(d => d.ordinal === undefined);
