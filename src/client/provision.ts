// Provision as a phone runs it (MS-ASPROV 3.1.5.1): ask for the policy, acknowledge it with the
// temporary key, then send the final key with every request.
import { tags, type Element } from '../wbxml/index.js';
import type { EasClient, EasResponse } from './EasClient.js';

const prov = tags('Provision');
const settings = tags('Settings');

export interface ProvisionOutcome {
  /** The policy document the server sent (EASProvisionDoc, or the 2.5 XML text in Data). */
  data: Element | undefined;
  temporaryKey: string | undefined;
  finalKey: string | undefined;
  initial: EasResponse;
  acknowledgement: EasResponse | undefined;
  /** Provision's own Status in the first response (MS-ASPROV 2.2.2.54.2), then the Policy Status. */
  status: number | undefined;
  policyStatus: number | undefined;
}

export interface ProvisionOptions {
  /** Defaults to the type the client's protocol version uses (MS-ASPROV 2.2.2.43). */
  policyType?: string;
  /** settings:DeviceInformation/Set fields to send with the initial request (14.1+). */
  deviceInformation?: Record<string, string>;
  /** What the client reports about applying the policy (MS-ASPROV 2.2.2.54.1); 1 by default. */
  applied?: string;
  /** The protocol version of these two requests; the client's own by default. */
  version?: string | undefined;
}

export async function provision(client: EasClient, options: ProvisionOptions = {}): Promise<ProvisionOutcome> {
  const version = options.version ?? client.version;
  const type = options.policyType ?? (version === '2.5' ? 'MS-WAP-Provisioning-XML' : 'MS-EAS-Provisioning-WBXML');
  // MS-ASPROV 3.1.5.1.1: the initial request goes without a policy key.
  client.policyKey = undefined;
  const info = options.deviceInformation;
  const initial = await client.send('Provision', prov('Provision', [
    info && settings('DeviceInformation', [settings('Set', Object.entries(info).map(([k, v]) => settings(k, v)))]),
    prov('Policies', [prov('Policy', [prov('PolicyType', type)])]),
  ]), { version });
  const policy = initial.body?.child('Policies')?.child('Policy');
  const temporaryKey = policy?.childText('PolicyKey');
  const status = initial.body?.childText('Status');
  const policyStatus = policy?.childText('Status');
  const outcome: ProvisionOutcome = {
    data: policy?.child('Data'), temporaryKey, finalKey: undefined, initial, acknowledgement: undefined,
    status: status === undefined ? undefined : Number(status), policyStatus: policyStatus === undefined ? undefined : Number(policyStatus),
  };
  if (!temporaryKey || policy?.childText('Status') !== '1') return outcome;
  client.policyKey = Number(temporaryKey);
  const ack = await client.send('Provision', prov('Provision', [prov('Policies', [prov('Policy', [
    prov('PolicyType', type), prov('PolicyKey', temporaryKey), prov('Status', options.applied ?? '1'),
  ])])]), { version });
  outcome.acknowledgement = ack;
  outcome.finalKey = ack.body?.child('Policies')?.child('Policy')?.childText('PolicyKey');
  client.policyKey = outcome.finalKey ? Number(outcome.finalKey) : undefined;
  return outcome;
}
