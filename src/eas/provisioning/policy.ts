// The security policy a device gets from Provision (MS-ASPROV 2.2.2.28 EASProvisionDoc), as data:
// one value per policy element, written for the device's protocol version. Convene's default asks
// nothing of a device (no password, no encryption) and allows everything; it exists because phones
// insist on running Provision, and so that a stricter policy is a value, not new code.
import { createHash, randomInt } from 'node:crypto';
import { tags, type Element } from '../../wbxml/index.js';
import { atLeast, type ProtocolVersion } from '../version.js';

/** A policy element's value; null writes the element empty, which MS-ASPROV 3.2.5.1.1 uses for "not set". */
export type PolicyValue = number | null;

/** MS-ASPROV 2.2.2.28: the policy elements in the order Exchange writes them, each with the first version that has it. */
const ELEMENTS = [
  ['DevicePasswordEnabled', '12.0'], ['AlphanumericDevicePasswordRequired', '12.0'], ['PasswordRecoveryEnabled', '12.0'],
  ['RequireStorageCardEncryption', '12.0'], ['AttachmentsEnabled', '12.0'], ['MinDevicePasswordLength', '12.0'],
  ['MaxInactivityTimeDeviceLock', '12.0'], ['MaxDevicePasswordFailedAttempts', '12.0'], ['MaxAttachmentSize', '12.0'],
  ['AllowSimpleDevicePassword', '12.0'], ['DevicePasswordExpiration', '12.0'], ['DevicePasswordHistory', '12.0'],
  ['AllowStorageCard', '12.1'], ['AllowCamera', '12.1'], ['RequireDeviceEncryption', '12.1'],
  ['AllowUnsignedApplications', '12.1'], ['AllowUnsignedInstallationPackages', '12.1'],
  ['MinDevicePasswordComplexCharacters', '12.1'], ['AllowWiFi', '12.1'], ['AllowTextMessaging', '12.1'],
  ['AllowPOPIMAPEmail', '12.1'], ['AllowBluetooth', '12.1'], ['AllowIrDA', '12.1'], ['RequireManualSyncWhenRoaming', '12.1'],
  ['AllowDesktopSync', '12.1'], ['MaxCalendarAgeFilter', '12.1'], ['AllowHTMLEmail', '12.1'], ['MaxEmailAgeFilter', '12.1'],
  ['MaxEmailBodyTruncationSize', '12.1'], ['MaxEmailHTMLBodyTruncationSize', '12.1'], ['RequireSignedSMIMEMessages', '12.1'],
  ['RequireEncryptedSMIMEMessages', '12.1'], ['RequireSignedSMIMEAlgorithm', '12.1'], ['RequireEncryptionSMIMEAlgorithm', '12.1'],
  ['AllowSMIMEEncryptionAlgorithmNegotiation', '12.1'], ['AllowSMIMESoftCerts', '12.1'], ['AllowBrowser', '12.1'],
  ['AllowConsumerEmail', '12.1'], ['AllowRemoteDesktop', '12.1'], ['AllowInternetSharing', '12.1'],
] as const satisfies readonly (readonly [string, ProtocolVersion])[];

export type PolicyElement = (typeof ELEMENTS)[number][0];
export type DevicePolicy = Readonly<Record<PolicyElement, PolicyValue>>;

/** Convene's default: nothing required, everything allowed, no limits (docs/provisioning.md). */
export const PERMISSIVE_POLICY: DevicePolicy = {
  DevicePasswordEnabled: 0, AlphanumericDevicePasswordRequired: 0, PasswordRecoveryEnabled: 0,
  RequireStorageCardEncryption: 0, AttachmentsEnabled: 1, MinDevicePasswordLength: null,
  MaxInactivityTimeDeviceLock: null, MaxDevicePasswordFailedAttempts: null, MaxAttachmentSize: null,
  AllowSimpleDevicePassword: 1, DevicePasswordExpiration: null, DevicePasswordHistory: 0,
  AllowStorageCard: 1, AllowCamera: 1, RequireDeviceEncryption: 0, AllowUnsignedApplications: 1,
  AllowUnsignedInstallationPackages: 1, MinDevicePasswordComplexCharacters: null, AllowWiFi: 1, AllowTextMessaging: 1,
  AllowPOPIMAPEmail: 1, AllowBluetooth: 2, AllowIrDA: 1, RequireManualSyncWhenRoaming: 0, AllowDesktopSync: 1,
  MaxCalendarAgeFilter: 0, AllowHTMLEmail: 1, MaxEmailAgeFilter: 0, MaxEmailBodyTruncationSize: -1,
  MaxEmailHTMLBodyTruncationSize: -1, RequireSignedSMIMEMessages: 0, RequireEncryptedSMIMEMessages: 0,
  RequireSignedSMIMEAlgorithm: 0, RequireEncryptionSMIMEAlgorithm: 0, AllowSMIMEEncryptionAlgorithmNegotiation: 2,
  AllowSMIMESoftCerts: 1, AllowBrowser: 1, AllowConsumerEmail: 1, AllowRemoteDesktop: 1, AllowInternetSharing: 1,
};

/** Whether a device that did not (fully) apply the policy would fall short of it. */
export function policyDemandsCompliance(p: DevicePolicy): boolean {
  return p.DevicePasswordEnabled === 1 || p.RequireDeviceEncryption === 1 || p.RequireStorageCardEncryption === 1
    || p.RequireSignedSMIMEMessages === 1 || p.RequireEncryptedSMIMEMessages === 1;
}

/** Names the policy's content: a device whose acknowledged hash differs must provision again (Status 143). */
export function policyHash(p: DevicePolicy): string {
  const canonical = JSON.stringify(ELEMENTS.map(([name]) => [name, p[name]]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** MS-ASPROV 2.2.2.42 PolicyKey: a 32-bit unsigned number; 0 means "none", so never handed out. */
export function newPolicyKey(): number {
  return randomInt(1, 0xffffffff);
}

/** MS-ASPROV 2.2.2.43 PolicyType values. */
export const POLICY_TYPE_WBXML = 'MS-EAS-Provisioning-WBXML';
export const POLICY_TYPE_XML = 'MS-WAP-Provisioning-XML';

const prov = tags('Provision');

/** MS-ASPROV 2.2.2.24.1: Data holding EASProvisionDoc, with the elements the version knows. */
export function easProvisionDoc(p: DevicePolicy, version: ProtocolVersion): Element {
  const known = ELEMENTS.filter(([, since]) => atLeast(version, since));
  return prov('EASProvisionDoc', [
    ...known.map(([name]) => prov(name, p[name] === null ? undefined : p[name] as number)),
    // The application lists are containers; an empty one means "no list" (MS-ASPROV 2.2.2.58, 2.2.2.10).
    atLeast(version, '12.1') && prov('UnapprovedInROMApplicationList', []),
    atLeast(version, '12.1') && prov('ApprovedApplicationList', []),
  ]);
}

/**
 * MS-ASPROV 2.2.2.24.2: the 2.5 form, a Windows Mobile provisioning document as text. Only the
 * SecurityPolicy password bit (4131: 1 = no password required) is expressed.
 */
export function wapProvisioningXml(p: DevicePolicy): string {
  const noPassword = p.DevicePasswordEnabled === 1 ? 0 : 1;
  return `<wap-provisioningdoc><characteristic type="SecurityPolicy"><parm name="4131" value="${noPassword}"/></characteristic></wap-provisioningdoc>`;
}
