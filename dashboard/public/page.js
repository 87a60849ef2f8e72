/* global document */
// The page's elements by id and the status line in the header.
export const $ = (id) => document.getElementById(id);

export function setStatus(state, text) {
  const el = $('status');
  el.dataset.state = state;
  el.textContent = text;
}

export function showError(err) {
  console.error(err);
  if (err?.status === 401) setStatus('error', 'unauthorized: open the page with ?token=…');
  else setStatus('error', `error: ${err?.message ?? err}`);
}
