// convene/client: the EAS client library (docs/client.md). Everything a script needs to talk to an
// Exchange ActiveSync server — Convene or any other — one module per command.
export {
  EasClient, needsProvisioning, rootStatus, PROVISION_STATUSES,
  type EasClientOptions, type EasResponse, type Exchange, type SendOptions, type TlsOptions,
} from './EasClient.js';
export { provision, type ProvisionOptions, type ProvisionOutcome } from './provision.js';
export { FolderHierarchyMirror, classOfType, DEFAULT_TYPES, type ClientFolder } from './folders.js';
export { CollectionMirror, type CollectionState, type PendingCommand, type SyncRound, type SyncRoundOptions } from './collection.js';
export { EasSession, readState, StateError, STATE_FORMAT, type DeviceState } from './session.js';
export { COMMAND_CODES } from './query.js';
export { readMultipart } from './multipart.js';
export { autodiscover, type AutodiscoverOptions, type AutodiscoverResult } from './commands/autodiscover.js';
export {
  emptyFolderContents, fetchItem, getItemEstimate, moveItems,
  type Estimate, type EstimateQuery, type FetchOptions, type FetchResult, type FetchTarget, type Move, type MoveResult,
} from './commands/items.js';
export { sendMail, smartForward, smartReply, type ComposeOptions, type ComposeResult, type SourceItem } from './commands/mail.js';
export { meetingResponse, USER_RESPONSES, type MeetingAnswer, type MeetingResult, type UserResponse } from './commands/meeting.js';
export { ping, PING_STATUS, type PingResult } from './commands/ping.js';
export {
  find, resolveRecipients, search,
  type FindOptions, type FindResult, type Recipient, type Resolution, type SearchHit, type SearchOptions, type SearchResult,
} from './commands/search.js';
export { getOof, setDeviceInformation, setOof, userInformation, type OofSetting, type OofState, type UserInformation } from './commands/settings.js';
export { Element, tags, encode, decode, toXml, fromXml } from '../wbxml/index.js';
export { toElements, toProps } from '../eas/props.js';
export { propChildren, propText } from '../store/props.js';
export type { ItemProps, PropNode } from '../store/types.js';
export { getAttachment, validateCert, type CertificateCheck } from './commands/attachments.js';
