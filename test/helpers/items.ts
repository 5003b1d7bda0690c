// Item properties for tests, in the store's form.
import type { ItemProps, PropNode } from '../../src/store/types.js';

export function email(subject: string, received = new Date(), extra: ItemProps = []): ItemProps {
  return [
    ['Email:To', '"Bob" <bob@example.com>'], ['Email:From', '"Alice" <alice@example.com>'], ['Email:Subject', subject],
    ['Email:DateReceived', received.toISOString()], ['Email:Read', '0'],
    ['AirSyncBase:Body', [['AirSyncBase:Type', '1'], ['AirSyncBase:Data', `Body of ${subject}`]]],
    ...extra,
  ];
}

/** America/Los_Angeles as a device sends it (TIME_ZONE_INFORMATION, MS-ASCAL Timezone). */
export const PACIFIC = '4AEAAFAAYQBjAGkAZgBpAGMAIABTAHQAYQBuAGQAYQByAGQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAsAAAABAAIAAAAAAAAAAAAAAFAAYQBjAGkAZgBpAGMAIABEAGEAeQBsAGkAZwBoAHQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAACAAIAAAAAAAAAxP///w==';

export function event(subject: string, start = '20261201T100000Z', end = '20261201T110000Z', extra: ItemProps = []): ItemProps {
  return [
    ['Calendar:Timezone', PACIFIC],
    ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', start], ['Calendar:EndTime', end], ['Calendar:Sensitivity', '0'],
    ['Calendar:MeetingStatus', '0'], ['Calendar:Reminder', '15'],
    ...extra,
  ];
}

/**
 * A contact in the form the server keeps it (src/contacts/eas.ts): such a contact comes back from
 * the server exactly as sent. A one-word name has no LastName (an empty element is no value).
 */
export function contact(name: string, extra: ItemProps = []): ItemProps {
  const last = name.split(' ').slice(1).join(' ');
  return [
    ['Contacts:FileAs', name], ['Contacts:FirstName', name.split(' ')[0]!], ...(last ? [['Contacts:LastName', last] as PropNode] : []),
    ['Contacts:Email1Address', `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.org`], ['Contacts:MobilePhoneNumber', '+1 555 0100'],
    ...extra,
  ];
}

/** The text of a property, for assertions (undefined when absent or not text). */
export function propText(props: ItemProps | undefined, name: string): string | undefined {
  return props?.find(p => p[0] === name)?.[1] as string | undefined;
}

/** The children of a container property ([] when absent). */
export function propNodes(props: ItemProps | undefined, name: string): ItemProps {
  return (props?.find(p => p[0] === name)?.[1] ?? []) as ItemProps;
}
