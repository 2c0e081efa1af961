// Line numbers beside the template textarea, kept in step with its scroll; the line a refused save
// names is marked. The form works without this script: it only adds the gutter.
(() => {
  const box = document.querySelector('.editor');
  const area = box && box.querySelector('textarea');
  const gutter = box && box.querySelector('.gutter');
  if (!area || !gutter) return;
  const bad = Number(box.dataset.errorLine || 0);
  const draw = () => {
    const n = area.value.split('\n').length;
    let out = '';
    for (let i = 1; i <= n; i++) out += (i === bad ? '▶' : '') + i + '\n';
    gutter.textContent = out;
    gutter.scrollTop = area.scrollTop;
  };
  area.addEventListener('input', draw);
  area.addEventListener('scroll', () => {
    gutter.scrollTop = area.scrollTop;
  });
  draw();
  if (bad) {
    const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 16;
    area.scrollTop = Math.max(0, (bad - 5) * lineHeight);
    const start =
      area.value
        .split('\n')
        .slice(0, bad - 1)
        .join('\n').length + (bad > 1 ? 1 : 0);
    area.setSelectionRange(start, start);
  }
})();

// The preview's host picker: the datalist holds the first matches of what is typed, asked of the
// server (a fleet has thousands of hosts; the page never lists them all). Without this script the
// field still takes an id, hostname or MAC.
(() => {
  const input = document.getElementById('host');
  const list = document.getElementById('host-picks');
  if (!input || !list) return;
  let timer;
  let asked = '';
  const ask = async () => {
    const q = input.value.trim();
    if (q === asked) return;
    asked = q;
    try {
      const res = await fetch(`/templates/hosts.json?q=${encodeURIComponent(q)}`, { headers: { Accept: 'application/json' } });
      if (!res.ok || asked !== q) return;
      const { hosts } = await res.json();
      list.replaceChildren(
        ...hosts.map((h) => {
          const option = document.createElement('option');
          option.value = h.id;
          option.textContent = `${h.hostname || '(waiting)'} · ${h.boot_mac} · ${h.state}`;
          return option;
        }),
      );
    } catch {
      // Offline or signed out: the field still takes what is typed.
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 200);
  });
})();
