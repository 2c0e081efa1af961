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
