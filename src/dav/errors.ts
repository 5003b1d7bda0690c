// DAV failures as HTTP answers: a status, a reason for the log, and for RFC 4791/6578 preconditions
// the element the DAV:error body names (RFC 4918 16), so the client learns which rule it broke.
export const DAV_NS = 'DAV:';
export const CALDAV_NS = 'urn:ietf:params:xml:ns:caldav';
export const CARDDAV_NS = 'urn:ietf:params:xml:ns:carddav';
export const CS_NS = 'http://calendarserver.org/ns/';

export interface Precondition {
  ns: typeof DAV_NS | typeof CALDAV_NS | typeof CARDDAV_NS;
  name: string;
  /** The resource the precondition names (RFC 4791 5.3.2.1 / RFC 6352 6.3.2.1 no-uid-conflict). */
  href?: string | undefined;
}

export class DavError extends Error {
  constructor(readonly http: number, message: string, readonly precondition?: Precondition, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'DavError';
  }
}

/** RFC 4791 5.3.2.1 / 9.6: the body is no valid iCalendar object this collection takes. */
export function invalidCalendarData(message: string): DavError {
  return new DavError(403, message, { ns: CALDAV_NS, name: 'valid-calendar-data' });
}

/** RFC 6352 6.3.2.1: the body is no vCard this address book takes. */
export function invalidAddressData(message: string): DavError {
  return new DavError(403, message, { ns: CARDDAV_NS, name: 'valid-address-data' });
}
