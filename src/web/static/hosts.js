// Keeps the hosts table current without a reload: every 5 s, fetch the same page and swap the rows.
// Plain progressive enhancement: without JavaScript the page still works, it just does not refresh.
(function () {
  const body = document.querySelector('table.hosts tbody');
  // Only the first lookup needs `body`; later refreshes find the current tbody again.
  const count = document.querySelector('h1 small');
  if (!body || !window.fetch || !window.DOMParser) return;
  async function refresh() {
    try {
      const res = await fetch(window.location.href, { headers: { Accept: 'text/html' }, credentials: 'same-origin' });
      if (!res.ok || res.redirected) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const rows = doc.querySelector('table.hosts tbody');
      const newCount = doc.querySelector('h1 small');
      if (rows) {
        // Keep what the user ticked for a bulk action across the refresh.
        const ticked = new Set([...document.querySelectorAll('table.hosts tbody input[name="ids"]:checked')].map((i) => i.value));
        const fresh = document.importNode(rows, true);
        for (const box of fresh.querySelectorAll('input[name="ids"]')) box.checked = ticked.has(box.value);
        document.querySelector('table.hosts tbody').replaceWith(fresh);
      }
      if (newCount && count) count.textContent = newCount.textContent;
    } catch (e) {
      // The service may be restarting; try again next tick.
    } finally {
      setTimeout(refresh, 5000);
    }
  }
  setTimeout(refresh, 5000);
})();
