// How `convene client` shows things: tables for people, JSON for scripts, the XML on request,
// and a failure as one line whose exit status says what failed (docs/client.md, "Exit codes").
import type { EasResponse, Exchange } from '../../client/EasClient.js';
import type { ItemProps } from '../../store/types.js';
import { propText } from '../../store/props.js';
import { toXml } from '../../wbxml/index.js';
import { CliError } from '../errors.js';

/** The exit statuses of `convene client` (docs/client.md). */
export const EXIT = { ok: 0, failure: 1, usage: 2, network: 3, auth: 4, http: 5, provisioning: 6, status: 7 } as const;

export function table(rows: (string | number | undefined)[][], header: string[]): string {
  const all = [header, ...rows.map(r => r.map(c => (c === undefined ? '' : String(c))))];
  const widths = header.map((_, i) => Math.max(...all.map(r => (r[i] ?? '').length)));
  return all.map(r => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** `--xml`: each request and response decoded, as they pass. */
export function printExchange(x: Exchange, write: (s: string) => void): void {
  const query = decodeURIComponent(new URL(x.url).search);
  write(`>>> ${x.method} ${x.cmd} ${query}\n`);
  if (x.request) write(toXml(x.request, { indent: 2 }));
  else if (x.requestBytes?.length) write(`[${x.requestBytes.length} bytes]\n`);
  write(`<<< HTTP ${x.response.status}\n`);
  if (x.response.body) write(toXml(x.response.body, { indent: 2 }));
  else if (x.response.decodeError) write(`[${x.response.raw.length} bytes that do not decode: ${x.response.decodeError}]\n`);
  else if (x.response.raw.length) write(`${x.response.raw.subarray(0, 2000).toString('utf8')}\n`);
  write('\n');
}

/** Refuses an HTTP answer that is not 200, with the exit status of its kind. */
export function checkHttp(res: EasResponse, what: string): void {
  if (res.status === 200) return;
  if (res.status === 401 || res.status === 403) throw new CliError(`${what}: HTTP ${res.status} (${res.status === 401 ? 'wrong user or password' : 'access denied'})`, EXIT.auth);
  if (res.status === 449) throw new CliError(`${what}: HTTP 449, the server wants the device provisioned (convene client provision)`, EXIT.provisioning);
  throw new CliError(`${what}: HTTP ${res.status}${res.headers['x-ms-asthrottle'] ? ` (${String(res.headers['x-ms-asthrottle'])})` : ''}`, EXIT.http);
}

/** Refuses an EAS Status other than success (1), naming the provisioning ones. */
export function checkStatus(status: number | undefined, what: string, ok: number[] = [1]): void {
  if (status === undefined || ok.includes(status)) return;
  if (status >= 139 && status <= 145) throw new CliError(`${what}: Status ${status} (provisioning needed: convene client provision)`, EXIT.provisioning);
  throw new CliError(`${what}: Status ${status}`, EXIT.status);
}

/** One line about an item: its subject or name, whom from, when. */
export function itemSummary(props: ItemProps | undefined): { subject: string; from: string; when: string; cls: string } {
  const p = props ?? [];
  const t = (name: string) => propText(p, name);
  return {
    subject: t('Email:Subject') ?? t('Calendar:Subject') ?? t('Tasks:Subject') ?? t('Notes:Subject') ?? t('Contacts:FileAs')
      ?? [t('Contacts:FirstName'), t('Contacts:LastName')].filter(Boolean).join(' '),
    from: t('Email:From') ?? t('Calendar:OrganizerEmail') ?? '',
    when: t('Email:DateReceived') ?? t('Calendar:StartTime') ?? t('Tasks:DueDate') ?? '',
    cls: t('Email:MessageClass') ?? '',
  };
}

/** Text properties as "Name: value" lines (nested ones indented), for `fetch`. */
export function propLines(props: ItemProps, indent = ''): string[] {
  return props.flatMap(([name, value]) => {
    if (typeof value === 'string') return [`${indent}${name}: ${value.length > 500 ? `${value.slice(0, 500)}…` : value}`];
    if (Array.isArray(value)) return [`${indent}${name}:`, ...propLines(value, `${indent}  `)];
    return [`${indent}${name}: [${Buffer.from(value.b64, 'base64').length} bytes]`];
  });
}
