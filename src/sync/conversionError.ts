// The one error a class codec throws for a device's item it cannot take: answered with the per-item
// Status 6 (MS-ASCMD 2.2.3.177.17), nothing stored. Its own module so that codecs of every class
// (codecs.ts, taskCodec.ts, noteCodec.ts) can throw it without importing each other.

/** A device's item could not be understood; answered with Status 6, nothing stored. */
export class ItemConversionError extends Error {}
