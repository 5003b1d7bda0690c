// An address object resource's body (RFC 6352 5.1): one vCard, read into the Contact class through
// src/contacts/vcard.ts and held to the rules an EAS device's contact is (src/contacts/eas.ts), and
// rendered as vCard 3.0 unless the client asks for 4.0 (Accept, or address-data version, 10.4).
import { ContactError, contactFromDevice, mergeContact } from '../contacts/eas.js';
import { NOTES } from '../contacts/elements.js';
import { contactToVcard, notesText, VCARD_ELEMENTS, VCARD_EXTRA, VCardError, vcardToContact, type VCardVersion } from '../contacts/vcard.js';
import { propText } from '../store/props.js';
import type { Item, ItemProps } from '../store/types.js';
import { CARDDAV_NS, DavError, invalidAddressData } from './errors.js';

export const VCARD_TYPE = 'text/vcard; charset=utf-8';
/** The version whose element table the vCard is checked against (every Contact element). */
const CHECK_VERSION = 16.1;

/** The vCard as Contact elements, checked; `stored`: the contact it replaces, whose EAS-only elements stay. */
export function parseVcard(body: Buffer, stored: ItemProps | undefined): ItemProps {
  try {
    const props = vcardToContact(body.toString('utf8'));
    const extra = props.filter(p => p[0].startsWith('Convene:'));
    const contact = props.filter(p => !p[0].startsWith('Convene:'));
    // A PUT replaces what a vCard speaks for; the rest (Spouse, Children, IM…) is the device's and stays.
    const checked = stored ? mergeContact(stored.filter(p => !p[0].startsWith('Convene:')), contact, VCARD_ELEMENTS, CHECK_VERSION) : contactFromDevice(contact, CHECK_VERSION);
    return [...keepRicherNotes(checked, contact, stored), ...extra];
  } catch (e) {
    if (e instanceof VCardError) throw invalidAddressData(e.message);
    // MS-ASCNTC 2.2.2.58: the same 48 KB photo limit an EAS device has.
    if (e instanceof ContactError && e.code === 'PICTURE_TOO_LARGE') throw new DavError(403, e.message, { ns: CARDDAV_NS, name: 'max-resource-size' });
    if (e instanceof ContactError) throw invalidAddressData(e.message);
    throw e;
  }
}

/**
 * Unlike a device's Change (MS-ASCNTC 3.1.5.4), a vCard without NOTE has no notes. But HTML or RTF
 * notes a vCard showed as text (or, RTF, not at all) stay when the vCard sends back what it was shown.
 */
function keepRicherNotes(checked: ItemProps, sent: ItemProps, stored: ItemProps | undefined): ItemProps {
  const before = stored?.find(p => p[0] === NOTES);
  const type = before && Array.isArray(before[1]) ? propText(before[1], 'AirSyncBase:Type') : undefined;
  const sentText = notesText(sent);
  const unchanged = before && type !== undefined && type !== '1' && sentText === notesText(stored!);
  const rest = checked.filter(p => p[0] !== NOTES);
  if (unchanged) return [...rest, before];
  return sent.some(p => p[0] === NOTES) ? checked : rest;
}

/** The UID line a vCard came with (kept in VCARD_EXTRA), if any. */
export function vcardUid(props: ItemProps): string | undefined {
  const extra = props.find(p => p[0] === VCARD_EXTRA)?.[1];
  const line = typeof extra === 'string' ? /^UID(?:;[^:\r\n]*)?:([^\r\n]*)$/im.exec(extra) : null;
  return line ? line[1].trim() : undefined;
}

export function renderVcard(item: Item, version: VCardVersion): string {
  return contactToVcard(item.props, version, `convene-${item.id}`);
}

/** RFC 6352 5.1.1 / 10.4: 4.0 when the client names it, else 3.0. */
export function vcardVersion(wanted: string | undefined): VCardVersion {
  return wanted !== undefined && /version\s*=\s*"?4\.0/i.test(wanted) ? '4.0' : wanted?.trim() === '4.0' ? '4.0' : '3.0';
}

/** RFC 6352 5.1.1 supported-address-data: vCard only (a missing Content-Type is read as such). */
export function checkVcardType(type: string | undefined): void {
  if (type !== undefined && !/^text\/(x-)?vcard\s*(;|$)/i.test(type.trim())) {
    throw new DavError(415, `Content-Type ${type} is no vCard`, { ns: CARDDAV_NS, name: 'supported-address-data' });
  }
}
