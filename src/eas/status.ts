// MS-ASCMD 2.2.2 common Status codes, by name. Command-specific Status values live beside their
// command; no other file writes a bare common Status number.
export const CommonStatus = {
  InvalidContent: 101,
  InvalidWBXML: 102,
  InvalidXML: 103,
  InvalidDateTime: 104,
  InvalidCombinationOfIds: 105,
  InvalidIds: 106,
  InvalidMIME: 107,
  DeviceIdMissingOrInvalid: 108,
  DeviceTypeMissingOrInvalid: 109,
  ServerError: 110,
  ServerErrorRetryLater: 111,
  MailboxQuotaExceeded: 113,
  SendQuotaExceeded: 115,
  MessageRecipientUnresolved: 116,
  MessageReplyNotAllowed: 117,
  MessagePreviouslySent: 118,
  MessageHasNoRecipient: 119,
  MailSubmissionFailed: 120,
  MessageReplyFailed: 121,
  AttachmentIsTooLarge: 122,
  AccessDenied: 130,
  CommandNotSupported: 137,
  VersionNotSupported: 138,
  DeviceNotFullyProvisionable: 139,
  RemoteWipeRequested: 140,
  DeviceNotProvisioned: 142,
  PolicyRefresh: 143,
  InvalidPolicyKey: 144,
  ExternallyManagedDevicesNotAllowed: 145,
  NoRecurrenceInCalendar: 146,
  UnexpectedItemClass: 147,
  ItemNotFound: 150,
  DeviceInformationRequired: 165,
  InvalidAccountId: 166,
  // 16.0+: SmartForward's two request forms (MIME, or airsyncbase:Body + Forwardees) mixed, or bad Forwardees.
  InvalidMimeBodyCombination: 178,
  InvalidSmartForwardParameters: 179,
} as const;
export type CommonStatusValue = (typeof CommonStatus)[keyof typeof CommonStatus];

/**
 * A failure the transport answers itself. `status` is the common Status a 14.0+ client gets
 * inside the command's root element; older clients, and commands without a root, get `http`.
 */
export class EasError extends Error {
  constructor(
    readonly http: number,
    message: string,
    readonly status?: CommonStatusValue,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'EasError';
  }
}
