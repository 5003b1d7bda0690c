// The one escaping function of the console's HTML: everything a user, a device or a mail wrote
// (subjects, device names and types, user agents, addresses, protocol XML) passes through it, in
// text and in quoted attribute values alike.
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}
