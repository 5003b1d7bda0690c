// MS-ASCMD 2.2.1.18 Settings: a request of containers (Oof, DevicePassword, DeviceInformation,
// UserInformation, RightsManagementInformation), each with a Get or a Set; the response has an
// overall Status, then each container in request order with its own Status.
import type { User } from '../../store/types.js';
import { tags, type Element } from '../../wbxml/index.js';
import { readDeviceInformation } from '../deviceInformation.js';
import { atLeast, type ProtocolVersion } from '../version.js';
import { oof } from './SettingsOof.js';
import type { CommandContext, CommandResult } from './types.js';

const s = tags('Settings');
const rm = tags('RightsManagement');

/** MS-ASCMD 2.2.3.177.15 Status (Settings). */
export const SettingsStatus = {
  Success: 1, ProtocolError: 2, AccessDenied: 3, ServerUnavailable: 4, InvalidArguments: 5, ConflictingArguments: 6,
  DeniedByPolicy: 7,
} as const;

type Container = (ctx: CommandContext, el: Element) => Promise<Element>;

const CONTAINERS: Readonly<Record<string, Container>> = {
  Oof: oof,
  DevicePassword: devicePassword,
  DeviceInformation: deviceInformation,
  UserInformation: userInformation,
  RightsManagementInformation: rightsManagementInformation,
};

export async function settings(ctx: CommandContext): Promise<CommandResult> {
  const body = ctx.body;
  const handlers = body?.name === 'Settings' && body.namespace === 'Settings'
    ? body.children.map(c => (c.namespace === 'Settings' ? CONTAINERS[c.name] : undefined))
    : [undefined];
  // Something outside the schema fails the whole request (overall Status 2), before anything is stored.
  if (handlers.length === 0 || handlers.some(h => !h)) {
    ctx.log.info('Settings: a request outside the schema');
    return { body: s('Settings', [s('Status', SettingsStatus.ProtocolError)]) };
  }
  const answers: Element[] = [];
  for (const [i, handler] of handlers.entries()) answers.push(await handler!(ctx, body!.children[i]));
  return { body: s('Settings', [s('Status', SettingsStatus.Success), ...answers]) };
}

/**
 * MS-ASCMD 2.2.3.46 DevicePassword: the device's recovery password. Accepted and not kept: a
 * plain-text password in the server is a liability, and Convene offers no way to read it back.
 */
async function devicePassword(_ctx: CommandContext, el: Element): Promise<Element> {
  const password = el.child('Set', 'Settings')?.childText('Password', 'Settings');
  const status = password === undefined ? SettingsStatus.ProtocolError
    // MS-ASCMD 2.2.3.132.3: at most 255 characters.
    : password.length > 255 ? SettingsStatus.InvalidArguments : SettingsStatus.Success;
  return s('DevicePassword', [s('Status', status)]);
}

/** MS-ASCMD 2.2.3.45 DeviceInformation Set: kept with the device (`convene device list` shows it). */
async function deviceInformation(ctx: CommandContext, el: Element): Promise<Element> {
  const info = readDeviceInformation(el);
  if (info) await ctx.store.setDeviceInformation(ctx.device.id, info);
  return s('DeviceInformation', [s('Status', info ? SettingsStatus.Success : SettingsStatus.ProtocolError)]);
}

/** MS-ASCMD 2.2.3.192 UserInformation Get: the account's addresses; 14.1 wraps them in Accounts. */
async function userInformation(ctx: CommandContext, el: Element): Promise<Element> {
  if (!el.has('Get', 'Settings')) return s('UserInformation', [s('Status', SettingsStatus.ProtocolError)]);
  return s('UserInformation', [s('Status', SettingsStatus.Success), s('Get', userAddresses(ctx.user, ctx.version))]);
}

function userAddresses(user: User, version: ProtocolVersion): Element[] {
  // MS-ASCMD 2.2.3.57: EmailAddresses is a child of Get up to 14.0, of Account from 14.1 on.
  if (!atLeast(version, '14.1')) return [s('EmailAddresses', [s('SmtpAddress', user.email)])];
  // The one account's AccountId is its address: what ComposeMail's AccountId may name (R724).
  return [s('Accounts', [s('Account', [
    s('AccountId', user.email),
    s('AccountName', user.email),
    s('UserDisplayName', user.displayName),
    s('EmailAddresses', [s('SmtpAddress', user.email), s('PrimarySmtpAddress', user.email)]),
  ])])];
}

/** MS-ASCMD 2.2.3.156 RightsManagementInformation Get (14.1+): Convene has no IRM templates. */
async function rightsManagementInformation(ctx: CommandContext, el: Element): Promise<Element> {
  const ok = el.has('Get', 'Settings') && atLeast(ctx.version, '14.1');
  return s('RightsManagementInformation', ok
    ? [s('Status', SettingsStatus.Success), s('Get', [rm('RightsManagementTemplates', [])])]
    : [s('Status', SettingsStatus.ProtocolError)]);
}
