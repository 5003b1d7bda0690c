// The subcommands of `convene client`, each a thin layer over one library call (src/client).
import { readFileSync } from 'node:fs';
import { autodiscover } from '../../client/commands/autodiscover.js';
import { fetchItem } from '../../client/commands/items.js';
import { sendMail } from '../../client/commands/mail.js';
import { meetingResponse, USER_RESPONSES, type UserResponse } from '../../client/commands/meeting.js';
import { ping, PING_STATUS } from '../../client/commands/ping.js';
import { search } from '../../client/commands/search.js';
import { rootStatus } from '../../client/EasClient.js';
import { classOfType, type ClientFolder } from '../../client/folders.js';
import { provision } from '../../client/provision.js';
import { fromXml, tags, toXml } from '../../wbxml/index.js';

const airSync = tags('AirSync');
import { CliError } from '../errors.js';
import { UsageError, wholeNumber } from '../options.js';
import type { ClientContext } from './index.js';
import { checkHttp, checkStatus, EXIT, itemSummary, propLines, table } from './output.js';

interface Sub { help: string; run: (ctx: ClientContext) => Promise<void> }

function need(ctx: ClientContext, count: number, usage: string): string[] {
  if (ctx.args.length < count) throw new UsageError(`usage: convene client ${usage}`);
  return ctx.args;
}

/** A folder by name, type name or ServerId; runs FolderSync first when the device knows none or not this one. */
async function folder(ctx: ClientContext, name: string): Promise<ClientFolder> {
  let found = ctx.session.folders.find(name);
  if (!found) {
    const status = await ctx.session.folderSync();
    checkHttp(ctx.session.folders.lastResponse!, 'FolderSync');
    checkStatus(status, 'FolderSync');
    found = ctx.session.folders.find(name);
  }
  if (!found) throw new CliError(`no folder "${name}" (convene client folders lists them)`, EXIT.failure);
  return found;
}

export const CLIENT_COMMANDS: Record<string, Sub> = {
  options: {
    help: 'convene client options   the versions and commands the server offers (HTTP OPTIONS, MS-ASHTTP 2.2.4)',
    run: async ctx => {
      const r = await ctx.session.client.serverVersions();
      checkHttp(r.response, 'OPTIONS');
      ctx.show({ versions: r.versions, commands: r.commands }, `Versions: ${r.versions.join(', ')}\nCommands: ${r.commands.join(', ')}`);
    },
  },
  autodiscover: {
    help: 'convene client autodiscover ADDRESS   the EAS URL for an address (tries --url, then https://DOMAIN and https://autodiscover.DOMAIN)',
    run: async ctx => {
      const [address] = need(ctx, 1, 'autodiscover ADDRESS');
      const o = ctx.session.client.options;
      const r = await autodiscover(address!, { user: o.user || address, password: o.password, baseUrl: ctx.session.client.baseUrl || undefined, tls: o.tls });
      if (r.error) throw new CliError(`autodiscover: error ${r.error.code}${r.error.message ? ` (${r.error.message})` : ''}`, EXIT.status);
      if (!r.url) throw new CliError(`autodiscover found no server for ${address} (${r.tried.map(t => `${t.url}: ${t.outcome}`).join('; ')})`, EXIT.network);
      // With --state, the device remembers the server found, so the next command needs no --url.
      ctx.session.client.baseUrl = new URL(r.url).origin;
      ctx.show(r, `${r.url}${r.displayName ? `  (${r.displayName} <${r.email}>)` : ''}`);
    },
  },
  provision: {
    help: 'convene client provision   Provision (MS-ASPROV 3.1.5.1): fetch the policy, acknowledge it, keep the final policy key (--state saves it)',
    run: async ctx => {
      const r = await provision(ctx.session.client);
      checkHttp(r.initial, 'Provision');
      checkStatus(r.status, 'Provision');
      checkStatus(r.policyStatus, 'Provision policy');
      if (!r.finalKey) throw new CliError('Provision: the server gave no final policy key', EXIT.provisioning);
      ctx.show({ policyKey: r.finalKey }, `Provisioned: policy key ${r.finalKey}`);
    },
  },
  folders: {
    help: 'convene client folders   FolderSync: the folder list (continues from --state)',
    run: async ctx => {
      const status = await ctx.session.folderSync();
      checkHttp(ctx.session.folders.lastResponse!, 'FolderSync');
      checkStatus(status, 'FolderSync');
      const all = [...ctx.session.folders.folders.values()];
      ctx.show(all, table(all.map(f => [f.serverId, f.parentId, f.type, f.displayName]), ['ID', 'PARENT', 'TYPE', 'NAME']));
    },
  },
  sync: {
    help: 'convene client sync FOLDER [--window N] [--filter N]   Sync until MoreAvailable ends; shows what changed (with --state: since last time)',
    run: async ctx => {
      const [name] = need(ctx, 1, 'sync FOLDER [--window N] [--filter N]');
      const f = await folder(ctx, name!);
      const mirror = ctx.session.collection(f.serverId);
      const windowSize = ctx.values.window === undefined ? undefined : wholeNumber(ctx.values.window, '--window', 1);
      const filter = ctx.values.filter === undefined ? undefined : wholeNumber(ctx.values.filter, '--filter');
      const options = { windowSize, options: filter === undefined ? undefined : [airSync('FilterType', filter)] };
      let rounds = await mirror.syncAll(options);
      // MS-ASCMD 2.2.3.177.17 Status 3: the server no longer knows this SyncKey; as a phone does, start over from 0.
      if (rounds[rounds.length - 1]!.status === 3) {
        process.stderr.write(`convene: Sync of ${f.displayName}: Status 3 for SyncKey ${mirror.syncKey}, starting over from SyncKey 0\n`);
        mirror.restore({ syncKey: '0', items: {} });
        rounds = await mirror.syncAll(options);
      }
      const last = rounds[rounds.length - 1]!;
      checkHttp(last.response, 'Sync');
      checkStatus(last.status, `Sync of ${f.displayName}`);
      const changes = rounds.flatMap(r => r.collection?.child('Commands')?.children ?? []).map(c => {
        const id = c.childText('ServerId') ?? '';
        return { change: c.name, serverId: id, ...itemSummary(mirror.items.get(id)) };
      });
      ctx.show({ collectionId: f.serverId, syncKey: mirror.syncKey, changes, items: mirror.items.size },
        `${table(changes.map(c => [c.change, c.serverId, c.subject, c.from, c.when]), ['CHANGE', 'SERVERID', 'SUBJECT', 'FROM', 'DATE'])}\n`
        + `${changes.length} change(s); ${mirror.items.size} item(s) in ${f.displayName}; SyncKey ${mirror.syncKey}`);
    },
  },
  fetch: {
    help: 'convene client fetch FOLDER SERVERID   ItemOperations Fetch: the item\'s properties',
    run: async ctx => {
      const [name, serverId] = need(ctx, 2, 'fetch FOLDER SERVERID');
      const f = await folder(ctx, name!);
      const r = await fetchItem(ctx.session.client, { collectionId: f.serverId, serverId });
      checkHttp(r.response, 'ItemOperations');
      checkStatus(r.status, 'ItemOperations Fetch');
      ctx.show(r.props ?? [], propLines(r.props ?? []).join('\n'));
    },
  },
  send: {
    help: 'convene client send FILE.eml   SendMail of a MIME message (saved in Sent Items)',
    run: async ctx => {
      const [file] = need(ctx, 1, 'send FILE.eml');
      const r = await sendMail(ctx.session.client, readFileSync(file!));
      checkHttp(r.response, 'SendMail');
      checkStatus(r.status, 'SendMail');
      ctx.show({ sent: true }, 'Sent.');
    },
  },
  respond: {
    help: 'convene client respond ITEM accept|tentative|decline [--instance ID] [--folder F]   MeetingResponse for a request in F (Inbox by default)',
    run: async ctx => {
      const [item, answer] = need(ctx, 2, 'respond ITEM accept|tentative|decline [--instance ID] [--folder F]');
      if (!(answer! in USER_RESPONSES)) throw new UsageError(`respond takes accept, tentative or decline, not "${answer}"`);
      const f = await folder(ctx, ctx.values.folder ?? 'Inbox');
      const { results, response } = await meetingResponse(ctx.session.client, [{
        response: answer as UserResponse, collectionId: f.serverId, requestId: item, instanceId: ctx.values.instance,
      }]);
      checkHttp(response, 'MeetingResponse');
      const r = results[0];
      checkStatus(r?.status ?? rootStatus(response) ?? 0, 'MeetingResponse');
      ctx.show(r, `Answered ${answer}${r?.calendarId ? `; calendar item ${r.calendarId}` : ''}`);
    },
  },
  ping: {
    help: 'convene client ping FOLDER… [--heartbeat S]   Ping: waits until a folder changes or S seconds (480 by default) pass',
    run: async ctx => {
      const names = need(ctx, 1, 'ping FOLDER… [--heartbeat S]');
      const folders = [];
      for (const n of names) folders.push(await folder(ctx, n));
      const heartbeat = ctx.values.heartbeat === undefined ? 480 : wholeNumber(ctx.values.heartbeat, '--heartbeat', 1);
      const r = await ping(ctx.session.client, folders.map(f => ({ id: f.serverId, class: classOfType(f.type) })), heartbeat);
      checkHttp(r.response, 'Ping');
      checkStatus(r.status, 'Ping', [1, 2]);
      const changed = r.folders.map(id => ctx.session.folders.folders.get(id)?.displayName ?? id);
      ctx.show({ status: r.status, changed: r.folders }, r.status === 2 ? `Changes in ${changed.join(', ')}` : `No changes (${PING_STATUS[r.status]})`);
    },
  },
  search: {
    help: 'convene client search TEXT [--gal]   Search the mailbox (--gal: the directory)',
    run: async ctx => {
      const [text] = need(ctx, 1, 'search TEXT [--gal]');
      const r = await search(ctx.session.client, text!, { store: ctx.values.gal ? 'GAL' : 'Mailbox' });
      checkHttp(r.response, 'Search');
      checkStatus(r.status, 'Search');
      checkStatus(r.storeStatus, 'Search store');
      const rows = r.hits.map(h => {
        const s = itemSummary(h.props);
        const gal = (name: string) => h.props.find(p => p[0] === `GAL:${name}`)?.[1] as string | undefined;
        return ctx.values.gal ? [gal('DisplayName'), gal('EmailAddress')] : [h.longId, s.subject, s.from, s.when];
      });
      ctx.show(r.hits, `${table(rows, ctx.values.gal ? ['NAME', 'ADDRESS'] : ['LONGID', 'SUBJECT', 'FROM', 'DATE'])}\n${r.total ?? r.hits.length} found`);
    },
  },
  raw: {
    help: 'convene client raw CMD FILE.xml   sends FILE.xml (the command\'s XML, as `convene wbxml decode` prints it) and prints the answer as XML',
    run: async ctx => {
      const [cmd, file] = need(ctx, 2, 'raw CMD FILE.xml');
      const tree = fromXml(readFileSync(file!, 'utf8'));
      const res = await ctx.session.client.send(cmd!, tree);
      checkHttp(res, cmd!);
      const xml = res.body ? toXml(res.body, { indent: 2, prolog: true }) : '';
      ctx.show({ status: res.status, xml }, xml || `HTTP ${res.status}, empty body`);
      checkStatus(rootStatus(res), cmd!);
    },
  },
};
