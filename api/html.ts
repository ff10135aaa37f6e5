/** Text put into server-rendered HTML (the sign-in pages here and the embedded provider's). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
