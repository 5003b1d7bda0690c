// MS-ASCMD 2.2.3.45 DeviceInformation: what a device says about itself, sent in Settings
// (12.1+) and inside Provision (14.1+). Both read it here.
import { DEVICE_INFORMATION_FIELDS, type DeviceInformation } from '../store/types.js';
import type { Element } from '../wbxml/index.js';

/** Longest value kept per field; devices send short strings, anything longer is cut. */
const MAX_FIELD = 1024;

/** The fields of `DeviceInformation/Set`; undefined when there is no Set (a protocol error). */
export function readDeviceInformation(container: Element): DeviceInformation | undefined {
  const set = container.child('Set', 'Settings');
  if (!set) return undefined;
  const info: DeviceInformation = {};
  for (const name of DEVICE_INFORMATION_FIELDS) {
    const text = set.childText(name, 'Settings');
    if (text !== undefined && text !== '') info[name] = text.slice(0, MAX_FIELD);
  }
  return info;
}

/** One line for people: "Apple iPhone15,2 (Alice's iPhone), iOS 17.4". */
export function describeDevice(info: DeviceInformation | null): string {
  if (!info) return '';
  const name = [info.Model, info.FriendlyName && `(${info.FriendlyName})`].filter(Boolean).join(' ');
  return [name, info.OS].filter(Boolean).join(', ');
}
