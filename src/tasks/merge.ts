// A device's Change of a task (MS-ASCMD 2.2.3.24): what it sends replaces the task, except what a
// Change may leave out without meaning "remove it". MS-ASTASK names Importance (3.2.5.3.1, R369)
// and ReminderSet (3.2.5.3.2, R370); Convene also keeps, when absent, the body (as MS-ASNOTE R113
// does for notes: a device that got a cut body must not erase it), Complete with its date (a Change
// that does not mention completion does not undo it), whatever a Supported list leaves unmanaged
// (MS-ASCMD 2.2.3.179), and what the device's version cannot express (FirstDayOfWeek for 12.1 …).
import { htmlToPlain } from '../mail/bodyText.js';
import type { ItemProps } from '../store/types.js';
import { FIELD_ELEMENTS, hasElement } from './eas.js';
import type { Task, TaskRecurrence } from './model.js';

const KEPT_WHEN_ABSENT: readonly (keyof Task)[] = ['importance', 'reminderSet', 'body', 'complete'];

export function mergeTask(stored: Task, incoming: Task, sent: ItemProps, version: number, supported: string[] | undefined): Task {
  const present = new Set(sent.map(p => p[0]));
  const managed = supported && new Set(supported);
  const wasSent = (f: keyof Task) => FIELD_ELEMENTS[f].some(e => present.has(e));
  const ghosted = (f: keyof Task) => managed !== undefined && !FIELD_ELEMENTS[f].some(e => managed.has(e));
  const out: Task = { ...incoming };
  const keep = (f: keyof Task): void => { (out as unknown as Record<string, unknown>)[f] = stored[f]; };
  for (const f of Object.keys(FIELD_ELEMENTS) as (keyof Task)[]) {
    if (!wasSent(f) && (KEPT_WHEN_ABSENT.includes(f) || ghosted(f))) keep(f);
  }
  if (!wasSent('reminderSet') && !wasSent('reminderTime')) keep('reminderTime');
  if (!wasSent('complete') || (out.complete && out.dateCompleted === undefined && stored.complete)) keep('dateCompleted');
  if (!out.complete) delete out.dateCompleted;
  // A 2.5 device sends back the plain text it was shown: unchanged, the stored (HTML) body stays.
  if (version < 12 && stored.body && out.body && out.body.type === 1 && stored.body.type === 2 && out.body.data === htmlToPlain(stored.body.data)) {
    out.body = stored.body;
  }
  if (out.recurrence && stored.recurrence) out.recurrence = carried(out.recurrence, stored.recurrence, version);
  return out;
}

/** Recurrence children the device's version has not got, carried over while the pattern keeps its Type. */
function carried(r: TaskRecurrence, prev: TaskRecurrence, version: number): TaskRecurrence {
  if (r.type !== prev.type) return r;
  const out = { ...r };
  if (!hasElement('Tasks:CalendarType', version)) {
    if (prev.calendarType !== undefined) out.calendarType = prev.calendarType;
    if (prev.isLeapMonth !== undefined) out.isLeapMonth = prev.isLeapMonth;
  }
  if (!hasElement('Tasks:FirstDayOfWeek', version) && prev.firstDayOfWeek !== undefined) out.firstDayOfWeek = prev.firstDayOfWeek;
  return out;
}
