// Work that input decides, bounded (docs/limits.md "Work that input decides"): VTIMEZONE
// observances, recurrence expansion, HTML conversion, MIME structure. Every guard here counts
// steps or conversions, never time; the transport tests also check that the EAS server answers a
// request sent while the hostile message is being delivered.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ICAL from 'ical.js';
import nodemailer from 'nodemailer';
import { icsToEvents } from '../../src/calendar/ical.js';
import { expansionSteps, MAX_COUNT, MAX_ITERATIONS } from '../../src/calendar/recurrence/expand.js';
import { formatCompact, TimeZoneError, zoneFromVtimezone } from '../../src/calendar/timezone.js';
import { MAX_OBSERVANCE_STEPS, MAX_STEPS_PER_OBSERVANCE } from '../../src/calendar/timezone/observances.js';
import { eventFilterTime } from '../../src/calendar/window.js';
import { conversions, htmlToPlain } from '../../src/mail/bodyText.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { FolderType, type Item, type ItemProps } from '../../src/store/types.js';
import { PACIFIC, propText } from '../helpers/items.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { testWorldAuth } from '../helpers/mailAuth.js';

const FREQS = ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY'];

function vtimezone(stdRule: string, dtstart = '16010101T000000'): string[] {
  return ['BEGIN:VTIMEZONE', 'TZID:Evil Zone',
    'BEGIN:STANDARD', `DTSTART:${dtstart}`, 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0000', `RRULE:${stdRule}`, 'END:STANDARD',
    'BEGIN:DAYLIGHT', `DTSTART:${dtstart}`, 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0100', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
    'END:VTIMEZONE'];
}

function invitation(o: { uid: string; stdRule?: string; rrule?: string }): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Evil//Evil//EN', 'METHOD:REQUEST',
    ...vtimezone(o.stdRule ?? 'FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU'),
    'BEGIN:VEVENT', `UID:${o.uid}`, 'DTSTAMP:20260101T000000Z', 'DTSTART;TZID=Evil Zone:20260601T100000', 'DTEND;TZID=Evil Zone:20260601T110000',
    'SUMMARY:Hostile meeting', ...(o.rrule ? [`RRULE:${o.rrule}`] : []),
    'ORGANIZER:mailto:mallory@evil.example', 'ATTENDEE;RSVP=TRUE:mailto:bob@example.com', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

function mail(subject: string, contentType: string, body: string, extra: string[] = []): Buffer {
  return Buffer.from([`From: mallory@evil.example`, 'To: bob@example.com', `Subject: ${subject}`, ...extra, 'MIME-Version: 1.0',
    `Content-Type: ${contentType}`, '', body, ''].join('\r\n'));
}

const component = (lines: string[]) => new ICAL.Component(ICAL.parse(lines.join('\r\n')));

describe('bounded work: time zones and recurrences', () => {
  it('RFC 5545 3.6.5: a sub-yearly observance rule is TZ_INVALID after at most a few steps', () => {
    for (const freq of FREQS) {
      const steps = expansionSteps.total;
      assert.throws(() => zoneFromVtimezone(component(vtimezone(`FREQ=${freq}`)), 2026), (e: unknown) => e instanceof TimeZoneError && e.code === 'TZ_INVALID', freq);
      assert.ok(expansionSteps.total - steps <= MAX_OBSERVANCE_STEPS, freq);
    }
    for (const rule of ['FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYDAY=SU,MO,TU,WE,TH,FR,SA', 'FREQ=YEARLY;BYMONTH=3;BYHOUR=1,2,3', 'FREQ=YEARLY;BYYEARDAY=1,2,3']) {
      assert.throws(() => zoneFromVtimezone(component(vtimezone(rule)), 2026), TimeZoneError, rule);
    }
  });

  it('observances are expanded from the years needed, whatever their DTSTART (1601, year 1)', () => {
    for (const dtstart of ['16010101T000000', '00010101T000000', '19700101T000000']) {
      const steps = expansionSteps.total;
      assert.equal(zoneFromVtimezone(component(vtimezone('FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', dtstart)), 2026), 'Europe/London', dtstart);
      assert.ok(expansionSteps.total - steps <= 2 * MAX_STEPS_PER_OBSERVANCE, `${dtstart}: ${expansionSteps.total - steps} steps`);
    }
  });

  it(`a COUNT above ${MAX_COUNT} is not expanded: the event is its first occurrence, its rule kept`, () => {
    const steps = expansionSteps.total;
    const [event] = icsToEvents(invitation({ uid: 'count-1', rrule: 'FREQ=DAILY;COUNT=5000000' }));
    assert.equal(event!.recurrence, undefined);
    assert.ok(event!.extraIcal?.some(line => /COUNT=5000000/.test(line)));
    assert.ok(expansionSteps.total - steps <= MAX_OBSERVANCE_STEPS, 'only the zone\'s observances were stepped');
  });

  it('a series to 9999 reads as endless without expanding a step; one to 2150 costs at most MAX_ITERATIONS', () => {
    const event = { uid: 'u', start: Date.UTC(2026, 0, 5, 9), end: Date.UTC(2026, 0, 5, 10), allDay: false, timeZone: 'Europe/Berlin',
      recurrence: { type: 0 as const, interval: 1, until: Date.UTC(9999, 0, 1) } };
    for (const recurrence of [event.recurrence, { type: 5 as const, interval: 1, monthOfYear: 1, dayOfMonth: 5, until: Date.UTC(9999, 0, 1) }]) {
      const steps = expansionSteps.total;
      assert.equal(eventFilterTime({ ...event, recurrence }), null);
      assert.equal(expansionSteps.total - steps, 0, 'an UNTIL past the horizon is endless as it stands');
    }
    const steps = expansionSteps.total;
    eventFilterTime({ ...event, recurrence: { ...event.recurrence, until: Date.UTC(2150, 0, 1) } });
    assert.ok(expansionSteps.total - steps <= MAX_ITERATIONS, `${expansionSteps.total - steps} steps`);
  });

  it('50,000 nested <div> go to the linear stripper without html-to-text, text kept', () => {
    const before = { ...conversions };
    assert.equal(htmlToPlain(`${'<div>'.repeat(50_000)}deep`), 'deep');
    assert.match(htmlToPlain(`${'<div>'.repeat(400)}x${'</div>'.repeat(400)}`.repeat(100)), /^x\n+x/);
    assert.deepEqual([conversions.library - before.library, conversions.linear - before.linear], [0, 2]);
    assert.equal(htmlToPlain('<p>See <a href="https://example.com/r">the report</a></p>'), 'See the report [https://example.com/r]');
    assert.equal(conversions.library - before.library, 1);
  });
});

describe('bounded work end to end (SMTP, EAS)', () => {
  let t: TestServer;
  let smtp: InboundSmtp;
  let port: number;

  const inbox = async (): Promise<Item[]> => {
    const folder = Number(await folderId(t, 'bob@example.com', FolderType.Inbox));
    return t.store.getItems(folder, await t.store.liveItemIds(folder));
  };
  /** Sends `raw` over SMTP and, while it is delivered, asks the EAS server OPTIONS: both answers. */
  const sendWhileAsking = async (raw: Buffer) => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    const order: string[] = [];
    const delivery = transport.sendMail({ envelope: { from: 'mallory@evil.example', to: ['bob@example.com'] }, raw })
      .then(info => { order.push('smtp'); return info.response; }, (e: { response?: string }) => { order.push('smtp'); return e.response ?? String(e); });
    const options = t.client('bob@example.com').discover().then(r => { order.push('eas'); return r.status; });
    const [response, status] = await Promise.all([delivery, options]);
    return { response, status, order };
  };

  before(async () => {
    t = await startServer({ users: ['bob@example.com'] });
    smtp = new InboundSmtp({ store: t.store, maxSize: 4 * 1024 * 1024, hostname: 'mx.example.com', auth: await testWorldAuth() });
    port = await smtp.listen(0, '127.0.0.1');
  });
  after(async () => {
    await smtp.close();
    await t.close();
  });

  for (const freq of FREQS) {
    it(`an invitation whose VTIMEZONE says FREQ=${freq} arrives as plain mail; EAS answers meanwhile`, async () => {
      const steps = expansionSteps.total;
      const { response, status, order } = await sendWhileAsking(mail(`Zone ${freq}`, 'text/calendar; method=REQUEST; charset=utf-8',
        invitation({ uid: `tz-${freq}`, stdRule: `FREQ=${freq}` })));
      assert.match(response, /^250 /);
      assert.equal(status, 200);
      assert.equal(order.length, 2);
      assert.ok(expansionSteps.total - steps <= MAX_OBSERVANCE_STEPS);
      assert.ok((await inbox()).some(i => propText(i.props, 'Email:Subject') === `Zone ${freq}`), 'filed as mail');
    });
  }

  it('an invitation with COUNT=5000000 arrives as a meeting of one occurrence, in bounded steps', async () => {
    const steps = expansionSteps.total;
    const { response, status } = await sendWhileAsking(mail('Long series', 'text/calendar; method=REQUEST; charset=utf-8',
      invitation({ uid: 'count-smtp', rrule: 'FREQ=DAILY;COUNT=5000000' })));
    assert.match(response, /^250 /);
    assert.equal(status, 200);
    assert.ok(expansionSteps.total - steps <= MAX_ITERATIONS);
    const bob = (await t.store.findUserByEmail('bob@example.com'))!;
    const [meeting] = (await t.store.findItemsByUid(bob.id, 'count-smtp')).filter(i => i.event);
    assert.ok(meeting, 'delivered as a meeting');
    assert.equal(meeting!.event!.recurrence, undefined);
  });

  it('50,000 nested <div> arrive with their text, converted by the linear stripper', async () => {
    const before = conversions.library;
    const { response, status } = await sendWhileAsking(mail('Deep', 'text/html; charset=utf-8', `${'<div>'.repeat(50_000)}deep`));
    assert.match(response, /^250 /);
    assert.equal(status, 200);
    assert.equal(conversions.library, before);
    assert.ok((await inbox()).some(i => propText(i.props, 'Email:Subject') === 'Deep'));
  });

  it('MIME nested 60 levels and 5,000 header fields are refused with 554; 40 levels and 900 fields are delivered', async () => {
    const nested = (depth: number) => {
      let part = 'Content-Type: text/plain\r\n\r\nleaf\r\n';
      for (let i = depth; i > 0; i--) part = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${part}\r\n--b${i}--\r\n`;
      return Buffer.from(`From: mallory@evil.example\r\nTo: bob@example.com\r\nSubject: Nested ${depth}\r\nMIME-Version: 1.0\r\n${part}`);
    };
    const fields = (n: number) => mail(`Fields ${n}`, 'text/plain', 'x', Array.from({ length: n }, (_, i) => `X-F${i}: v`));
    for (const [raw, code] of [[nested(60), /^554 /], [fields(5000), /^554 /], [nested(40), /^250 /], [fields(900), /^250 /]] as const) {
      const { response, status } = await sendWhileAsking(raw);
      assert.match(response, code);
      assert.equal(status, 200);
    }
  });

  it('EAS Sync Add: Occurrences 5000000 is Status 6; a daily series to 9999 is added in bounded steps', async () => {
    const calId = await folderId(t, 'bob@example.com', FolderType.Calendar);
    const { collection } = await syncedDevice(t, 'bob@example.com', calId, { deviceId: 'BOUNDS', version: '14.1' });
    const start = Date.UTC(2026, 3, 6, 17);
    const item = (recurrence: ItemProps): ItemProps => [
      ['Calendar:Timezone', PACIFIC], ['Calendar:AllDayEvent', '0'], ['Calendar:Subject', 'Series'],
      ['Calendar:StartTime', formatCompact(start)], ['Calendar:EndTime', formatCompact(start + 3600_000)], ['Calendar:Recurrence', recurrence],
    ];
    const steps = expansionSteps.total;
    const r = await collection.sync([
      { kind: 'Add', clientId: 'huge', props: item([['Calendar:Type', '0'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', '5000000']]) },
      { kind: 'Add', clientId: 'far', props: item([['Calendar:Type', '0'], ['Calendar:Interval', '1'], ['Calendar:Until', '99991231T000000Z']]) },
    ]);
    assert.deepEqual(r.statuses.map(s => [s.kind, s.status]), [['Add', 6], ['Add', 1]]);
    assert.ok(expansionSteps.total - steps <= 4 * MAX_ITERATIONS, `${expansionSteps.total - steps} steps`);
  });
});
