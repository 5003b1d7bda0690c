// vCard (RFC 2426 3.0, RFC 6350 4.0) ⇄ the EAS Contact class (MS-ASCNTC), for CardDAV (docs/dav.md,
// "vCard mapping"). Parsing is ical.js's (ICAL.parse reads vCard 3.0 and 4.0: unfolding, escapes,
// parameters); each parsed property is paired with its raw line, so a property the Contact class
// cannot hold (and the UID) is kept verbatim in VCARD_EXTRA and written back on the way out.
// The elements produced here are checked by contactFromDevice / mergeContact (src/contacts/eas.ts),
// so a vCard is held to the same rules as a device's contact (dates, 48 KB photo, lists).
import ICAL from 'ical.js';
import type { ItemProps, PropNode } from '../store/types.js';
import { propText } from '../store/props.js';

/** Stored beside the Contact elements; never sent to a device (contactToDevice knows only MS-ASCNTC). */
export const VCARD_EXTRA = 'Convene:VCardExtra';

export class VCardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VCardError';
  }
}

const C = (n: string): string => `Contacts:${n}`;
const BODY = 'AirSyncBase:Body';
const ADDRESS = { work: 'Business', home: 'Home', other: 'Other' } as const;
const ADDRESS_PARTS = ['Street', 'City', 'State', 'PostalCode', 'Country'] as const;

/** Every element a vCard speaks for: one the vCard leaves out is cleared by a CardDAV PUT. */
export const VCARD_ELEMENTS: readonly string[] = [
  'FileAs', 'LastName', 'FirstName', 'MiddleName', 'Title', 'Suffix', 'Email1Address', 'Email2Address', 'Email3Address',
  'MobilePhoneNumber', 'BusinessPhoneNumber', 'Business2PhoneNumber', 'HomePhoneNumber', 'Home2PhoneNumber',
  'BusinessFaxNumber', 'HomeFaxNumber', 'PagerNumber', 'CarPhoneNumber', 'CompanyName', 'Department', 'JobTitle',
  'Birthday', 'Anniversary', 'Categories', 'Picture', 'WebPage',
  ...Object.values(ADDRESS).flatMap(a => ADDRESS_PARTS.map(p => `${a}${p}`)),
].map(C).concat(['Contacts2:NickName', BODY]);

type JProp = [name: string, params: Record<string, string | string[]>, type: string, ...values: unknown[]];

/** vCard text → Contact elements (unchecked) and the VCARD_EXTRA node of what they cannot hold. */
export function vcardToContact(text: string): ItemProps {
  const lines = unfold(text);
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text);
  } catch (e) {
    throw new VCardError(`not a vCard: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200));
  }
  // RFC 6352 5.1: one vCard per address object resource.
  if (!Array.isArray(parsed) || parsed[0] !== 'vcard') throw new VCardError('an address object resource holds exactly one vCard');
  const props = parsed[1] as JProp[];
  const content = lines.filter(l => !/^(BEGIN|END):VCARD$/i.test(l));
  if (content.length !== props.length) throw new VCardError('the vCard has lines that are no properties');
  const out = new Map<string, PropNode>();
  const set = (name: string, value: string): boolean => {
    if (out.has(name) || value === '') return false;
    out.set(name, [name, value]);
    return true;
  };
  const extra: string[] = [];
  const version = String(props.find(p => p[0] === 'version')?.[3] ?? '');
  if (version !== '3.0' && version !== '4.0') throw new VCardError(`vCard VERSION ${version.slice(0, 10) || '(none)'} is not 3.0 or 4.0`);
  props.forEach((p, i) => { if (!take(p, out, set)) extra.push(content[i]); });
  if (![...out.keys()].some(k => k !== BODY) && !props.some(p => p[0] === 'fn' && String(p[3]).trim() !== '')) {
    throw new VCardError('the vCard has no FN and nothing else Convene can keep');
  }
  return [...out.values(), ...(extra.length ? [[VCARD_EXTRA, extra.join('\r\n')] as PropNode] : [])];
}

/** Takes one property into the elements; false: it goes to VCARD_EXTRA as it came. */
function take(p: JProp, out: Map<string, PropNode>, set: (name: string, value: string) => boolean): boolean {
  const [name, params, , ...values] = p;
  const value = values.length === 1 ? values[0] : values;
  const types = typesOf(params);
  // ical.js leaves `\;` of a text value as it is (RFC 6350 3.4 needs it only in compound values; 3.0 writers send it).
  const str = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(',') : String(v ?? '')).replace(/\\;/g, ';').trim();
  switch (name) {
    case 'version': case 'prodid': return true;
    case 'fn': return set(C('FileAs'), str(value)) || true;
    case 'n': {
      const [last, first, middle, prefix, suffix] = (Array.isArray(value) ? value : [value]).map(str);
      [['LastName', last], ['FirstName', first], ['MiddleName', middle], ['Title', prefix], ['Suffix', suffix]]
        .forEach(([el, v]) => set(C(el!), v ?? ''));
      return true;
    }
    case 'email':
      return ['Email1Address', 'Email2Address', 'Email3Address'].some(el => set(C(el), str(value)));
    case 'tel': return telSlots(types).some(el => set(C(el), str(value).replace(/^tel:/i, '')));
    case 'adr': {
      const kind = types.includes('work') ? ADDRESS.work : types.includes('home') ? ADDRESS.home : ADDRESS.other;
      if (out.has(C(`${kind}Street`)) || out.has(C(`${kind}City`))) return false;
      const [pobox, ext, street, city, region, code, country] = (Array.isArray(value) ? value : [value]).map(str);
      set(C(`${kind}Street`), [pobox, ext, street].filter(Boolean).join('\n'));
      [['City', city], ['State', region], ['PostalCode', code], ['Country', country]].forEach(([el, v]) => set(C(`${kind}${el}`), v ?? ''));
      return true;
    }
    case 'org': {
      const [company, department] = (Array.isArray(value) ? value : [value]).map(str);
      set(C('CompanyName'), company ?? '');
      set(C('Department'), department ?? '');
      return true;
    }
    case 'title': return set(C('JobTitle'), str(value));
    case 'url': return set(C('WebPage'), str(value));
    case 'nickname': return set('Contacts2:NickName', str(value));
    case 'bday': case 'anniversary': case 'x-anniversary': {
      // A date without a year (4.0 --MMDD) has no MS-ASDTYPE form: kept as it came.
      const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(str(value));
      return !!m && set(C(name === 'bday' ? 'Birthday' : 'Anniversary'), `${m[1]}-${m[2]}-${m[3]}T00:00:00.000Z`);
    }
    case 'note':
      if (out.has(BODY)) return false;
      out.set(BODY, [BODY, [['AirSyncBase:Type', '1'], ['AirSyncBase:Data', str(value)]]]);
      return true;
    case 'categories': {
      if (out.has(C('Categories'))) return false;
      const list = values.flatMap(v => (Array.isArray(v) ? v : [v])).map(str).filter(Boolean);
      if (list.length) out.set(C('Categories'), [C('Categories'), list.map(c => [C('Category'), c] as PropNode)]);
      return true;
    }
    case 'photo': {
      const v = str(value);
      const data = /^data:[^,]*;base64,(.*)$/is.exec(v);
      const inline = data ? data[1] : /^b$/i.test(str(params.encoding)) || /^base64$/i.test(str(params.encoding)) ? v : undefined;
      return inline !== undefined && set(C('Picture'), inline);
    }
    default: return false;
  }
}

/** RFC 2426 3.3.1 / RFC 6350 6.4.1 TYPE → the phone elements to fill, first free one wins. */
function telSlots(types: string[]): string[] {
  const has = (t: string): boolean => types.includes(t);
  if (has('fax')) return [has('home') ? 'HomeFaxNumber' : 'BusinessFaxNumber'];
  if (has('cell') || has('mobile') || has('iphone')) return ['MobilePhoneNumber'];
  if (has('pager')) return ['PagerNumber'];
  if (has('car')) return ['CarPhoneNumber'];
  if (has('work')) return ['BusinessPhoneNumber', 'Business2PhoneNumber'];
  return ['HomePhoneNumber', 'Home2PhoneNumber'];
}

function typesOf(params: Record<string, string | string[]>): string[] {
  const t = params.type;
  return (Array.isArray(t) ? t : t ? [t] : []).flatMap(s => s.split(',')).map(s => s.trim().toLowerCase());
}

/** RFC 6350 3.2: unfolded content lines. */
function unfold(text: string): string[] {
  return text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/).filter(l => l.trim() !== '');
}

// ─── store → vCard ──────────────────────────────────────────────────────────────────────────────

export type VCardVersion = '3.0' | '4.0';

/** The stored contact as one vCard; `uid` names it when no UID came with it (a device's contact). */
export function contactToVcard(props: ItemProps, version: VCardVersion, uid: string): string {
  const get = (n: string): string => propText(props, n) ?? '';
  const v4 = version === '4.0';
  const lines = ['BEGIN:VCARD', `VERSION:${version}`, 'PRODID:-//Convene//CardDAV//EN'];
  const extra = get(VCARD_EXTRA);
  if (!/^UID[;:]/im.test(extra)) lines.push(`UID:${esc(uid)}`);
  const names = ['LastName', 'FirstName', 'MiddleName', 'Title', 'Suffix'].map(n => get(C(n)));
  const fn = get(C('FileAs')) || [names[3], names[1], names[2], names[0], names[4]].filter(Boolean).join(' ')
    || get(C('CompanyName')) || get(C('Email1Address'));
  lines.push(`FN:${esc(fn)}`, `N:${names.map(esc).join(';')}`);
  ['Email1Address', 'Email2Address', 'Email3Address'].forEach(n => get(C(n)) && lines.push(`EMAIL${v4 ? '' : ';TYPE=INTERNET'}:${esc(get(C(n)))}`));
  for (const [el, type] of TEL_OUT) if (get(C(el))) lines.push(`TEL;TYPE=${type}:${esc(get(C(el)))}`);
  for (const [type, prefix] of Object.entries(ADDRESS)) {
    const [street, city, state, code, country] = ADDRESS_PARTS.map(p => get(C(`${prefix}${p}`)));
    if ([street, city, state, code, country].some(Boolean)) lines.push(`ADR;TYPE=${type}:;;${[street, city, state, code, country].map(esc).join(';')}`);
  }
  if (get(C('CompanyName')) || get(C('Department'))) lines.push(`ORG:${[get(C('CompanyName')), get(C('Department'))].map(esc).join(';')}`);
  if (get(C('JobTitle'))) lines.push(`TITLE:${esc(get(C('JobTitle')))}`);
  if (get('Contacts2:NickName')) lines.push(`NICKNAME:${esc(get('Contacts2:NickName'))}`);
  if (get(C('WebPage'))) lines.push(`URL:${get(C('WebPage'))}`);
  for (const [el, prop] of [['Birthday', 'BDAY'], ['Anniversary', v4 ? 'ANNIVERSARY' : 'X-ANNIVERSARY']] as const) {
    const day = get(C(el)).slice(0, 10);
    if (day) lines.push(`${prop}:${v4 ? day.replace(/-/g, '') : day}`);
  }
  const categories = props.find(p => p[0] === C('Categories'))?.[1];
  if (Array.isArray(categories) && categories.length) lines.push(`CATEGORIES:${categories.map(c => esc(String(c[1]))).join(',')}`);
  const note = notesText(props);
  if (note) lines.push(`NOTE:${esc(note)}`);
  const photo = get(C('Picture'));
  if (photo) {
    const type = imageType(photo);
    lines.push(v4 ? `PHOTO:data:image/${type.toLowerCase()};base64,${photo}` : `PHOTO;ENCODING=b;TYPE=${type}:${photo}`);
  }
  if (extra) lines.push(...extra.split('\r\n'));
  lines.push('END:VCARD');
  return lines.map(fold).join('\r\n') + '\r\n';
}

const TEL_OUT: [string, string][] = [
  ['MobilePhoneNumber', 'cell'], ['BusinessPhoneNumber', 'work'], ['Business2PhoneNumber', 'work'],
  ['HomePhoneNumber', 'home'], ['Home2PhoneNumber', 'home'], ['BusinessFaxNumber', 'work,fax'],
  ['HomeFaxNumber', 'home,fax'], ['PagerNumber', 'pager'], ['CarPhoneNumber', 'car'],
];

/** The notes as a vCard NOTE shows them. */
export function notesText(props: ItemProps): string {
  const body = props.find(p => p[0] === BODY)?.[1];
  if (!Array.isArray(body)) return '';
  const type = propText(body, 'AirSyncBase:Type');
  const data = propText(body, 'AirSyncBase:Data') ?? '';
  // HTML notes as their text; RTF (Type 3) cannot be shown in a vCard.
  return type === '2' ? data.replace(/<[^>]*>/g, '').trim() : type === '3' ? '' : data;
}

function imageType(base64: string): string {
  if (base64.startsWith('iVBOR')) return 'PNG';
  if (base64.startsWith('R0lG')) return 'GIF';
  return 'JPEG';
}

/** RFC 6350 3.4 text escapes. */
function esc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;');
}

/** RFC 6350 3.2: lines longer than 75 octets folded, never inside a UTF-8 sequence. */
function fold(line: string): string {
  if (Buffer.byteLength(line) <= 75) return line;
  const parts: string[] = [];
  let cur = '';
  let size = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (size + n > (parts.length ? 74 : 75)) {
      parts.push(cur);
      cur = '';
      size = 0;
    }
    cur += ch;
    size += n;
  }
  parts.push(cur);
  return parts.join('\r\n ');
}
