// MS-ASTASK 2.2.2 Task class ⇄ Task (model.ts), for every protocol version 2.5–16.1. What a version
// has not got is neither written nor read (VERSIONS). Bad values are TaskError (Status 6); MS-ASTASK
// names the Status 6 cases, and values it leaves open are accepted as sent so that no real client
// is refused: Importance above 2 is kept and echoed (R187, R550), StartDate after DueDate is the
// device's business (MS-ASTASK has no such rule; MS-ASEMAIL's Flag has one, for flags only).
import { htmlToPlain } from '../mail/bodyText.js';
import { formatExtended } from '../calendar/timezone.js';
import { propBody, propText, propTexts } from '../store/props.js';
import type { ItemProps } from '../store/types.js';
import { TaskError } from './errors.js';
import type { Task } from './model.js';
import { date, flag, readRecurrence, recurrenceNodes, uint } from './recurrence.js';

type Version = number;

const T = (name: string) => `Tasks:${name}`;
const B = (name: string) => `AirSyncBase:${name}`;

/**
 * Elements not every version has: [first version with it, first version without it]. MS-ASTASK
 * 2.2.2.x Protocol Versions and MS-ASWBXML code page 9: tasks:Body (plain text) is 2.5's, later
 * versions use airsyncbase:Body (2.2.2.1.1); CalendarType and IsLeapMonth are 14.0+, FirstDayOfWeek
 * 14.1+. Everything else is in every version. OrdinalDate and SubOrdinalDate are on the Tasks page
 * but belong to email:Flag (2.2.2.19, 2.2.2.28), not to a task: a task never carries them.
 */
const VERSIONS: Readonly<Record<string, readonly [number, number]>> = {
  [T('Body')]: [0, 12], [B('Body')]: [12, Infinity],
  [T('CalendarType')]: [14, Infinity], [T('IsLeapMonth')]: [14, Infinity], [T('FirstDayOfWeek')]: [14.1, Infinity],
};

/** The version whose form the store keeps (every element there is). */
export const STORED_VERSION = 16.1;

export function hasElement(name: string, version: Version): boolean {
  const [since, until] = VERSIONS[name] ?? [0, Infinity];
  return version >= since && version < until;
}

/** The wire elements each field is read from, for merges that ask what a Change left out. */
export const FIELD_ELEMENTS: Readonly<Record<keyof Task, readonly string[]>> = {
  subject: [T('Subject')], body: [B('Body'), T('Body')], importance: [T('Importance')],
  utcStartDate: [T('UtcStartDate')], startDate: [T('StartDate')], utcDueDate: [T('UtcDueDate')], dueDate: [T('DueDate')],
  categories: [T('Categories')], recurrence: [T('Recurrence')], complete: [T('Complete')], dateCompleted: [T('DateCompleted')],
  sensitivity: [T('Sensitivity')], reminderSet: [T('ReminderSet')], reminderTime: [T('ReminderTime')],
};

// ─── device → model ────────────────────────────────────────────────────────────────────────────

/**
 * The task a device sent (or the store kept: `version` STORED_VERSION). Elements its version lacks
 * and elements that are no Task element (OrdinalDate …) are left out, not refused.
 */
export function easToTask(props: ItemProps, version: Version): Task {
  const has = (name: string) => hasElement(name, version);
  const text = (name: string) => {
    const value = has(T(name)) ? propText(props, T(name)) : undefined;
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const when = (name: string) => (text(name) === undefined ? undefined : date(text(name)!, name));
  const categories = propTexts(props, T('Categories'));
  const task: Task = {
    subject: propText(props, T('Subject')),
    body: bodyOf(props, version),
    importance: uint(text('Importance'), 'Importance', 255), // R182: unsignedByte
    utcStartDate: when('UtcStartDate'), startDate: when('StartDate'), utcDueDate: when('UtcDueDate'), dueDate: when('DueDate'),
    // R436: a Categories element without Category removes the task's categories.
    categories: categories?.length ? categories : undefined,
    recurrence: readRecurrence(props, has),
    // R116 calls Complete required, yet clients create tasks without it: not complete.
    complete: flag(text('Complete'), 'Complete') ?? false, // R119: 0 or 1
    sensitivity: uint(text('Sensitivity'), 'Sensitivity', 3) as Task['sensitivity'], // R259: 0–3
    reminderSet: flag(text('ReminderSet'), 'ReminderSet'), // R252: 0 or 1, else Status 6
    reminderTime: when('ReminderTime'),
  };
  // R124: DateCompleted goes with Complete; the codec dates a completion the device left undated.
  if (task.complete) task.dateCompleted = when('DateCompleted');
  return dropUndefined(task);
}

function bodyOf(props: ItemProps, version: Version): Task['body'] {
  if (version < 12) {
    const legacy = propText(props, T('Body'));
    return legacy === undefined ? undefined : { type: 1, data: legacy };
  }
  const body = propBody(props);
  if (!body) return undefined;
  // MS-ASAIRS 2.2.2.22.1: a task body is text, HTML or RTF (4, MIME, is mail's).
  const type = uint(body.type?.trim() || '1', 'Body Type', 3);
  if (!type) throw new TaskError('Body Type 0 does not exist');
  return { type: type as 1 | 2 | 3, data: body.data };
}

// ─── model → device ────────────────────────────────────────────────────────────────────────────

/**
 * The task as `version` shows it, in the schema's order (MS-ASTASK 2.2.2), with what a response
 * must carry: Complete always (R116), DateCompleted when complete (R124). The body is whole:
 * the caller renders it for the device's BodyPreference.
 */
export function taskToEas(t: Task, version: Version): ItemProps {
  const out: ItemProps = [];
  const put = (name: string, v: string | number | boolean | undefined | ItemProps): void => {
    if (v === undefined || !hasElement(name, version)) return;
    out.push([name, typeof v === 'boolean' ? (v ? '1' : '0') : typeof v === 'number' ? String(v) : v]);
  };
  const at = (ms: number | undefined) => (ms === undefined ? undefined : formatExtended(ms));
  if (t.body && version >= 12) put(B('Body'), [[B('Type'), String(t.body.type)], [B('Data'), t.body.data]]);
  put(T('Subject'), t.subject);
  put(T('Importance'), t.importance);
  put(T('UtcStartDate'), at(t.utcStartDate)); put(T('StartDate'), at(t.startDate));
  put(T('UtcDueDate'), at(t.utcDueDate)); put(T('DueDate'), at(t.dueDate));
  if (t.categories?.length) put(T('Categories'), t.categories.map(c => [T('Category'), c]));
  if (t.recurrence) put(T('Recurrence'), recurrenceNodes(t.recurrence, name => hasElement(name, version), formatExtended));
  put(T('Complete'), t.complete);
  if (t.complete) put(T('DateCompleted'), at(t.dateCompleted));
  put(T('Sensitivity'), t.sensitivity);
  put(T('ReminderTime'), at(t.reminderTime)); put(T('ReminderSet'), t.reminderSet);
  // 2.5: tasks:Body, plain text only; an RTF body cannot be shown.
  if (t.body && version < 12 && t.body.type !== 3) put(T('Body'), t.body.type === 2 ? htmlToPlain(t.body.data) : t.body.data);
  return out;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
