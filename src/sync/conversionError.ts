// The one error a class codec throws for a device's item it cannot take: answered with the per-item
// Status 6 (MS-ASCMD 2.2.3.177.17), nothing stored. Its own module so that codecs of every class
// (codecs.ts, taskCodec.ts, noteCodec.ts) can throw it without importing each other.
import { CalendarError } from '../calendar/errors.js';
import { RecurrenceError } from '../calendar/recurrence.js';
import { TimeZoneError } from '../calendar/timezone.js';
import { ContactError } from '../contacts/eas.js';
import { NoteError } from '../notes/errors.js';
import { TaskError } from '../tasks/errors.js';

/** A device's item could not be understood; answered with Status 6, nothing stored. */
export class ItemConversionError extends Error {}

/** The errors by which the class modules refuse an item's content. */
const REFUSALS = [CalendarError, RecurrenceError, TimeZoneError, ContactError, TaskError, NoteError];

/** Runs a class module's conversion; its refusal becomes an ItemConversionError, anything else stays. */
export function convert<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (REFUSALS.some(cls => e instanceof cls)) throw new ItemConversionError((e as Error).message);
    throw e;
  }
}
