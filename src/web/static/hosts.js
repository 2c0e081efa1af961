// Keeps the hosts table current without a reload: every 5 s, fetch the same page and swap the rows.
// Plain progressive enhancement: without JavaScript the page still works, it just does not refresh.
(function () {
  const body = document.querySelector('table.hosts tbody');
  const count = document.querySelector('h1 small');
  if (!body || !window.fetch || !window.DOMParser) return;
  async function refresh() {
    try {
      const res = await fetch(window.location.href, { headers: { Accept: 'text/html' }, credentials: 'same-origin' });
      if (!res.ok || res.redirected) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const rows = doc.querySelector('table.hosts tbody');
      const newCount = doc.querySelector('h1 small');
      if (rows) body.replaceWith(document.importNode(rows, true));
      if (newCount && count) count.textContent = newCount.textContent;
    } catch (e) {
      // The service may be restarting; try again next tick.
    } finally {
      setTimeout(refresh, 5000);
    }
  }
  setTimeout(refresh, 5000);
})();
