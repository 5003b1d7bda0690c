// The device inspector's only script: follows the Server-Sent Events stream and puts each new
// exchange (an HTML fragment the server escaped) at the top of the list. Without it the page still
// lists what was kept; reloading shows more.
export const INSPECTOR_SCRIPT = `(() => {
  const list = document.getElementById('exchanges');
  const state = document.getElementById('live-state');
  if (!list || !list.dataset.stream || !window.EventSource) return;
  const source = new EventSource(list.dataset.stream);
  source.addEventListener('open', () => { state.textContent = 'Following live.'; });
  source.addEventListener('error', () => { state.textContent = 'Connection lost; reconnecting…'; });
  source.addEventListener('exchange', e => {
    const t = document.createElement('template');
    t.innerHTML = e.data;
    const item = t.content.firstElementChild;
    if (!item || document.getElementById(item.id)) return;
    list.prepend(item);
    const empty = document.getElementById('no-exchanges');
    if (empty) empty.remove();
  });
})();
`;
