// Records of what the server decided and exchanged, kept for the console for a while (bounded by
// src/store/expiry.ts): the scheduling decision trace (written by src/scheduling/trace.ts) and the
// protocol exchanges of devices whose logging an operator switched on (src/eas/deviceLogging.ts).

/** Where the edit or message the engine acts on came from. */
export type TraceSource =
  | { via: 'eas'; account: string; deviceId: string; deviceType: string; protocol: string; command: string }
  | { via: 'caldav'; account: string }
  /** iMIP from another server: the From header, MAIL FROM, and what SPF/DKIM/DMARC said. */
  | { via: 'imip'; from: string | undefined; envelopeFrom: string; auth: string }
  /** A ≤14.1 device's own iTIP mail (SendMail). */
  | { via: 'sendmail'; account: string; deviceId?: string | undefined }
  | { via: 'server'; what: string };

/**
 * edit: an edit or message arrived; compared: what the planner compared for one scope (series or
 * occurrence) and what it found; sent: one message to one recipient; none: why nothing was sent;
 * applied / refused: an answer (REPLY, COUNTER, REFRESH, an attendee's edit) or an organizer's
 * message taken or turned down, with the reason.
 */
export type TraceStep = 'edit' | 'compared' | 'sent' | 'none' | 'applied' | 'refused';

export interface TraceNote {
  step: TraceStep;
  /** The account whose mailbox or calendar the decision is about (organizer or attendee). */
  userId: number;
  uid: string;
  /** The meeting's subject, so a trace is found by it after the meeting is gone. */
  subject?: string | undefined;
  /** The occurrence concerned (its original start, UTC ms); absent for the series. */
  recurrenceId?: number | undefined;
  /** One line a person reads, e.g. "REQUEST (full update) to bob@example.org: delivered here". */
  text: string;
  /** Machine-readable detail (method, recipient, local/remote, changed fields, reason code). */
  data?: Record<string, unknown> | undefined;
}

/** A row as the store keeps it: the note, its engine run, where it came from and when. */
export interface TraceRow extends TraceNote {
  id: number;
  /** Notes of one engine run share it (a Sync command, one iMIP message, one MeetingResponse). */
  run: string;
  at: number;
  source: TraceSource;
}

export interface NewTraceRow extends TraceNote {
  run: string;
  at: number;
  source: TraceSource;
}

/** A meeting found in the trace: its UID, the subject it last had, when it was last decided on. */
export interface TracedMeeting {
  uid: string;
  subject: string | undefined;
  lastAt: number;
  notes: number;
}

/** One request and its response as a device's protocol log keeps them, credentials redacted. */
export interface NewProtocolExchange {
  devicePk: number;
  at: number;
  /** The Cmd of the request line ('' when it could not be read). */
  cmd: string;
  http: number;
  /** Status values found in the response (top level first), for filters and highlighting. */
  statuses: number[];
  ms: number;
  /** The request and response: headers and bodies decoded to XML, as protocolLog.ts renders them. */
  request: string;
  response: string;
}

export interface ProtocolExchange extends NewProtocolExchange {
  id: number;
}
