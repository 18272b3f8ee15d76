// The approval part of a step's side panel: single / any-one-of (或签) / all-of (会签), who the
// approvers are, which earlier steps a rejection may send the ticket back to (驳回至); and the
// flow-wide loop cap on the process panel. Writes camunda properties (approval, approvers,
// back_to, max_loops) and the standard parallel multi-instance marker that other modelers show.

import { checkbox, field, h, options } from './dom.js';
import { isStep, list, stepData, writeStep } from './model.js';

const APPROVERS_KINDS = ['role', 'users', 'variable'];

function setMarker(modeler, element, on) {
  const bo = element.businessObject;
  const has = !!bo.loopCharacteristics;
  if (on === has) return;
  const loopCharacteristics = on
    ? modeler.get('moddle').create('bpmn:MultiInstanceLoopCharacteristics', { isSequential: false })
    : undefined;
  modeler.get('modeling').updateProperties(element, { loopCharacteristics });
}

function approversControl(panel, rule, write) {
  const { catalog, s, readOnly: disabled } = panel;
  const [kind, ...rest] = (rule || 'role:approver').split(':');
  const argument = rest.join(':');
  const kinds = APPROVERS_KINDS.map((value) => ({ value, label: s[`approvers_${value}`] }));
  const select = h(
    'select',
    {
      class: 'form-select',
      disabled,
      testid: 'approvers-kind',
      onchange: (e) => {
        const next = e.target.value;
        const fallback = { role: 'approver', users: '', variable: 'approvers' }[next];
        write(fallback ? `${next}:${fallback}` : '');
      },
    },
    options(kinds, kind),
  );
  let control;
  if (kind === 'role') {
    control = h(
      'select',
      { class: 'form-select mt-2', disabled, testid: 'approvers-arg', onchange: (e) => write(`role:${e.target.value}`) },
      options(catalog.roles, argument),
    );
  } else {
    control = h('input', {
      class: 'form-control mt-2',
      disabled,
      testid: 'approvers-arg',
      value: argument,
      placeholder: kind === 'users' ? s.approversUsersHint : 'approvers',
      onchange: (e) => {
        const value = e.target.value
          .split(/[,，\s]+/)
          .map((x) => x.trim())
          .filter(Boolean)
          .join(',');
        write(value ? `${kind}:${value}` : '');
      },
    });
  }
  return field(s.approvers, select, control, h('div', { class: 'form-hint' }, s.approversHint));
}

function backToControl(panel, element, props, update) {
  const { s, readOnly: disabled } = panel;
  const chosen = list(props.back_to);
  const any = chosen.includes('*');
  const others = panel
    .registry()
    .filter((e) => isStep(e) && e.id !== element.id && e.parent === element.parent)
    .sort((a, b) => a.x - b.x || a.y - b.y);
  const write = (next) => update({ back_to: next.join(',') });
  return field(
    s.backTo,
    h(
      'div',
      {},
      checkbox(s.backToAny, any, (on) => write(on ? ['*'] : []), { disabled, 'data-testid': 'back-to-any' }),
      ...others.map((step) =>
        checkbox(
          step.businessObject.name || step.id,
          any || chosen.includes(step.id),
          (on) => write(on ? [...chosen.filter((k) => k !== '*'), step.id] : chosen.filter((k) => k !== step.id && k !== '*')),
          { disabled: disabled || any, 'data-testid': `back-to-${step.id}` },
        ),
      ),
    ),
    h('div', { class: 'form-hint' }, s.backToHint),
  );
}

export function renderApproval(panel, element) {
  const { modeler, catalog, s, readOnly: disabled } = panel;
  const data = stepData(element.businessObject);
  const props = data.properties;
  const mode = ['any', 'all'].includes(props.approval) ? props.approval : 'single';
  const update = (changes) =>
    panel.apply(() => writeStep(modeler, element, { properties: { ...props, ...changes }, fields: data.fields }, catalog));
  const setMode = (next) =>
    panel.apply(() => {
      const changes = { approval: next === 'single' ? '' : next };
      if (next !== 'single') {
        const outcomes = list(props.outcomes);
        for (const o of ['approve', 'reject']) if (!outcomes.includes(o)) outcomes.push(o);
        changes.outcomes = outcomes.join(',');
        const reasons = list(props.reason_required);
        if (!reasons.includes('reject')) reasons.push('reject');
        changes.reason_required = reasons.join(',');
        changes.approvers = props.approvers || 'role:approver';
      } else {
        changes.approvers = '';
      }
      writeStep(modeler, element, { properties: { ...props, ...changes }, fields: data.fields }, catalog);
      setMarker(modeler, element, next !== 'single');
    });
  const modes = [
    { value: 'single', label: s.approvalSingle },
    { value: 'any', label: s.approvalAny },
    { value: 'all', label: s.approvalAll },
  ];
  const parts = [
    field(
      s.approvalMode,
      h(
        'select',
        { class: 'form-select', disabled, testid: 'approval-mode', onchange: (e) => setMode(e.target.value) },
        options(modes, mode),
      ),
      h('div', { class: 'form-hint' }, s.approvalHint),
    ),
  ];
  if (mode !== 'single') parts.push(approversControl(panel, props.approvers, (value) => update({ approvers: value })));
  if (list(props.outcomes).length) parts.push(backToControl(panel, element, props, update));
  return parts;
}

// ---- the process: max_loops

function processProperties(bo) {
  const values = (bo.extensionElements && bo.extensionElements.values) || [];
  const group = values.find((v) => v.$type === 'camunda:Properties');
  const properties = {};
  for (const p of (group && group.values) || []) if (p.name) properties[p.name] = p.value || '';
  return properties;
}

function writeProcessProperty(modeler, root, name, value) {
  const moddle = modeler.get('moddle');
  const bo = root.businessObject;
  const properties = { ...processProperties(bo), [name]: value };
  const values = ((bo.extensionElements && bo.extensionElements.values) || []).filter(
    (v) => v.$type !== 'camunda:Properties',
  );
  const items = Object.entries(properties)
    .filter(([, v]) => String(v || '').trim() !== '')
    .map(([n, v]) => moddle.create('camunda:Property', { name: n, value: String(v).trim() }));
  if (items.length) values.push(moddle.create('camunda:Properties', { values: items }));
  const extensionElements = values.length ? moddle.create('bpmn:ExtensionElements', { values }) : undefined;
  modeler.get('modeling').updateProperties(root, { extensionElements });
}

export function maxLoopsControl(panel, root) {
  const { modeler, s, readOnly: disabled } = panel;
  const value = processProperties(root.businessObject).max_loops || '';
  return field(
    s.maxLoops,
    h('input', {
      type: 'number',
      min: '1',
      max: '100',
      class: 'form-control',
      value,
      disabled,
      placeholder: String(panel.catalog.defaultMaxLoops || ''),
      testid: 'max-loops',
      onchange: (e) => {
        const n = parseInt(e.target.value, 10);
        panel.apply(() => writeProcessProperty(modeler, root, 'max_loops', Number.isFinite(n) && n > 0 ? String(n) : ''));
      },
    }),
    h('div', { class: 'form-hint' }, s.maxLoopsHint),
  );
}
