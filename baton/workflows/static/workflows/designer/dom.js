// A tiny DOM builder for the side panel: h('select', {onchange}, options...).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'value' || key === 'checked' || key === 'disabled') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  return el;
}

export function options(choices, selected) {
  return choices.map((c) => h('option', { value: c.value, selected: c.value === selected }, c.label));
}

export function field(label, ...controls) {
  return h('div', { class: 'mb-3' }, h('label', { class: 'form-label' }, label), ...controls);
}

export function checkbox(label, checked, onchange, attrs = {}) {
  return h(
    'label',
    { class: 'form-check form-check-inline mb-1' },
    h('input', {
      type: 'checkbox',
      class: 'form-check-input',
      checked,
      onchange: (e) => onchange(e.target.checked),
      ...attrs,
    }),
    h('span', { class: 'form-check-label' }, label),
  );
}
