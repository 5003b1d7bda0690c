// MS-ASHTTP 2.2.4.1.2.2: the protocol versions Convene speaks, oldest first.
export const SUPPORTED_VERSIONS = ['2.5', '12.0', '12.1', '14.0', '14.1', '16.0', '16.1'] as const;
export type ProtocolVersion = (typeof SUPPORTED_VERSIONS)[number];

/** Sent as MS-Server-ActiveSync; clients only log it. */
export const SERVER_VERSION = '15.1';

export function parseVersion(value: string | undefined): ProtocolVersion | undefined {
  return SUPPORTED_VERSIONS.find(v => v === value?.trim());
}

/** Versions as numbers (14.1 → 141) so that comparisons read naturally: atLeast(v, '14.0'). */
export function atLeast(version: ProtocolVersion, min: ProtocolVersion): boolean {
  return Number(version) >= Number(min);
}

/** MS-ASHTTP 2.2.1.1.1.1.1: the base64 query carries the version as one byte, version × 10. */
export function versionFromByte(byte: number): ProtocolVersion | undefined {
  return parseVersion((byte / 10).toFixed(1));
}
