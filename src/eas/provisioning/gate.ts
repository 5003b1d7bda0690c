// The provisioning gate, run before every command but Provision. A device with a remote wipe
// pending is always sent to Provision to receive it; with enforcement on (`--require-provisioning`)
// a device must also present the policy key it acknowledged for the current policy.
import type { IncomingHttpHeaders } from 'node:http';
import type { Device } from '../../store/types.js';
import type { RequestLine } from '../query.js';
import { CommonStatus, EasError, type CommonStatusValue } from '../status.js';
import { atLeast, type ProtocolVersion } from '../version.js';
import { PERMISSIVE_POLICY, policyHash, type DevicePolicy } from './policy.js';

export interface ProvisioningSettings {
  /** Refuse devices without the current policy key (off by default: every client keeps working). */
  required: boolean;
  policy: DevicePolicy;
  /** policyHash(policy), worked out once. */
  policyHash: string;
}

export function provisioningSettings(options: { required?: boolean | undefined; policy?: DevicePolicy | undefined } = {}): ProvisioningSettings {
  const policy = options.policy ?? PERMISSIVE_POLICY;
  return { required: options.required ?? false, policy, policyHash: policyHash(policy) };
}

export function checkProvisioning(s: ProvisioningSettings, cmd: string, device: Device, line: RequestLine,
  headers: IncomingHttpHeaders, version: ProtocolVersion): void {
  if (cmd === 'Provision') return;
  if (device.wipe) {
    // MS-ASPROV 2.2.2.1: an account-only wipe exists in 16.1 only; an older request cannot be told
    // of it, so the account is simply closed to that device.
    if (device.wipe.kind === 'account' && !atLeast(version, '16.1')) {
      throw new EasError(403, 'an account-only wipe is pending for this device', CommonStatus.AccessDenied);
    }
    throw provisionFirst(CommonStatus.RemoteWipeRequested, 'a remote wipe is pending');
  }
  // MS-ASPROV 3.1.5.1: clients send no policy key with Ping, so Ping is not checked (as grommunio-sync).
  if (!s.required || cmd === 'Ping') return;
  const sent = sentPolicyKey(line, headers);
  if (sent === 0) throw provisionFirst(CommonStatus.DeviceNotProvisioned, 'no policy key');
  if (device.policyKey === null || sent !== device.policyKey) {
    throw provisionFirst(CommonStatus.InvalidPolicyKey, 'not the policy key the device acknowledged');
  }
  if (device.policyHash !== s.policyHash) throw provisionFirst(CommonStatus.PolicyRefresh, 'the policy changed');
}

/**
 * MS-ASCMD 2.2.2: 14.0 and later get the Status in the command's root element; older versions get
 * HTTP 449 (MS-ASPROV 3.2.5.1, product note 3), which tells them to run Provision and retry.
 */
function provisionFirst(status: CommonStatusValue, why: string): EasError {
  return new EasError(449, `provisioning needed: ${why}`, status);
}

/**
 * MS-ASHTTP 2.2.1.1.2.8 X-MS-PolicyKey, or the base64 query's Policy key field (2.2.1.1.1.1).
 * 0 means none; anything that is not a 32-bit number can match no key and reads as -1.
 */
export function sentPolicyKey(line: RequestLine, headers: IncomingHttpHeaders): number {
  if (line.policyKey !== undefined) return line.policyKey;
  const raw = headers['x-ms-policykey'];
  const text = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!text) return 0;
  return /^\d{1,10}$/.test(text) && Number(text) <= 0xffffffff ? Number(text) : -1;
}
