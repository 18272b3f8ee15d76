// The side panel of a business rule task (决策任务): which decision table it runs.
// Deploy resolves the key to the decision's newest deployed version (see
// baton/workflows/decisions/queries.py decision_xmls_for); its outputs become routing data.

import { field, h } from './dom.js';

export function renderDecisionTask(panel, element) {
  const decisions = panel.catalog.decisions || { choices: [], strings: {} };
  const s = decisions.strings;
  const bo = element.businessObject;
  const current = bo.get('camunda:decisionRef') || '';
  const known = decisions.choices.find((d) => d.key === current);
  const choices = [
    h('option', { value: '', selected: !current }, s.choose),
    ...decisions.choices.map((d) =>
      h('option', { value: d.key, selected: d.key === current }, `${d.name} (${d.key}) · v${d.version}`),
    ),
  ];
  if (current && !known) {
    choices.push(h('option', { value: current, selected: true }, `${current} · ${s.missing}`));
  }
  const select = h(
    'select',
    {
      class: 'form-select',
      disabled: panel.readOnly,
      testid: 'decision-ref',
      onchange: (e) => {
        const ref = e.target.value || undefined;
        panel.apply(() => panel.modeler.get('modeling').updateProperties(element, { 'camunda:decisionRef': ref }));
      },
    },
    ...choices,
  );
  const parts = [
    h('h3', { class: 'card-title' }, s.title),
    field(panel.s.name, panel.nameInput(element)),
    field(s.decision, select),
    h('p', { class: 'form-hint' }, s.hint),
  ];
  if (known) {
    parts.push(
      h('p', { class: 'small text-secondary' }, s.outputs.replace('{outputs}', known.outputs.join(', '))),
      h('a', { href: known.url, target: '_blank', rel: 'noopener' }, s.open),
    );
  } else if (!decisions.choices.length) {
    parts.push(h('p', { class: 'text-secondary' }, s.none));
  }
  return parts;
}
