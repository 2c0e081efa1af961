// The host page's confirmations (src/web/confirm.ts checks them on the server whatever this does).
// A "yes" box becomes a dialog; an installed host's name field is shown when its button is pressed,
// and the button stays disabled until the name typed is the host's. Without this script both fields
// are plain form fields, still required.
'use strict';
for (const form of document.querySelectorAll('form.confirm-form')) {
  const field = form.querySelector('input[name="confirm"]');
  const label = form.querySelector('.confirm-field');
  const button = form.querySelector('button[type="submit"]');
  if (!field || !label || !button) continue;
  const shownError = form.querySelector('.error');
  if (field.type === 'checkbox') {
    label.hidden = true;
    button.addEventListener('click', (event) => {
      event.preventDefault();
      if (!window.confirm(form.dataset.question || 'Are you sure?')) return;
      field.checked = true;
      form.submit();
    });
    continue;
  }
  const expected = field.dataset.expected || '';
  const matches = () => field.value.trim() === expected;
  // After a refusal the field stays in view, its button waiting for the right name.
  if (shownError) button.disabled = !matches();
  else label.hidden = true;
  field.addEventListener('input', () => {
    button.disabled = !matches();
  });
  button.addEventListener('click', (event) => {
    if (label.hidden) {
      event.preventDefault();
      label.hidden = false;
      button.disabled = !matches();
      field.focus();
    }
  });
}
