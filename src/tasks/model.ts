// Convene's task: an MS-ASTASK Task class item in typed form. Dates are UTC instants (ms); the
// "local" ones (StartDate, DueDate, Recurrence Start) carry the device's wall-clock time written
// as if it were UTC, as EAS sends them (MS-ASTASK 2.2.2.12, 2.2.2.26) — Convene never converts them.
import type { Body, Recurrence } from '../calendar/model.js';

/**
 * MS-ASTASK 2.2.2.20 Recurrence: the calendar pattern (MS-ASCAL's, the same elements) plus the
 * series' local first day (Start), Regenerate and DeadOccur.
 */
export interface TaskRecurrence extends Recurrence {
  /** MS-ASTASK 2.2.2.25 Start: required. */
  start: number;
  /** MS-ASTASK 2.2.2.21: the next occurrence is due a period after the last one was completed. */
  regenerate?: boolean | undefined;
  /** MS-ASTASK 2.2.2.11 DeadOccur (0–255); 0 is the default and is not kept. */
  deadOccur?: number | undefined;
}

export interface Task {
  subject?: string | undefined;
  body?: Body | undefined;
  /** MS-ASTASK 2.2.2.14: 0 low, 1 normal, 2 high; any other byte is kept and echoed (R187, R550). */
  importance?: number | undefined;
  utcStartDate?: number | undefined;
  startDate?: number | undefined;
  utcDueDate?: number | undefined;
  dueDate?: number | undefined;
  categories?: string[] | undefined;
  recurrence?: TaskRecurrence | undefined;
  complete: boolean;
  /** MS-ASTASK 2.2.2.8: present whenever `complete` is (R124). */
  dateCompleted?: number | undefined;
  /** MS-ASTASK 2.2.2.24: 0 normal, 1 personal, 2 private, 3 confidential. */
  sensitivity?: 0 | 1 | 2 | 3 | undefined;
  reminderSet?: boolean | undefined;
  reminderTime?: number | undefined;
}
