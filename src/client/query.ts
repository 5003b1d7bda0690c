// The request line's query (MS-ASHTTP 2.2.1.1.1): the plain form (Cmd=…&User=…, version and policy
// key in headers) or the base64 form (2.2.1.1.1.1), which carries both inside the blob.

/** MS-ASHTTP 2.2.1.1.1.1.2: command codes of the base64 form. */
export const COMMAND_CODES: Readonly<Record<string, number>> = {
  Sync: 0, SendMail: 1, SmartForward: 2, SmartReply: 3, GetAttachment: 4, FolderSync: 9, FolderCreate: 10,
  FolderDelete: 11, FolderUpdate: 12, MoveItems: 13, GetItemEstimate: 14, MeetingResponse: 15, Search: 16,
  Settings: 17, Ping: 18, ItemOperations: 19, Provision: 20, ResolveRecipients: 21, ValidateCert: 22, Find: 23,
};

/** MS-ASHTTP 2.2.1.1.1.1.3: command parameters of the base64 form, by tag. */
const PARAMETER_TAGS: Readonly<Record<string, number>> = { AttachmentName: 0, CollectionId: 1, ItemId: 3, LongId: 4, Occurrence: 6 };

export interface QueryIdentity {
  user: string;
  deviceId: string;
  deviceType: string;
  version: string;
}

export function plainQuery(cmd: string, who: QueryIdentity, extra: Record<string, string> = {}): string {
  return new URLSearchParams({ Cmd: cmd, User: who.user, DeviceId: who.deviceId, DeviceType: who.deviceType, ...extra }).toString();
}

/** MS-ASHTTP 2.2.1.1.1.1: version byte, command code, locale, DeviceId, PolicyKey, DeviceType, then tagged parameters. */
export function base64Query(cmd: string, who: QueryIdentity, policyKey: number | undefined, extra: Record<string, string> = {}): string {
  const code = COMMAND_CODES[cmd];
  if (code === undefined) throw new Error(`${cmd} has no command code for the base64 query form`);
  const deviceId = /^([0-9A-Fa-f]{2})+$/.test(who.deviceId) ? Buffer.from(who.deviceId, 'hex') : Buffer.from(who.deviceId);
  const deviceType = Buffer.from(who.deviceType, 'latin1');
  const user = Buffer.from(who.user, 'utf8');
  const key = Buffer.alloc(policyKey === undefined ? 0 : 4);
  if (policyKey !== undefined) key.writeUInt32LE(policyKey >>> 0);
  const line = Buffer.concat([
    Buffer.from([Math.round(Number(who.version) * 10), code, 0x09, 0x04, deviceId.length]), deviceId,
    Buffer.from([key.length]), key, Buffer.from([deviceType.length]), deviceType,
    // Tag 8: User.
    Buffer.from([8, user.length]), user,
    ...Object.entries(extra).filter(([name]) => PARAMETER_TAGS[name] !== undefined).flatMap(([name, v]) => {
      const bytes = Buffer.from(v, 'utf8');
      return [Buffer.from([PARAMETER_TAGS[name]!, bytes.length]), bytes];
    }),
    // Tag 7 Options: 0x01 SaveInSent, 0x02 AcceptMultiPart.
    ...(extra.SaveInSent === 'T' || extra.AcceptMultiPart === 'T'
      ? [Buffer.from([7, 1, (extra.SaveInSent === 'T' ? 0x01 : 0) | (extra.AcceptMultiPart === 'T' ? 0x02 : 0)])] : []),
  ]);
  return encodeURIComponent(line.toString('base64'));
}
