// Recurrence; this file only re-exports recurrence/ (docs/calendar-recurrence.md): validate.ts,
// easToRRule.ts, rrule.ts parse/serialise, rruleToEas.ts, expand.ts, occurrences.ts windows/series end.
export { toRRule } from './recurrence/easToRRule.js';
export { RecurrenceError, type RecurrenceErrorCode } from './recurrence/errors.js';
export { expand, type ExpandArgs, MAX_ITERATIONS } from './recurrence/expand.js';
export { occurrenceStarts, type SeriesEvent, seriesEnd, type ZoneLookup } from './recurrence/occurrences.js';
export { fromRRule, type FromRRuleOptions } from './recurrence/rruleToEas.js';
export { validateDeviceFields, validateRecurrence } from './recurrence/validate.js';
export { type RRuleOptions, type SeriesStart, seriesStartOf } from './recurrence/vocabulary.js';
