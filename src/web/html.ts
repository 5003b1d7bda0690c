// Escaping for the console's HTML (placeholder until the console framework's own is merged).
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}
