// Settings (MS-ASCMD 2.2.1.18): the user's addresses, Out of Office, and what the device tells
// the server about itself.
import { tags, type Element } from '../../wbxml/index.js';
import type { EasClient, EasResponse } from '../EasClient.js';

const s = tags('Settings');

export interface UserInformation { status: number; emailAddresses: string[]; displayName: string | undefined; response: EasResponse }

/** UserInformation Get: the account's addresses (14.1+ wraps them in Accounts/Account). */
export async function userInformation(client: EasClient, version?: string): Promise<UserInformation> {
  const response = await client.send('Settings', s('Settings', [s('UserInformation', [s('Get')])]), { version });
  const info = response.body?.child('UserInformation');
  const get = info?.child('Get');
  const accounts = get?.child('Accounts')?.all('Account') ?? [];
  const lists = [get?.child('EmailAddresses'), ...accounts.map(a => a.child('EmailAddresses'))].filter((e): e is Element => !!e);
  return {
    status: Number(info?.childText('Status') ?? response.body?.childText('Status') ?? 0),
    emailAddresses: [...new Set(lists.flatMap(l => l.children.map(c => c.text ?? '')))],
    displayName: accounts[0]?.childText('UserDisplayName'),
    response,
  };
}

export interface OofState {
  status: number;
  /** 0 off, 1 on, 2 on between StartTime and EndTime (MS-ASCMD 2.2.3.118). */
  oofState: number | undefined;
  messages: { appliesTo: string; enabled: boolean; reply: string | undefined }[];
  response: EasResponse;
}

export async function getOof(client: EasClient, bodyType: 'Text' | 'HTML' = 'Text', version?: string): Promise<OofState> {
  const response = await client.send('Settings', s('Settings', [s('Oof', [s('Get', [s('BodyType', bodyType)])])]), { version });
  const oof = response.body?.child('Oof');
  const get = oof?.child('Get');
  return {
    status: Number(oof?.childText('Status') ?? response.body?.childText('Status') ?? 0),
    oofState: get?.childText('OofState') === undefined ? undefined : Number(get.childText('OofState')),
    messages: (get?.all('OofMessage') ?? []).map(m => ({
      appliesTo: m.children.find(c => c.name.startsWith('AppliesTo'))?.name.slice('AppliesTo'.length) ?? '',
      enabled: m.childText('Enabled') === '1', reply: m.childText('ReplyMessage'),
    })),
    response,
  };
}

export interface OofSetting {
  state: 0 | 1 | 2;
  /** Global times (ISO) for state 2. */
  start?: string | undefined;
  end?: string | undefined;
  /** Internal, ExternalKnown, ExternalUnknown. */
  messages?: { appliesTo: 'Internal' | 'ExternalKnown' | 'ExternalUnknown'; reply: string; enabled?: boolean }[] | undefined;
}

export async function setOof(client: EasClient, o: OofSetting, version?: string): Promise<{ status: number; response: EasResponse }> {
  const response = await client.send('Settings', s('Settings', [s('Oof', [s('Set', [
    s('OofState', o.state), o.start !== undefined && s('StartTime', o.start), o.end !== undefined && s('EndTime', o.end),
    ...(o.messages ?? []).map(m => s('OofMessage', [
      s(`AppliesTo${m.appliesTo}`), s('Enabled', m.enabled === false ? 0 : 1), s('ReplyMessage', m.reply), s('BodyType', 'Text'),
    ])),
  ])])]), { version });
  const oof = response.body?.child('Oof');
  return { status: Number(oof?.childText('Status') ?? response.body?.childText('Status') ?? 0), response };
}

/** DeviceInformation Set (MS-ASCMD 2.2.3.45): Model, FriendlyName, OS, UserAgent… as the server should show them. */
export async function setDeviceInformation(client: EasClient, info: Record<string, string>, version?: string): Promise<{ status: number; response: EasResponse }> {
  const response = await client.send('Settings', s('Settings', [s('DeviceInformation', [
    s('Set', Object.entries(info).map(([k, v]) => s(k, v))),
  ])]), { version });
  const answer = response.body?.child('DeviceInformation');
  return { status: Number(answer?.childText('Status') ?? response.body?.childText('Status') ?? 0), response };
}
