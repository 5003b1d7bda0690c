// The Contact class's elements (MS-ASCNTC 2.2.2) and which protocol versions have each, from the
// Protocol Versions table of every element's section. Names are the WBXML code page's (src/wbxml/
// codepages.ts); where MS-ASCNTC spells an element otherwise it is noted (BusinessCity is MS-ASCNTC
// BusinessAddressCity, and so on for the Home, Business and Other addresses).

/** How a value is read and checked (MS-ASCNTC 6.1, 6.2 schemas). */
export type ContactValueKind = 'text' | 'date' | 'list' | 'picture' | 'integer' | 'body';

export interface ContactElement {
  kind: ContactValueKind;
  /** First version that has the element, and the first that no longer has it. */
  since: number;
  until: number;
  /** A list's item element (Categories → Category, Children → Child). */
  item?: string | undefined;
}

const C = (name: string) => `Contacts:${name}`;
const C2 = (name: string) => `Contacts2:${name}`;
const ALL = { since: 0, until: Infinity };

const TEXT = [
  'AssistantName', 'AssistantPhoneNumber', 'Business2PhoneNumber', 'BusinessCity', 'BusinessCountry', 'BusinessPostalCode',
  'BusinessState', 'BusinessStreet', 'BusinessFaxNumber', 'BusinessPhoneNumber', 'CarPhoneNumber', 'CompanyName', 'Department',
  'Email1Address', 'Email2Address', 'Email3Address', 'FileAs', 'FirstName', 'Home2PhoneNumber', 'HomeCity', 'HomeCountry',
  'HomePostalCode', 'HomeState', 'HomeStreet', 'HomeFaxNumber', 'HomePhoneNumber', 'JobTitle', 'LastName', 'MiddleName',
  'MobilePhoneNumber', 'OfficeLocation', 'OtherCity', 'OtherCountry', 'OtherPostalCode', 'OtherState', 'OtherStreet',
  'PagerNumber', 'RadioPhoneNumber', 'Spouse', 'Suffix', 'Title', 'WebPage', 'YomiCompanyName', 'YomiFirstName', 'YomiLastName',
];

/** MS-ASCNTC 2.2.2.x Contacts2 (code page 12): every one a string, in every version. */
const TEXT2 = ['CustomerId', 'GovernmentId', 'IMAddress', 'IMAddress2', 'IMAddress3', 'ManagerName', 'CompanyMainPhone',
  'AccountName', 'NickName', 'MMS'];

/**
 * Every Contact class element a device may send or receive, by qualified name. Not listed, so
 * neither stored nor sent: the 2.5 response-only BodySize and BodyTruncated (MS-ASCNTC 2.2.2.8,
 * 2.2.2.9, written by the server, never read), CompressedRTF (a code page token MS-ASCNTC does not
 * define), and anything of another class.
 */
export const CONTACT_ELEMENTS: ReadonlyMap<string, ContactElement> = new Map<string, ContactElement>([
  ...TEXT.map(n => [C(n), { kind: 'text', ...ALL }] as const),
  ...TEXT2.map(n => [C2(n), { kind: 'text', ...ALL }] as const),
  // MS-ASCNTC 2.2.2.3, 2.2.2.6: dateTime (MS-ASDTYPE 2.3).
  [C('Anniversary'), { kind: 'date', ...ALL }],
  [C('Birthday'), { kind: 'date', ...ALL }],
  // MS-ASCNTC 2.2.2.19–2.2.2.22: up to 300 Category per Categories, 300 Child per Children.
  [C('Categories'), { kind: 'list', item: C('Category'), ...ALL }],
  [C('Children'), { kind: 'list', item: C('Child'), ...ALL }],
  // MS-ASCNTC 2.2.2.58: base64, at most 48 KB of it (picture.ts).
  [C('Picture'), { kind: 'picture', ...ALL }],
  // MS-ASCNTC 2.2.2.2, 2.2.2.64: 14.0 and later (recipient information cache entries).
  [C('Alias'), { kind: 'text', since: 14, until: Infinity }],
  [C('WeightedRank'), { kind: 'integer', since: 14, until: Infinity }],
  // MS-ASCNTC 2.2.2.7.2: the notes are contacts:Body in 2.5 only; 2.2.2.7.1: airsyncbase:Body from 12.0.
  [C('Body'), { kind: 'body', since: 0, until: 12 }],
  ['AirSyncBase:Body', { kind: 'body', since: 12, until: Infinity }],
]);

/** The notes as the store keeps them, whatever the version they came in. */
export const NOTES = 'AirSyncBase:Body';
export const LEGACY_NOTES = C('Body');
export const LEGACY_NOTES_SIZE = C('BodySize');
export const LEGACY_NOTES_TRUNCATED = C('BodyTruncated');

/** Whether a device of this version has the element (MS-ASCNTC Protocol Versions tables). */
export function hasElement(name: string, version: number): boolean {
  const el = CONTACT_ELEMENTS.get(name);
  return !!el && version >= el.since && version < el.until;
}

/** The element a version writes the stored notes as. */
export function notesElementFor(version: number): string {
  return hasElement(NOTES, version) ? NOTES : LEGACY_NOTES;
}
