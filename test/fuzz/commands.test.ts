// Every EAS command handler (src/eas/commands) over real HTTP to a real server: requests start from
// the fixture request of the command (test/fixtures/wbxml), get real ids and SyncKeys, then are
// mutated (values replaced by hostile ones, elements dropped, duplicated, or added from the same
// code page) and sent WBXML-encoded. Properties: never HTTP 5xx; a bounded number of store calls
// and recurrence steps per request; a refused request changes no account data; after an accepted
// one, a fresh device's full Sync of every folder succeeds. docs/reliability.md, "Fuzzing".
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { CollectionMirror } from '../../src/client/collection.js';
import { Element, fromXml, PAGES } from '../../src/wbxml/index.js';
import type { PageInfo } from '../../src/wbxml/pages.js';
import { FolderType } from '../../src/store/types.js';
import { fieldValue, params } from './fuzz.js';
import { assertFullSync, sendWoken, serverError, snapshot, startFuzzServer, USERS, type FuzzServer } from './server.js';
import { recurrenceSteps, resetSteps } from './steps.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = (file: string): Element => fromXml(readFileSync(join(ROOT, 'test/fixtures/wbxml', file), 'utf8'));

/** Command → its request fixtures; Sync's name the folder type they belong in. */
const TEMPLATES: Record<string, { files: string[]; folder?: number }> = {
  Sync: { files: ['sync-request-calendar-16.xml', 'sync-request.xml'], folder: FolderType.Calendar },
  SyncMail: { files: ['sync-request-email-16.xml', 'sync-request-partial.xml', 'sync-request-heartbeat.xml'], folder: FolderType.Inbox },
  SendMail: { files: ['sendmail-request.xml'] },
  SmartForward: { files: ['smartforward-request.xml'] },
  SmartReply: { files: ['smartreply-request.xml'] },
  FolderSync: { files: ['foldersync-request.xml'] },
  FolderCreate: { files: ['folder-create-request.xml'] },
  FolderUpdate: { files: ['folder-update-request.xml'] },
  FolderDelete: { files: ['folder-update-request.xml'] },
  MoveItems: { files: ['moveitems-request.xml'] },
  GetItemEstimate: { files: ['getitemestimate-request.xml', 'getitemestimate-legacy-request.xml'] },
  MeetingResponse: { files: ['meetingresponse-request.xml', 'meetingresponse-legacy-request.xml'] },
  Search: { files: ['search-mailbox-request.xml', 'search-gal-request.xml', 'search-documentlibrary-request.xml'] },
  Settings: { files: ['settings-request.xml'] },
  Ping: { files: ['ping-request.xml'] },
  ItemOperations: { files: ['itemoperations-request.xml'] },
  Provision: { files: ['provision-request.xml', 'provision-ack-request.xml'] },
  ResolveRecipients: { files: ['resolverecipients-request.xml'] },
  Find: { files: ['find-request.xml', 'find-gal-request.xml'] },
  ValidateCert: { files: ['validatecert-request.xml'] },
};

/** The root a command's request has (FolderDelete borrows FolderUpdate's tree under its own root). */
function templateFor(cmd: string, file: string): Element {
  const tree = fixture(file);
  if (cmd !== 'FolderDelete') return tree;
  return new Element(tree.page, PAGES[tree.page]!.tokens.get('FolderDelete')!, 'FolderDelete', tree.children.filter(c => c.name !== 'DisplayName' && c.name !== 'ParentId'));
}

type Edit = [at: number, kind: 'value' | 'id' | 'drop' | 'dup' | 'add' | 'bytes' | 'nul', value: string, tag: number];

/** Edits; unsafe ones also send a NUL inside a value, as OPAQUE (STR_I cannot carry one): bug (a). */
function edits(safe: boolean): fc.Arbitrary<Edit[]> {
  const kinds = ['value', 'value', 'id', 'id', 'drop', 'dup', 'add', 'bytes', ...(safe ? [] : ['nul', 'nul'])] as const;
  return fc.array(fc.tuple(fc.nat(), fc.constantFrom(...kinds), fieldValue({ safe }), fc.nat()), { maxLength: 5 }) as fc.Arbitrary<Edit[]>;
}

function clone(el: Element): Element {
  const c = el.content;
  return new Element(el.page, el.token, el.name, Array.isArray(c) ? c.map(clone) : c);
}

function preorder(el: Element, out: { el: Element; parent?: Element }[] = [], parent?: Element): { el: Element; parent?: Element }[] {
  out.push({ el, parent });
  for (const c of el.children) preorder(c, out, el);
  return out;
}

const ID_ELEMENTS = new Set(['CollectionId', 'SrcFldId', 'DstFldId', 'ParentId', 'ServerId', 'SrcMsgId', 'RequestId', 'Id', 'FolderId', 'ItemId', 'LongId']);

/** Real ids where the template has ids, the device's SyncKey, then the edits. */
function buildRequest(template: Element, e: Edit[], ids: { folders: string[]; items: string[]; syncKey: string; collectionId: string }): Element {
  const tree = clone(template);
  for (const { el } of preorder(tree)) {
    if (el.name === 'SyncKey') el.content = ids.syncKey;
    else if (el.name === 'CollectionId' && ids.collectionId) el.content = ids.collectionId;
    else if (ID_ELEMENTS.has(el.name) && typeof el.content === 'string') el.content = /:/.test(el.content) ? ids.items[0] ?? el.content : ids.folders[0] ?? el.content;
  }
  const pool = [...ids.folders, ...ids.items];
  for (const [at, kind, value, tag] of e) {
    const nodes = preorder(tree);
    const { el, parent } = nodes[at % nodes.length]!;
    if (kind === 'value' && !Array.isArray(el.content)) el.content = value;
    else if (kind === 'id' && !Array.isArray(el.content) && pool.length) el.content = pool[tag % pool.length];
    else if (kind === 'bytes' && !Array.isArray(el.content)) el.content = Buffer.from(value);
    else if (kind === 'nul' && !Array.isArray(el.content)) el.content = Buffer.from(`${typeof el.content === 'string' ? el.content : value}\0x`);
    else if (kind === 'drop' && parent) parent.content = parent.children.filter(c => c !== el);
    else if (kind === 'dup' && parent) parent.content = [...parent.children, clone(el)];
    else if (kind === 'add' && Array.isArray(el.content)) {
      const page = PAGES[el.page] as PageInfo;
      const names = page.names.flatMap((name, token) => (name ? [{ name, token }] : []));
      const pick = names[tag % names.length]!;
      el.content = [...el.content, new Element(page.page, pick.token, pick.name, value)];
    }
  }
  return tree;
}

/** The Status a refusal carries at the root (Ping's 1/2/7 and a missing Status are answers, not refusals). */
function refused(cmd: string, http: number, body: Element | undefined): boolean {
  if (http >= 400) return true;
  const status = body?.childText('Status');
  if (status === undefined || status === '1') return false;
  return !(cmd === 'Ping' && (status === '2' || status === '7'));
}

/** Store calls one request may make: a Sync of a fixture-sized request touches far fewer. */
const STORE_CALL_BUDGET = 2_000;

describe('fuzz: every EAS command over HTTP', () => {
  let t: FuzzServer;
  let device = 0;
  const maxCalls: Record<string, number> = {};
  before(async () => { t = await startFuzzServer(); });
  after(async () => {
    await t.close();
    console.log(`store calls per request, most seen: ${JSON.stringify(maxCalls)}`);
  });

  async function ids(folderType: number | undefined, deviceId: string): Promise<{ folders: string[]; items: string[]; syncKey: string; collectionId: string }> {
    const user = (await t.store.findUserByEmail(USERS[0]!))!;
    const folders = await t.store.listFolders(user.id);
    const items: string[] = [];
    for (const f of folders) for (const id of (await t.store.liveItemIds(f.id)).slice(0, 3)) items.push(`${f.id}:${id}`);
    let syncKey = '0';
    let collectionId = '';
    if (folderType !== undefined) {
      collectionId = String(folders.find(f => f.type === folderType)!.id);
      const mirror = new CollectionMirror(t.client(USERS[0]!, { deviceId }), collectionId);
      await mirror.sync();
      syncKey = mirror.syncKey;
    }
    return { folders: folders.map(f => String(f.id)), items, syncKey, collectionId };
  }

  async function oneRequest(name: string, template: Element, folder: number | undefined, e: Edit[], version: string): Promise<void> {
    const cmd = name === 'SyncMail' ? 'Sync' : name;
    const deviceId = `FUZZ${++device}`;
    const request = buildRequest(template, e, await ids(folder, deviceId));
    const client = t.client(USERS[0]!, { deviceId, version });
    const before = await snapshot(t.store);
    resetSteps();
    const calls0 = t.counter.calls;
    const res = await sendWoken(t, client, cmd, request);
    const calls = t.counter.calls - calls0;
    maxCalls[name] = Math.max(maxCalls[name] ?? 0, calls);
    assert.ok(res.status < 500, `HTTP ${res.status}: ${serverError()}`);
    assert.ok(calls <= STORE_CALL_BUDGET, `${calls} store calls`);
    assert.equal(recurrenceSteps().stalled, false, 'recurrence step budget exceeded');
    const after = await snapshot(t.store);
    if (refused(cmd, res.status, res.body)) assert.equal(after, before, `refused (HTTP ${res.status}, Status ${res.body?.childText('Status')}) but the store changed`);
    else if (after !== before) for (const email of USERS) await assertFullSync(t, email, `CHECK${device}`);
  }

  for (const [name, { files, folder }] of Object.entries(TEMPLATES)) {
    const templates = files.map(f => templateFor(name === 'SyncMail' ? 'Sync' : name, f));
    const arb = (safe: boolean) => fc.tuple(fc.nat({ max: templates.length - 1 }), edits(safe), fc.constantFrom('12.1', '14.1', '16.1'));
    test(`${name}: no 5xx, bounded work, refusals change nothing, the store stays syncable`, async () => {
      await fc.assert(fc.asyncProperty(arb(true), ([i, e, v]) => oneRequest(name, templates[i]!, folder, e, v)), params(8, 0.2));
    });
    // Bug (a) is not reachable this way (200 runs per command found no case): these run as ordinary tests.
    test(`${name}: the same with control characters, NUL included (as OPAQUE), in values`, async () => {
      await fc.assert(fc.asyncProperty(arb(false), ([i, e, v]) => oneRequest(name, templates[i]!, folder, e, v)), params(3, 0.1));
    });
  }
});
