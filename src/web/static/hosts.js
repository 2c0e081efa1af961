// The hosts table in the browser: selection (the page, a shift-click range, "all matching"), the
// confirmation dialog of destructive bulk actions, and a refresh every 5 s that updates the rows in
// place by host id — ticks and focus stay, nothing jumps; rows new to this page wait behind a "show"
// button. The refresh pauses while the user types, holds a pointer down, selects text or has the
// dialog open. Progressive enhancement: without JavaScript the page works (no refresh, and the
// confirmation fields are plain form fields). No inline script or style: the CSP forbids them.
(function () {
  'use strict';
  const REFRESH_MS = 5000;
  const table = document.getElementById('hosts-table');
  const form = document.getElementById('bulk');
  if (!table || !form) return;
  const body = () => document.getElementById('rows');
  const boxes = () => [...body().querySelectorAll('input[name="ids"]')];
  const selection = document.getElementById('selection');
  const allMatching = document.getElementById('all-matching');
  const selectPage = document.getElementById('select-page');
  let total = Number(form.dataset.total || 0);
  const cap = Number(form.dataset.cap || 1000);

  // ---- selection
  function showSelection() {
    const ticked = boxes().filter((b) => b.checked).length;
    if (selectPage) {
      selectPage.checked = ticked > 0 && ticked === boxes().length;
      selectPage.indeterminate = ticked > 0 && ticked < boxes().length;
    }
    if (!selection) return;
    if (allMatching && allMatching.checked)
      selection.textContent = `all ${total} matching hosts selected${total > cap ? ` (a bulk action takes the first ${cap})` : ''}`;
    else selection.textContent = `${ticked} selected`;
  }
  let last = null;
  body().addEventListener('click', (e) => {
    const box = e.target;
    if (!(box instanceof HTMLInputElement) || box.name !== 'ids') return;
    const list = boxes();
    if (e.shiftKey && last && list.includes(last)) {
      const [a, b] = [list.indexOf(last), list.indexOf(box)].sort((x, y) => x - y);
      for (const other of list.slice(a, b + 1)) other.checked = box.checked;
    }
    last = box;
    showSelection();
  });
  if (selectPage)
    selectPage.addEventListener('change', () => {
      for (const b of boxes()) b.checked = selectPage.checked;
      showSelection();
    });
  if (allMatching) allMatching.addEventListener('change', showSelection);
  showSelection();

  // ---- confirmation of reset, reprovision, delete and the power actions (lists from src/hosts/bulk.ts)
  const confirmed = (form.dataset.confirmed || 'reset reprovision delete').split(' ');
  const installedConfirmed = (form.dataset.installedConfirmed || 'reprovision delete').split(' ');
  const fieldset = document.getElementById('bulk-confirm');
  let dialog = null;
  if (fieldset && window.HTMLDialogElement) {
    dialog = document.createElement('dialog');
    dialog.id = 'bulk-dialog';
    const text = document.createElement('p');
    text.id = 'bulk-dialog-text';
    const typed = document.createElement('label');
    typed.id = 'bulk-dialog-typed';
    const input = fieldset.querySelector('input[name="confirm_installed"]');
    const typedText = document.createElement('span');
    typed.append(typedText, input);
    const sure = fieldset.querySelector('input[name="confirm"]');
    const ok = document.createElement('button');
    ok.type = 'button';
    ok.id = 'bulk-dialog-ok';
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.textContent = 'Cancel';
    const problem = document.createElement('p');
    problem.className = 'error';
    dialog.append(text, typed, problem, ok, cancel);
    // Inside the form, so its fields are sent with it.
    form.append(dialog);
    fieldset.hidden = true;
    cancel.addEventListener('click', () => dialog.close());
    ok.addEventListener('click', () => {
      const want = dialog.dataset.installed;
      if (want !== '0' && input.value.trim() !== want) {
        problem.textContent = `type ${want} to go on`;
        input.focus();
        return;
      }
      sure.checked = true;
      dialog.close();
      form.submit();
    });
    form.addEventListener('submit', (e) => {
      const action = form.elements.bulk_action.value;
      if (!confirmed.includes(action) || sure.checked) return;
      e.preventDefault();
      const query = allMatching && allMatching.checked;
      const ticked = boxes().filter((b) => b.checked);
      const count = query ? Math.min(total, cap) : ticked.length;
      const installed = query
        ? Number(form.dataset.installedMatching || 0)
        : ticked.filter((b) => b.closest('tr').dataset.state === 'installed').length;
      const counted = installedConfirmed.includes(action) && installed > 0;
      dialog.dataset.installed = counted ? String(installed) : '0';
      text.textContent = `${action[0].toUpperCase()}${action.slice(1)} ${count} host${count === 1 ? '' : 's'}?`;
      typed.hidden = !counted;
      typedText.textContent = `${installed} of them ${installed === 1 ? 'is' : 'are'} installed: type ${installed} to ${action} them `;
      problem.textContent = '';
      input.value = '';
      ok.textContent = `${action[0].toUpperCase()}${action.slice(1)}`;
      dialog.showModal();
      (counted ? input : ok).focus();
    });
  }

  // ---- refresh in place
  let pointerDown = false;
  document.addEventListener('pointerdown', () => (pointerDown = true));
  document.addEventListener('pointerup', () => (pointerDown = false));
  document.addEventListener('pointercancel', () => (pointerDown = false));
  function interacting() {
    const a = document.activeElement;
    const typing =
      a &&
      (a.tagName === 'TEXTAREA' ||
        a.tagName === 'SELECT' ||
        (a.tagName === 'INPUT' && !['checkbox', 'radio', 'submit', 'button'].includes(a.type)));
    const selecting = String(window.getSelection ? window.getSelection() : '').length > 0;
    return pointerDown || typing || selecting || (dialog && dialog.open);
  }

  const note = document.getElementById('refresh-note');
  let pending = null; // the fresh rows not applied yet (new to this page)
  let changed = 0;

  function sameCells(row, fresh) {
    // Every cell but the checkbox: the box (and its tick, and its focus) stays the user's.
    const cells = [...row.cells].filter((c) => !c.classList.contains('pick'));
    const freshCells = [...fresh.cells].filter((c) => !c.classList.contains('pick'));
    freshCells.forEach((cell, i) => {
      if (cells[i] && cells[i].innerHTML !== cell.innerHTML) cells[i].innerHTML = cell.innerHTML;
    });
  }

  function showNote() {
    if (!note) return;
    note.textContent = '';
    const fresh = pending ? pending.added : 0;
    if (!fresh && !changed) return;
    note.append(`${fresh} new / ${changed} changed`);
    if (fresh || (pending && pending.gone)) {
      const show = document.createElement('button');
      show.type = 'button';
      show.id = 'show-new';
      show.textContent = 'show';
      show.addEventListener('click', applyOrder);
      note.append(' ', show);
    }
  }

  function live(name, text) {
    for (const el of document.querySelectorAll(`[data-live="${name}"]`)) el.textContent = text;
  }

  function applyOrder() {
    if (!pending) return;
    const current = new Map([...body().rows].map((r) => [r.dataset.id, r]));
    const rows = pending.rows.map((fresh) => current.get(fresh.dataset.id) || document.importNode(fresh, true));
    body().replaceChildren(...rows);
    pending = null;
    changed = 0;
    showNote();
    showSelection();
  }

  async function refresh() {
    try {
      if (interacting() || document.hidden) return;
      const url = new URL(window.location.href);
      url.searchParams.delete('done');
      url.searchParams.set('fragment', 'rows');
      const res = await fetch(url, { headers: { Accept: 'text/html' }, credentials: 'same-origin' });
      if (!res.ok || res.redirected) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const freshBody = doc.getElementById('rows');
      if (!freshBody || interacting()) return;
      const current = new Map([...body().rows].filter((r) => r.dataset.id).map((r) => [r.dataset.id, r]));
      const freshRows = [...freshBody.rows].filter((r) => r.dataset.id);
      let added = 0;
      for (const fresh of freshRows) {
        const row = current.get(fresh.dataset.id);
        if (!row) {
          added++;
          continue;
        }
        if (row.dataset.v !== fresh.dataset.v) {
          changed++;
          row.dataset.v = fresh.dataset.v;
          row.dataset.state = fresh.dataset.state;
          row.classList.add('changed');
        }
        sameCells(row, fresh);
      }
      const freshIds = new Set(freshRows.map((r) => r.dataset.id));
      const gone = [...current.keys()].filter((id) => !freshIds.has(id)).length;
      pending = added || gone || (!current.size && freshRows.length) ? { rows: freshRows, added, gone } : null;
      // An empty table ("No host yet") simply takes the first rows.
      if (!current.size && freshRows.length) applyOrder();
      // The numbers around the table follow the rows: how many match, which are shown, how many wait.
      total = Number(freshBody.dataset.total || 0);
      form.dataset.total = String(total);
      live('total', String(total));
      live('range', freshBody.dataset.range || '');
      live('waiting', freshBody.dataset.waiting || '0');
      const apply = document.getElementById('apply-waiting');
      if (apply) apply.disabled = freshBody.dataset.waiting === '0';
      const counts = JSON.parse(freshBody.dataset.counts || '{}');
      for (const [state, n] of Object.entries(counts)) {
        const el = document.querySelector(`.chips [data-count="${state}"]`);
        if (el) el.textContent = String(n);
      }
      showNote();
      table.dataset.refreshes = String(Number(table.dataset.refreshes || 0) + 1);
    } catch (e) {
      // The service may be restarting; try again next tick.
    } finally {
      setTimeout(refresh, REFRESH_MS);
    }
  }
  setTimeout(refresh, REFRESH_MS);
})();
