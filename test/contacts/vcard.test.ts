// vCard 3.0 / 4.0 ⇄ the Contact class (src/contacts/vcard.ts): the mapping table of docs/dav.md,
// what goes to the kept lines, and the refusals. No store: the module is pure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contactToVcard, VCARD_EXTRA, VCardError, vcardToContact } from '../../src/contacts/vcard.js';
import type { ItemProps } from '../../src/store/types.js';
import { propText } from '../helpers/items.js';

const card = (version: string, lines: string[]): string => ['BEGIN:VCARD', `VERSION:${version}`, ...lines, 'END:VCARD', ''].join('\r\n');
const text = (props: ItemProps, name: string): string | undefined => propText(props, name);

describe('vCard ⇄ MS-ASCNTC Contact', () => {
  it('reads vCard 4.0: tel: URIs, a data: PHOTO, a basic BDAY, ANNIVERSARY, quoted TYPE lists', () => {
    const props = vcardToContact(card('4.0', ['FN:Ann Four', 'TEL;VALUE=uri;TYPE="voice,work":tel:+1-555-0101', 'TEL;TYPE=cell:+1-555-0102',
      'PHOTO:data:image/png;base64,iVBORw0KGgo=', 'BDAY:19900708', 'ANNIVERSARY:20150601', 'EMAIL;TYPE=work:ann@four.example']));
    assert.equal(text(props, 'Contacts:FileAs'), 'Ann Four');
    assert.equal(text(props, 'Contacts:BusinessPhoneNumber'), '+1-555-0101');
    assert.equal(text(props, 'Contacts:MobilePhoneNumber'), '+1-555-0102');
    assert.equal(text(props, 'Contacts:Picture'), 'iVBORw0KGgo=');
    assert.equal(text(props, 'Contacts:Birthday'), '1990-07-08T00:00:00.000Z');
    assert.equal(text(props, 'Contacts:Anniversary'), '2015-06-01T00:00:00.000Z');
    assert.equal(text(props, VCARD_EXTRA), undefined, 'nothing left over');
  });

  it('keeps what EAS cannot hold verbatim: a fourth EMAIL, a yearless BDAY, a PHOTO by URL, X- and grouped lines, the UID', () => {
    const props = vcardToContact(card('3.0', ['UID:u-1', 'FN:Many', 'EMAIL:a@x', 'EMAIL:b@x', 'EMAIL:c@x', 'EMAIL:d@x', 'BDAY:--0203',
      'PHOTO;VALUE=uri:https://x.example/p.jpg', 'item1.X-ABLabel:Other', 'X-FOO;BAR=1:baz']));
    assert.equal(text(props, 'Contacts:Email3Address'), 'c@x');
    assert.equal(text(props, 'Contacts:Birthday'), undefined);
    assert.equal(text(props, VCARD_EXTRA), ['UID:u-1', 'EMAIL:d@x', 'BDAY:--0203', 'PHOTO;VALUE=uri:https://x.example/p.jpg', 'item1.X-ABLabel:Other', 'X-FOO;BAR=1:baz'].join('\r\n'));
    const out = contactToVcard(props, '3.0', 'never-used');
    assert.ok(out.includes('\r\nUID:u-1\r\n') && !out.includes('never-used'), 'the client\'s UID, not a made one');
    assert.ok(out.includes('\r\nX-FOO;BAR=1:baz\r\n'));
  });

  it('third and later phones of a kind, ADR kinds, and a second NOTE go where they fit', () => {
    const props = vcardToContact(card('3.0', ['FN:P', 'TEL;TYPE=WORK:1', 'TEL;TYPE=WORK:2', 'TEL;TYPE=WORK:3', 'TEL:4', 'TEL;TYPE=PAGER:5',
      'ADR;TYPE=HOME:;;Home St;HT;;;', 'ADR:;;Other St;OT;;;', 'NOTE:one', 'NOTE:two']));
    assert.equal(text(props, 'Contacts:Business2PhoneNumber'), '2');
    assert.equal(text(props, 'Contacts:HomePhoneNumber'), '4');
    assert.equal(text(props, 'Contacts:PagerNumber'), '5');
    assert.equal(text(props, 'Contacts:HomeCity'), 'HT');
    assert.equal(text(props, 'Contacts:OtherStreet'), 'Other St');
    assert.equal(text(props, VCARD_EXTRA), 'TEL;TYPE=WORK:3\r\nNOTE:two');
  });

  it('writes 3.0 and 4.0, escaping text and folding long lines at 75 octets', () => {
    const props: ItemProps = [['Contacts:FirstName', 'Zoë'], ['Contacts:LastName', 'Semi;Colon'], ['Contacts:CompanyName', 'A, B & C'],
      ['Contacts:Picture', 'A'.repeat(200)]];
    const v3 = contactToVcard(props, '3.0', 'id-1');
    assert.ok(v3.includes('N:Semi\\;Colon;Zoë;;;'));
    assert.ok(v3.includes('FN:Zoë Semi\\;Colon'));
    assert.ok(v3.includes('ORG:A\\, B & C;'));
    assert.ok(v3.split('\r\n').every(l => Buffer.byteLength(l) <= 75), 'folded');
    const back = vcardToContact(v3);
    assert.equal(text(back, 'Contacts:LastName'), 'Semi;Colon');
    assert.equal(text(back, 'Contacts:Picture'), 'A'.repeat(200));
    assert.match(contactToVcard(props, '4.0', 'id-1'), /VERSION:4\.0\r\n[\s\S]*PHOTO:data:image\/jpeg;base64,/);
  });

  it('refuses what is no single vCard 3.0 or 4.0', () => {
    for (const bad of ['', 'hello', card('2.1', ['FN:Old']), card('3.0', ['FN:a']) + card('3.0', ['FN:b']), card('3.0', ['NOTE:only notes'])]) {
      assert.throws(() => vcardToContact(bad), VCardError, JSON.stringify(bad.slice(0, 30)));
    }
  });
});
