// Object helpers both calendar codecs (eas.ts, ical.ts) share.

/** Drops undefined fields, in place, so that models compare and serialise cleanly; returns `o`. */
export function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
