// Email over Sync: the initial download of a 10,000-message Inbox by a phone asking for plain text
// cut at 500 bytes (AirSyncBase BodyPreference Type 1, TruncationSize 500), in windows of 100.
// Two Inboxes in the same run: messages filed from MIME (HTML + text + an attachment, as SendMail
// and SMTP deliver them) against the reference of server-made mail kept as properties only (a
// plain-text body, no MIME). The ratio says what reading real mail costs over the simplest item.
import { onEachBackend, serverMs } from '../helpers.js';
import { createAccount } from '../../src/accounts/accounts.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { fileMessage } from '../../src/mail/item.js';
import { parseMessage } from '../../src/mail/parse.js';
import { FolderType, type User } from '../../src/store/types.js';
import type { Store } from '../../src/store/Store.js';
import { tags } from '../../src/wbxml/index.js';
import { email } from '../../test/helpers/items.js';

const asb = tags('AirSyncBase');
const COUNT = 10_000;

const PARAGRAPH = 'The quarterly numbers are in, and they look better than the forecast we made in spring. ';

function message(i: number): Buffer {
  const text = `Hello Bob,\r\n\r\n${PARAGRAPH.repeat(12)}\r\n\r\nAlice`;
  const html = `<html><body><p>Hello <b>Bob</b>,</p><p>${PARAGRAPH.repeat(12)}</p><p>Alice</p></body></html>`;
  return Buffer.from([
    'From: "Alice Example" <alice@example.com>', 'To: "Bob" <bob@example.com>', `Subject: Numbers ${i}`,
    `Message-ID: <m${i}@example.com>`, 'Date: Tue, 03 Mar 2026 10:00:00 +0000', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mixed"', '',
    '--mixed', 'Content-Type: multipart/alternative; boundary="alt"', '',
    '--alt', 'Content-Type: text/plain; charset=utf-8', '', text,
    '--alt', 'Content-Type: text/html; charset=utf-8', '', html, '--alt--',
    '--mixed', 'Content-Type: application/pdf; name="numbers.pdf"', 'Content-Disposition: attachment; filename="numbers.pdf"',
    'Content-Transfer-Encoding: base64', '', Buffer.alloc(3000, i % 256).toString('base64').replace(/.{76}/g, '$&\r\n'),
    '--mixed--', '',
  ].join('\r\n'));
}

async function fill(store: Store, user: User, filed: boolean): Promise<void> {
  const inbox = (await store.listFolders(user.id)).find(f => f.type === FolderType.Inbox)!;
  for (let done = 0; done < COUNT; done += 500) {
    const batch = Array.from({ length: Math.min(500, COUNT - done) }, (_, k) => done + k);
    const parsed = filed ? await Promise.all(batch.map(i => parseMessage(message(i)))) : [];
    await store.transaction(async tx => {
      for (const [k, i] of batch.entries()) {
        if (filed) await fileMessage(tx, user, FolderType.Inbox, parsed[k], { from: parsed[k].from ?? '' });
        else await tx.addItem(user.id, inbox.id, { class: 'Email', props: email(`Numbers ${i}`, new Date(), [['Email:MessageClass', 'IPM.Note']]) });
      }
    });
  }
}

async function initialSync(url: string, store: Store, user: User): Promise<{ ms: number; requests: number; items: number }> {
  const inbox = (await store.listFolders(user.id)).find(f => f.type === FolderType.Inbox)!;
  const client = new EasClient({ baseUrl: url, user: user.email, password: 'bench-password', deviceId: `BENCH${user.id}` });
  const m = new CollectionMirror(client, String(inbox.id));
  const options = [asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 500)])];
  await m.sync([], { options });
  const rounds = await m.syncAll({ windowSize: 100, options });
  return { ms: rounds.reduce((s, r) => s + serverMs(r.response.headers), 0), requests: rounds.length, items: m.items.size };
}

export default async function run(): Promise<void> {
  await onEachBackend(async ({ backend, store, url }) => {
    const reference = await createAccount(store, { email: 'reference@example.com', password: 'bench-password' });
    const filed = await createAccount(store, { email: 'filed@example.com', password: 'bench-password' });
    await fill(store, reference, false);
    await fill(store, filed, true);
    const ref = await initialSync(url, store, reference);
    const real = await initialSync(url, store, filed);
    const us = (r: { ms: number }) => (r.ms / COUNT * 1000).toFixed(1);
    console.log(`[${backend.name}] initial Sync of a 10,000-message Inbox, Type 1 TruncationSize 500, WindowSize 100: ` +
      `filed MIME mail ${real.ms.toFixed(0)} ms server time (${us(real)} µs/item, ${real.items} items), ` +
      `properties-only reference ${ref.ms.toFixed(0)} ms (${us(ref)} µs/item), ratio ${(real.ms / ref.ms).toFixed(2)}`);
  });
}
