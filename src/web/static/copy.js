// Copy buttons: every element with data-copy="ID" copies the text of the element with that id.
// navigator.clipboard needs a secure context (https or localhost); on plain http to a LAN address it
// is missing, so the fallback selects the text for Ctrl+C and says so.
'use strict';
for (const button of document.querySelectorAll('button[data-copy]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const source = document.getElementById(button.dataset.copy);
    if (!source) return;
    const label = button.textContent;
    const text = source.textContent;
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        copied = true;
      }
    } catch {
      copied = false;
    }
    if (!copied) {
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try {
        copied = document.execCommand('copy');
      } catch {
        copied = false;
      }
    }
    button.textContent = copied ? 'Copied' : 'Selected: press Ctrl+C';
    button.dataset.copied = copied ? 'yes' : 'selected';
    setTimeout(() => {
      button.textContent = label;
    }, 2000);
  });
}
