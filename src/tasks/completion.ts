// A device marks a recurring task complete: that completes its current occurrence, not the series.
// The device only sends Complete (MS-ASTASK 2.2.2.7; DeadOccur, 2.2.2.11, R157); the server makes
// of it what MS-OXOTASK 3.1.4.6 describes for Task objects, as Exchange does behind ActiveSync:
//  1. the occurrence is kept as a task of its own — complete, without recurrence, its reminder off
//     (MS-OXORMDR 3.1.4.8: the completed instance has ReminderSet FALSE);
//  2. the recurring task moves on to its next occurrence (recurrence.ts nextOccurrence): its start,
//     due and reminder times shift by the same days, so due − start stays (MS-OXOTASK 3.1.4.6.2), and
//     a reminder that was on stays on (MS-OXORMDR 3.1.4.8);
//  3. with no next occurrence (the last one) the recurring task itself is the completed one, its
//     DeadOccur set: no occurrence remains to be generated (PidLidTaskDeadOccurrence).
import type { Task } from './model.js';
import { dayOf, nextOccurrence } from './recurrence.js';

export interface Completion {
  /** The recurring task after the completion. */
  series: Task;
  /** The completed occurrence, a new task; none when the series itself ended complete. */
  completed?: Task | undefined;
}

/** Undefined when the change completes no occurrence (not recurring, or complete already). */
export function completeOccurrence(before: Task, after: Task, now: number): Completion | undefined {
  const r = after.recurrence;
  if (!r || !after.complete || before.complete) return undefined;
  const doneAt = after.dateCompleted ?? now;
  const current = dayOf(after.startDate ?? after.dueDate ?? r.start);
  const next = nextOccurrence(r, current, dayOf(doneAt));
  if (next === undefined) return { series: { ...after, dateCompleted: doneAt, recurrence: { ...r, deadOccur: 1 } } };
  const delta = next - current;
  const shift = (ms: number | undefined) => (ms === undefined ? undefined : ms + delta);
  const completed: Task = { ...after, recurrence: undefined, dateCompleted: doneAt, reminderSet: after.reminderSet === undefined ? undefined : false };
  const reminderSet = before.reminderSet || after.reminderSet;
  const series: Task = {
    ...after, complete: false, dateCompleted: undefined,
    startDate: shift(after.startDate), utcStartDate: shift(after.utcStartDate), dueDate: shift(after.dueDate), utcDueDate: shift(after.utcDueDate),
    reminderSet, reminderTime: shift(after.reminderTime ?? (reminderSet ? before.reminderTime : undefined)),
    // Occurrences remain (a device marking one complete may have sent DeadOccur, MS-ASTASK R157). A
    // regenerating pattern starts over from the new occurrence, one fewer to go.
    recurrence: r.regenerate
      ? { ...r, deadOccur: undefined, start: next + (r.start - dayOf(r.start)), occurrences: r.occurrences === undefined ? undefined : r.occurrences - 1 }
      : { ...r, deadOccur: undefined },
  };
  return { series, completed };
}
