// The whole message of a mail item, for a device that asks for MIME (AirSyncBase Type 4, 2.5's
// MIMEData): the stored message when the item was filed from one, otherwise one composed from the
// item (server-made mail: meeting requests, cancellations, replies, delivery reports) with
// nodemailer's MailComposer — a meeting request or cancellation with its iCalendar part.
import { createHash } from 'node:crypto';
import { organizerIcs } from '../scheduling/imip.js';
import { propText } from '../store/props.js';
import type { Item } from '../store/types.js';
import { readStoredBody } from './bodyStore.js';
import { htmlToPlain } from './bodyText.js';
import { composeMessage } from './compose.js';

/** Message classes whose composed MIME carries the meeting as iMIP (RFC 6047). */
const ICS_METHOD: readonly [RegExp, 'REQUEST' | 'CANCEL'][] = [
  [/^IPM\.Schedule\.Meeting\.Request/i, 'REQUEST'],
  [/^IPM\.Schedule\.Meeting\.Canceled/i, 'CANCEL'],
];

export async function composedMime(item: Item): Promise<Buffer> {
  const t = (name: string) => propText(item.props, name);
  const body = readStoredBody(item.props);
  const html = body?.type === 2 ? body.data : undefined;
  const plain = body?.type === 2 ? (body.summary?.complete ? body.summary.data : htmlToPlain(body.data)) : body?.data ?? '';
  const received = Date.parse(t('Email:DateReceived') ?? '');
  const date = Number.isFinite(received) ? new Date(received) : new Date(0);
  const messageClass = t('Email:MessageClass') ?? 'IPM.Note';
  const method = ICS_METHOD.find(([re]) => re.test(messageClass))?.[1];
  const recurrenceId = t('Email:RecurrenceId') === undefined ? undefined : Date.parse(t('Email:RecurrenceId')!);
  const importance = { 0: 'low', 2: 'high' }[Number(t('Email:Importance') ?? 1)];
  return composeMessage({
    from: t('Email:From') || 'unknown@invalid',
    to: t('Email:To') ? [t('Email:To')!] : [],
    cc: t('Email:Cc') ? [t('Email:Cc')!] : undefined,
    subject: t('Email:Subject') ?? '',
    text: plain, html,
    icalEvent: method && item.event ? { method, content: organizerIcs(method, item.event, { recurrenceId, now: item.event.dtStamp ?? date.getTime() }) } : undefined,
    headers: { ...(importance ? { Importance: importance } : {}), ...(t('Email:ReplyTo') ? { 'Reply-To': t('Email:ReplyTo')! } : {}) },
    // Stable across renderings, so a device that fetches the message twice sees one Message-ID.
    messageId: `<${createHash('sha256').update(`${item.userId}:${t('Email:From')}:${t('Email:Subject')}:${t('Email:DateReceived')}`).digest('hex').slice(0, 32)}@convene.invalid>`,
    date,
  });
}
