// MS-ASCMD 2.2.1.14 Provision, MS-ASPROV 3.2.5.1: a device asks for the policy and gets it with a
// temporary PolicyKey; it acknowledges that key and gets the final one, which it then sends with
// every request. The same command carries 14.1's settings:DeviceInformation, and is where a device
// learns of a remote wipe and acknowledges it. Keys are per device, in the store.
import type { DeviceInformation, DeviceWipe } from '../../store/types.js';
import { tags, type Element } from '../../wbxml/index.js';
import { readDeviceInformation } from '../deviceInformation.js';
import {
  easProvisionDoc, newPolicyKey, policyDemandsCompliance, POLICY_TYPE_WBXML, POLICY_TYPE_XML, wapProvisioningXml,
} from '../provisioning/policy.js';
import { CommonStatus, EasError } from '../status.js';
import { atLeast } from '../version.js';
import type { CommandContext, CommandResult } from './types.js';

const prov = tags('Provision');
const settings = tags('Settings');

/** MS-ASPROV 2.2.2.54.2 Status (Provision). */
export const ProvisionStatus = { Success: 1, ProtocolError: 2, ServerError: 3 } as const;
/** MS-ASPROV 2.2.2.54.1 Status (Policy), in responses. */
export const PolicyStatus = { Success: 1, NoPolicy: 2, UnknownPolicyType: 3, PolicyDataCorrupt: 4, WrongPolicyKey: 5 } as const;
/** MS-ASPROV 2.2.2.54.3 Status (RemoteWipe) as the client reports it. */
const WIPE_DONE = '1';
const WIPE_FAILED = '2';

type WipeElement = 'RemoteWipe' | 'AccountOnlyRemoteWipe';

interface ProvisionRequest {
  /** settings:DeviceInformation: its fields, or null when it came without Set. */
  deviceInformation?: DeviceInformation | null;
  policy?: { type: string; ack?: { key: string; status: string } };
  wipeAck?: { element: WipeElement; status: string };
}

interface PolicyResult { type: string; status: number; key?: number; data?: boolean }

interface ProvisionResult {
  status: number;
  deviceInformationStatus?: number;
  policy?: PolicyResult;
  wipe?: WipeElement;
}

export async function provision(ctx: CommandContext): Promise<CommandResult> {
  const req = parse(ctx.body);
  if (!req) return { body: prov('Provision', [prov('Status', ProvisionStatus.ProtocolError)]) };
  const result: ProvisionResult = { status: ProvisionStatus.Success };
  if (req.deviceInformation !== undefined) result.deviceInformationStatus = await storeDeviceInformation(ctx, req.deviceInformation);
  if (req.wipeAck) {
    await acknowledgeWipe(ctx, req.wipeAck, result);
  } else {
    if (req.policy) result.policy = await answerPolicy(ctx, req.policy);
    await directWipe(ctx, result);
  }
  return { body: build(ctx, result) };
}

/** MS-ASPROV 2.2.2.44: undefined for a request outside the schema (Provision Status 2). */
function parse(body: Element | undefined): ProvisionRequest | undefined {
  if (body?.name !== 'Provision' || body.namespace !== 'Provision') return undefined;
  const req: ProvisionRequest = {};
  const info = body.child('DeviceInformation', 'Settings');
  if (info) req.deviceInformation = readDeviceInformation(info) ?? null;
  for (const element of ['RemoteWipe', 'AccountOnlyRemoteWipe'] as const) {
    const ack = body.child(element, 'Provision');
    if (!ack) continue;
    const status = ack.childText('Status', 'Provision')?.trim();
    if (status !== WIPE_DONE && status !== WIPE_FAILED) return undefined;
    // A wipe acknowledgement is the whole request; iOS also sends a stray Policies/Policy/Status
    // beside it (as Horde notes), which is not a policy request.
    return { ...req, wipeAck: { element, status } };
  }
  const policies = body.child('Policies', 'Provision');
  if (policies) {
    const policy = policies.child('Policy', 'Provision');
    const type = policy?.childText('PolicyType', 'Provision')?.trim();
    if (!policy || !type) return undefined;
    const key = policy.childText('PolicyKey', 'Provision')?.trim();
    const status = policy.childText('Status', 'Provision')?.trim();
    // MS-ASPROV 3.1.5.1.2.1: an acknowledgement carries both the temporary key and the client's Status.
    if (key !== undefined && !status) return undefined;
    req.policy = key === undefined ? { type } : { type, ack: { key, status: status! } };
  }
  return req;
}

/** settings:Status (MS-ASCMD 2.2.3.177.15): 1 stored, 2 for a DeviceInformation without Set. */
async function storeDeviceInformation(ctx: CommandContext, info: DeviceInformation | null): Promise<number> {
  if (!info) return 2;
  await ctx.store.setDeviceInformation(ctx.device.id, info);
  return 1;
}

async function answerPolicy(ctx: CommandContext, req: NonNullable<ProvisionRequest['policy']>): Promise<PolicyResult> {
  // MS-ASPROV 2.2.2.43: the WBXML document since 12.0, the Windows Mobile XML document in 2.5 — the
  // other version's type is as unknown to this device as any other (2.2.2.24: its Data form is not the version's).
  const type = atLeast(ctx.version, '12.0') ? POLICY_TYPE_WBXML : POLICY_TYPE_XML;
  if (req.type !== type) return { type: req.type, status: PolicyStatus.UnknownPolicyType };
  if (!req.ack) {
    // MS-ASPROV 3.2.5.1.1: a temporary key, good only for acknowledging this document.
    const key = newPolicyKey();
    await ctx.store.setPendingPolicyKey(ctx.device.id, key);
    return { type: req.type, status: PolicyStatus.Success, key, data: true };
  }
  const sent = /^\d{1,10}$/.test(req.ack.key) ? Number(req.ack.key) : NaN;
  if (ctx.device.pendingPolicyKey === null || sent !== ctx.device.pendingPolicyKey) {
    return { type: req.type, status: PolicyStatus.WrongPolicyKey };
  }
  // MS-ASPROV 2.2.2.54.1: 1 applied, 2 partly, 3 not at all, 4 managed by someone else. A policy
  // that asks nothing is met whatever the device did; a stricter one needs 1 (MS-ASPROV 3.1.5.2, 139).
  if (req.ack.status !== '1' && policyDemandsCompliance(ctx.provisioning.policy)) {
    throw new EasError(403, `the device did not apply the policy (Status ${req.ack.status})`, CommonStatus.DeviceNotFullyProvisionable);
  }
  const key = newPolicyKey();
  const swapped = await ctx.store.acknowledgePolicyKey(ctx.device.id, sent, key, ctx.provisioning.policyHash);
  return swapped ? { type: req.type, status: PolicyStatus.Success, key } : { type: req.type, status: PolicyStatus.WrongPolicyKey };
}

/** MS-ASPROV 3.2.5.1.2.2: success is recorded and answered 1; failure is answered 2 and the directive again. */
async function acknowledgeWipe(ctx: CommandContext, ack: NonNullable<ProvisionRequest['wipeAck']>, result: ProvisionResult): Promise<void> {
  const wipe = ctx.device.wipe;
  if (!wipe || wipeElement(wipe) !== ack.element) {
    ctx.log.warn({ ack }, 'wipe acknowledgement without a wipe requested; ignored');
    return;
  }
  // Only a directive that went out can be acknowledged; a "done" is final (a device repeating
  // itself, or a stray failure afterwards, does not undo it).
  if (wipe.status === 'requested' || wipe.status === 'done') {
    ctx.log.warn({ ack, state: wipe.status }, 'wipe acknowledgement before the directive was sent, or after it was done; ignored');
    if (wipe.status === 'requested') await directWipe(ctx, result);
    return;
  }
  const done = ack.status === WIPE_DONE;
  await ctx.store.recordWipe(ctx.device.id, done ? 'done' : 'failed');
  ctx.log.info({ kind: wipe.kind, done }, 'remote wipe acknowledged');
  if (!done) {
    result.status = ProvisionStatus.ProtocolError;
    result.wipe = ack.element;
  }
}

/**
 * MS-ASPROV 3.2.5.1.1: while a wipe stands, every Provision response carries the directive, also
 * after the device reported it done (Exchange does the same; `convene device remove` ends it).
 */
async function directWipe(ctx: CommandContext, result: ProvisionResult): Promise<void> {
  const wipe = ctx.device.wipe;
  if (!wipe || (wipe.kind === 'account' && !atLeast(ctx.version, '16.1'))) return;
  result.wipe = wipeElement(wipe);
  if (wipe.status === 'requested') await ctx.store.recordWipe(ctx.device.id, 'sent');
}

function wipeElement(wipe: DeviceWipe): WipeElement {
  return wipe.kind === 'account' ? 'AccountOnlyRemoteWipe' : 'RemoteWipe';
}

/** MS-ASPROV 6.3: settings:DeviceInformation, Status, Policies, then the wipe directive. */
function build(ctx: CommandContext, r: ProvisionResult): Element {
  const p = r.policy;
  return prov('Provision', [
    r.deviceInformationStatus !== undefined && settings('DeviceInformation', [settings('Status', r.deviceInformationStatus)]),
    prov('Status', r.status),
    p && prov('Policies', [prov('Policy', [
      prov('PolicyType', p.type),
      prov('Status', p.status),
      p.key !== undefined && prov('PolicyKey', String(p.key)),
      p.data && prov('Data', p.type === POLICY_TYPE_XML
        ? wapProvisioningXml(ctx.provisioning.policy)
        : [easProvisionDoc(ctx.provisioning.policy, ctx.version)]),
    ])]),
    r.wipe && prov(r.wipe, []),
  ]);
}
