// PidLidGlobalObjectId ⇄ UID ⇄ email:GlobalObjId (src/calendar/globalObjId.ts). Known vectors are the
// specs' own worked examples: MS-ASEMAIL 4.3 (Converting a GlobalObjId to a UID, Examples 1 and 2)
// and the MS-OXOCAL example PidLidGlobalObjectId of an exception (2008-03-25 moved to 03-26). The
// rest is round trips (UID → bytes → UID, bytes → UID → bytes) and every malformed shape → its code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cleanGlobalObjId, globalObjIdBase64, globalObjIdFromUid, GlobalObjIdError, instanceOfGlobalObjId,
  isEncodedGlobalId, uidFromGlobalObjId, uidFromGlobalObjIdBase64,
  type GlobalObjIdErrorCode, type InstanceDate,
} from '../../src/calendar/globalObjId.js';

const CLASS_ID_HEX = '040000008200E00074C5B7101A82E008';
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// ---------------------------------------------------------------------------------------------
// The specs' vectors

/** MS-ASEMAIL 4.3 Example 1: an Outlook id for the 2004-09-16 instance. */
const ASEMAIL_EX1 = {
  b64: 'BAAAAIIA4AB0xbcQGoLgCAfUCRDgQMnBJoXEAQAAAAAAAAAAEAAAAAvw7UtuTulOnjnjhns3jvM=',
  uid: '040000008200E00074C5B7101A82E00800000000E040C9C12685C4010000000000000000100000000BF0ED4B6E4EE94E9E39E3867B378EF3',
  instance: { year: 2004, month: 9, day: 16 },
};
/** MS-ASEMAIL 4.3 Example 2: a third-party UID wrapped as vCal-Uid, header all zero. */
const ASEMAIL_EX2 = {
  b64: 'BAAAAIIA4AB0xbcQGoLgCAAAAAAAAAAAAAAAAAAAAAAAAAAAMwAAAHZDYWwtVWlkAQAAAHs4MTQxMkQzQy0yQTI0LTRFOUQtQjIwRS0xMUY3QkJFOTI3OTl9AA==',
  uid: '{81412D3C-2A24-4E9D-B20E-11F7BBE92799}',
};
/** MS-OXOCAL PidLidGlobalObjectId example (cb 56): exception to the 2008-03-25 instance. */
const OXOCAL_EXCEPTION = {
  bytes: hex(`${CLASS_ID_HEX} 07D80319 5025D461E473C801 0000000000000000 10000000 2A5844B3A444F74A9C246C60886F116B`),
  instance: { year: 2008, month: 3, day: 25 },
  uid: `${CLASS_ID_HEX}00000000 5025D461E473C801 0000000000000000 10000000 2A5844B3A444F74A9C246C60886F116B`
    .replace(/\s+/g, ''),
};

describe('spec vectors', () => {
  test('MS-ASEMAIL 4.3 Example 1: Outlook id → hex UID with bytes 16–19 zeroed', () => {
    assert.equal(uidFromGlobalObjIdBase64(ASEMAIL_EX1.b64), ASEMAIL_EX1.uid);
    assert.deepEqual(instanceOfGlobalObjId(Buffer.from(ASEMAIL_EX1.b64, 'base64')), ASEMAIL_EX1.instance);
  });

  test('MS-ASEMAIL 4.3 Example 1 backwards: UID + instance date → the same base64', () => {
    assert.equal(globalObjIdBase64(ASEMAIL_EX1.uid, ASEMAIL_EX1.instance), ASEMAIL_EX1.b64);
  });

  test('MS-ASEMAIL 4.3 Example 2: vCal-Uid → the UID text', () => {
    assert.equal(uidFromGlobalObjIdBase64(ASEMAIL_EX2.b64), ASEMAIL_EX2.uid);
    assert.equal(instanceOfGlobalObjId(Buffer.from(ASEMAIL_EX2.b64, 'base64')), undefined);
  });

  test('MS-ASEMAIL 4.3 Example 2 backwards: wrapping the UID gives the spec bytes exactly', () => {
    const bytes = globalObjIdFromUid(ASEMAIL_EX2.uid);
    assert.equal(bytes.length, 91);
    assert.equal(bytes.readUInt32LE(36), 0x33); // 51 = 12-byte prefix + 38-byte UID + NUL
    assert.equal(bytes.toString('base64'), ASEMAIL_EX2.b64);
  });

  test('MS-OXOCAL 2.2.1.27 example: big-endian year, instance date, clean UID', () => {
    const { bytes, instance, uid } = OXOCAL_EXCEPTION;
    assert.deepEqual(instanceOfGlobalObjId(bytes), instance);
    assert.equal(uidFromGlobalObjId(bytes), uid);
    assert.deepEqual(globalObjIdFromUid(uid, instance), bytes);
    // MS-OXOCAL 2.2.1.28: the clean id is the UID's bytes.
    assert.deepEqual(cleanGlobalObjId(bytes), hex(uid));
    assert.equal(instanceOfGlobalObjId(cleanGlobalObjId(bytes)), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Third-party UIDs: MS-ASEMAIL 2.2.2.37 VCALID

const THIRD_PARTY: { name: string; uid: string }[] = [
  { name: 'ASCII (RFC 5545 style)', uid: '19970901T130000Z-123401@example.com' },
  { name: 'Google-style', uid: '7kukuqrfedlm2f9t0vn0d8ubhs@google.com' },
  { name: 'UTF-8 (2-, 3- and 4-byte)', uid: 'réunion-会議-🗓️@exämple.org' },
  { name: 'with spaces and punctuation', uid: '  a uid, with spaces; and "quotes"  ' },
  { name: 'one character', uid: 'x' },
  { name: 'long (10 000 characters)', uid: 'u'.repeat(9_990) + '@long.test' },
  { name: 'lowercase hex, but too short to be a GOID', uid: '040000008200e00074c5b7101a82e008' },
  { name: 'hex with the wrong prefix', uid: '050000008200E00074C5B7101A82E008'.padEnd(90, '0') },
  { name: 'GOID-prefixed but of odd length', uid: CLASS_ID_HEX.padEnd(83, '0') },
  { name: 'GOID-prefixed with a non-hex tail', uid: CLASS_ID_HEX.padEnd(88, '0') + 'XYZ0' },
];

describe('third-party UIDs (MS-ASEMAIL 2.2.2.37 VCALID)', () => {
  for (const { name, uid } of THIRD_PARTY) {
    test(`${name}: UID → vCal-Uid bytes → UID`, () => {
      assert.equal(isEncodedGlobalId(uid), false);
      const bytes = globalObjIdFromUid(uid);
      const text = Buffer.from(uid, 'utf8');
      assert.equal(bytes.toString('hex', 0, 16).toUpperCase(), CLASS_ID_HEX);
      assert.deepEqual(bytes.subarray(16, 36), Buffer.alloc(20)); // no instance, time or padding
      assert.equal(bytes.readUInt32LE(36), 8 + 4 + text.length + 1);
      assert.equal(bytes.toString('latin1', 40, 48), 'vCal-Uid');
      assert.deepEqual(bytes.subarray(48, 52), Buffer.from([1, 0, 0, 0]));
      assert.deepEqual(bytes.subarray(52, -1), text);
      assert.equal(bytes[bytes.length - 1], 0);
      assert.equal(uidFromGlobalObjId(bytes), uid);
      assert.equal(uidFromGlobalObjIdBase64(globalObjIdBase64(uid)), uid);
    });
  }

  test('the same UID always gives the same bytes (Creation Time stays zero)', () => {
    assert.deepEqual(globalObjIdFromUid('same@example.com'), globalObjIdFromUid('same@example.com'));
  });
});

// ---------------------------------------------------------------------------------------------
// Exchange-form UIDs: MS-OXCICAL 2.1.3.1.1.20.26 EncodedGlobalId

/** A well-formed Outlook-style id with `dataHex` as Data and a Creation Time. */
function outlookUid(dataHex: string, creation = 'E040C9C12685C401'): string {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(dataHex.length / 2);
  return `${CLASS_ID_HEX}00000000${creation}0000000000000000${size.toString('hex')}${dataHex}`.toUpperCase();
}

describe('Exchange-form UIDs (MS-OXCICAL EncodedGlobalId)', () => {
  const cases = [
    { name: 'MS-ASEMAIL 4.3 Example 1 UID', uid: ASEMAIL_EX1.uid },
    { name: 'MS-OXOCAL example clean UID', uid: OXOCAL_EXCEPTION.uid },
    { name: 'shortest: one Data byte (82 hex digits)', uid: outlookUid('AB') },
    { name: 'zero Creation Time, 200 Data bytes', uid: outlookUid('5A'.repeat(200), '0'.repeat(16)) },
  ];
  for (const { name, uid } of cases) {
    test(`${name}: UID → bytes → UID, bytes → UID → bytes`, () => {
      assert.equal(isEncodedGlobalId(uid), true);
      const bytes = globalObjIdFromUid(uid);
      assert.deepEqual(bytes, hex(uid)); // decoded, not wrapped
      assert.equal(uidFromGlobalObjId(bytes), uid);
      assert.deepEqual(globalObjIdFromUid(uidFromGlobalObjId(bytes)), bytes);
    });
  }

  test('MS-OXCICAL: the prefix test is case-insensitive; the way back is uppercase', () => {
    const lower = ASEMAIL_EX1.uid.toLowerCase();
    assert.deepEqual(globalObjIdFromUid(lower), hex(ASEMAIL_EX1.uid));
    assert.equal(uidFromGlobalObjId(globalObjIdFromUid(lower)), ASEMAIL_EX1.uid);
  });

  test('a hex UID carrying an instance date is the series: no `instance` → clean bytes', () => {
    const withDate = OXOCAL_EXCEPTION.bytes.toString('hex').toUpperCase();
    assert.deepEqual(globalObjIdFromUid(withDate), hex(OXOCAL_EXCEPTION.uid));
    assert.equal(uidFromGlobalObjId(OXOCAL_EXCEPTION.bytes), OXOCAL_EXCEPTION.uid);
  });

  test('hex of a vCal-Uid GOID names the same meeting as the wrapped text', () => {
    const asHex = Buffer.from(ASEMAIL_EX2.b64, 'base64').toString('hex').toUpperCase();
    assert.deepEqual(globalObjIdFromUid(asHex), globalObjIdFromUid(ASEMAIL_EX2.uid));
    assert.equal(uidFromGlobalObjId(globalObjIdFromUid(asHex)), ASEMAIL_EX2.uid);
  });
});

// ---------------------------------------------------------------------------------------------
// Instances: MS-OXOCAL 2.2.1.27 YH YL M D and 2.2.1.28 PidLidCleanGlobalObjectId

describe('instance ids and clean ids (MS-OXOCAL 2.2.1.27, 2.2.1.28)', () => {
  const uids = ['meeting@example.com', ASEMAIL_EX1.uid];
  const dates: InstanceDate[] = [
    { year: 2024, month: 2, day: 29 }, { year: 1999, month: 12, day: 31 },
    { year: 2038, month: 1, day: 19 }, { year: 1601, month: 1, day: 1 }, { year: 9999, month: 12, day: 31 },
  ];
  for (const uid of uids) {
    for (const date of dates) {
      const when = `${date.year}-${date.month}-${date.day}`;
      test(`${uid.slice(0, 24)}… @ ${when}: bytes 16–19, UID, clean id`, () => {
        const series = globalObjIdFromUid(uid);
        const instance = globalObjIdFromUid(uid, date);
        assert.equal(instance.readUInt16BE(16), date.year);
        assert.deepEqual([instance[18], instance[19]], [date.month, date.day]);
        assert.deepEqual(instanceOfGlobalObjId(instance), date);
        assert.equal(instanceOfGlobalObjId(series), undefined);
        // Only bytes 16–19 differ; cleaning makes them equal; both name the same UID.
        assert.deepEqual(instance.subarray(0, 16), series.subarray(0, 16));
        assert.deepEqual(instance.subarray(20), series.subarray(20));
        assert.notDeepEqual(instance, series);
        assert.deepEqual(cleanGlobalObjId(instance), series);
        assert.deepEqual(cleanGlobalObjId(series), series);
        assert.equal(uidFromGlobalObjId(instance), uid);
        assert.deepEqual(globalObjIdFromUid(uidFromGlobalObjId(instance), instanceOfGlobalObjId(instance)), instance);
      });
    }
  }

  test('cleanGlobalObjId copies; the input is left alone', () => {
    const instance = globalObjIdFromUid('copy@example.com', { year: 2025, month: 6, day: 1 });
    const before = Buffer.from(instance);
    cleanGlobalObjId(instance);
    assert.deepEqual(instance, before);
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed input → GlobalObjIdError with a stable code

const expectCode = (code: GlobalObjIdErrorCode) => (e: unknown) => {
  assert.ok(e instanceof GlobalObjIdError, `expected GlobalObjIdError, got ${String(e)}`);
  assert.equal(e.code, code);
  return true;
};

/** A valid vCal-Uid id for "abc", to be broken one field at a time. */
const good = () => globalObjIdFromUid('abc');
const edit = (f: (b: Buffer) => void) => { const b = good(); f(b); return b; };

const MALFORMED_BYTES: { name: string; bytes: Buffer; code: GlobalObjIdErrorCode }[] = [
  { name: 'empty', bytes: Buffer.alloc(0), code: 'GOID_TRUNCATED' },
  { name: 'Byte Array ID only', bytes: hex(CLASS_ID_HEX), code: 'GOID_TRUNCATED' },
  { name: 'header cut at 39 bytes', bytes: good().subarray(0, 39), code: 'GOID_TRUNCATED' },
  { name: 'header only, Size 0', bytes: Buffer.concat([hex(CLASS_ID_HEX), Buffer.alloc(24)]), code: 'GOID_TRUNCATED' },
  { name: 'first byte of the class id wrong', bytes: edit(b => { b[0] = 0x05; }), code: 'GOID_BAD_CLASS_ID' },
  { name: 'last byte of the class id wrong', bytes: edit(b => { b[15] = 0x09; }), code: 'GOID_BAD_CLASS_ID' },
  { name: 'Data cut short of Size', bytes: good().subarray(0, -1), code: 'GOID_SIZE_MISMATCH' },
  { name: 'a byte after Data', bytes: Buffer.concat([good(), Buffer.from([0])]), code: 'GOID_SIZE_MISMATCH' },
  { name: 'Size read big-endian', bytes: edit(b => { b.writeUInt32BE(b.length - 40, 36); }), code: 'GOID_SIZE_MISMATCH' },
  {
    // 24 zero bytes between class id and Size, not 20: Size reads 0 while 20 bytes follow.
    name: 'one 4-byte field too many (as once hand-written in a fixture)',
    bytes: Buffer.from('BAAAAIIA4AB0xbcQGoLgCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAABrPhwvml1ODIt6b15NPCsa', 'base64'),
    code: 'GOID_SIZE_MISMATCH',
  },
  { name: 'vCal-Uid version 2', bytes: edit(b => { b[48] = 2; }), code: 'GOID_BAD_VCAL_UID' },
  { name: 'vCal-Uid without its NUL', bytes: edit(b => { b[b.length - 1] = 0x41; }), code: 'GOID_BAD_VCAL_UID' },
  {
    name: 'vCal-Uid Data cut inside the version',
    bytes: (() => { const b = good().subarray(0, 50); b.writeUInt32LE(10, 36); return b; })(),
    code: 'GOID_BAD_VCAL_UID',
  },
  {
    name: 'vCal-Uid with an empty UID',
    bytes: (() => { const b = good().subarray(0, 53); b.writeUInt32LE(13, 36); b[52] = 0; return b; })(),
    code: 'GOID_BAD_VCAL_UID',
  },
  { name: 'vCal-Uid UID not UTF-8', bytes: edit(b => { b[52] = 0xff; }), code: 'GOID_BAD_VCAL_UID' },
];

describe('malformed bytes → GlobalObjIdError', () => {
  for (const { name, bytes, code } of MALFORMED_BYTES) {
    test(`${name} → ${code}`, () => {
      assert.throws(() => uidFromGlobalObjId(bytes), expectCode(code));
      if (code !== 'GOID_BAD_VCAL_UID') {
        assert.throws(() => cleanGlobalObjId(bytes), expectCode(code));
        assert.throws(() => instanceOfGlobalObjId(bytes), expectCode(code));
      }
    });
  }

  const badDates: [string, (b: Buffer) => void][] = [
    ['month 13', b => { b.writeUInt16BE(2024, 16); b[18] = 13; b[19] = 1; }],
    ['day 0', b => { b.writeUInt16BE(2024, 16); b[18] = 1; b[19] = 0; }],
    ['February 29 in 2023', b => { b.writeUInt16BE(2023, 16); b[18] = 2; b[19] = 29; }],
    ['year 0 with a month and day', b => { b[18] = 5; b[19] = 5; }],
    ['year read little-endian (0xE807)', b => { b.writeUInt16LE(2024, 16); b[18] = 5; b[19] = 5; }],
  ];
  for (const [name, f] of badDates) {
    test(`bytes 16–19 ${name} → GOID_BAD_INSTANCE`, () => {
      assert.throws(() => instanceOfGlobalObjId(edit(f)), expectCode('GOID_BAD_INSTANCE'));
      // The UID ignores bytes 16–19, so it is still readable.
      assert.equal(uidFromGlobalObjId(edit(f)), 'abc');
    });
  }
});

describe('UIDs and arguments that cannot become a GlobalObjId', () => {
  test('empty UID → GOID_BAD_UID (MS-OXCICAL ThirdPartyGlobalId is 1*UTF8-octets)', () => {
    assert.throws(() => globalObjIdFromUid(''), expectCode('GOID_BAD_UID'));
  });

  test('lone surrogate → GOID_BAD_UID (would not survive UTF-8)', () => {
    assert.throws(() => globalObjIdFromUid('abc\uD800def'), expectCode('GOID_BAD_UID'));
    assert.throws(() => globalObjIdFromUid('\uDC00'), expectCode('GOID_BAD_UID'));
  });

  test('Exchange-form UID whose Size disagrees → GOID_SIZE_MISMATCH', () => {
    const bad = ASEMAIL_EX1.uid.slice(0, 72) + '11000000' + ASEMAIL_EX1.uid.slice(80);
    assert.equal(isEncodedGlobalId(bad), true);
    assert.throws(() => globalObjIdFromUid(bad), expectCode('GOID_SIZE_MISMATCH'));
  });

  const badInstances: InstanceDate[] = [
    { year: 2024, month: 0, day: 1 }, { year: 2024, month: 13, day: 1 }, { year: 2024, month: 4, day: 31 },
    { year: 0, month: 1, day: 1 }, { year: 10_000, month: 1, day: 1 }, { year: 2024.5, month: 1, day: 1 },
    { year: 2100, month: 2, day: 29 },
  ];
  for (const date of badInstances) {
    test(`instance ${date.year}-${date.month}-${date.day} → GOID_BAD_INSTANCE`, () => {
      assert.throws(() => globalObjIdFromUid('abc', date), expectCode('GOID_BAD_INSTANCE'));
    });
  }

  for (const b64 of ['not base64!', 'QUJD\nREVG', 'QUJDRA', '====', ASEMAIL_EX2.b64.slice(0, -2) + '=']) {
    test(`GlobalObjId ${JSON.stringify(b64.slice(0, 16))} → GOID_BAD_BASE64`, () => {
      assert.throws(() => uidFromGlobalObjIdBase64(b64), expectCode('GOID_BAD_BASE64'));
    });
  }

  test('valid base64 of a non-GOID → the layout error, not a UID', () => {
    assert.throws(() => uidFromGlobalObjIdBase64(''), expectCode('GOID_TRUNCATED'));
    assert.throws(() => uidFromGlobalObjIdBase64(Buffer.alloc(48, 1).toString('base64')), expectCode('GOID_BAD_CLASS_ID'));
  });
});
