// The side panel for a step: name, owner, auto-dispatch strategy, SLA, status, outcomes, form fields,
// completion rule (required fields per outcome, outcomes needing a reason) and timers.

import { checkbox, field, h, options } from './dom.js';
import { addTimer, formatDuration, list, stepData, timerData, timersOf, writeStep } from './model.js';
import { renderApproval } from './approval-panel.js';

export function durationControl(value, onchange, units, { disabled, testid }) {
  const parsed = /^P(?:(\d+)D|T(\d+)([HM]))$/.exec((value || '').toUpperCase());
  if (value && !parsed) {
    return h('input', {
      class: 'form-control',
      value,
      disabled,
      testid: `${testid}-iso`,
      onchange: (e) => onchange(e.target.value.trim()),
    });
  }
  const amount = parsed ? parsed[1] || parsed[2] : '';
  const unit = parsed ? (parsed[1] ? 'D' : parsed[3]) : 'H';
  const amountInput = h('input', {
    type: 'number',
    min: '1',
    class: 'form-control',
    value: amount,
    disabled,
    testid: `${testid}-amount`,
  });
  const unitSelect = h(
    'select',
    { class: 'form-select', disabled, testid: `${testid}-unit` },
    options(units, unit),
  );
  const write = () => onchange(formatDuration(amountInput.value, unitSelect.value));
  amountInput.addEventListener('change', write);
  unitSelect.addEventListener('change', write);
  return h('div', { class: 'input-group' }, amountInput, unitSelect);
}

function ownerControl(panel, element, owner, update) {
  const { catalog, s, readOnly: disabled } = panel;
  const draft = panel.ownerDraft && panel.ownerDraft.id === element.id && !owner ? panel.ownerDraft.kind : '';
  const [kind, ...rest] = (owner || draft).split(':');
  const argument = rest.join(':');
  const rules = catalog.owners.map((o) => ({ value: o.value, label: o.label }));
  if (kind && !rules.some((r) => r.value === kind)) rules.push({ value: kind, label: kind });
  const rule = catalog.owners.find((o) => o.value === kind);
  const write = (nextKind, nextArgument) => {
    const spec = catalog.owners.find((o) => o.value === nextKind);
    panel.ownerDraft = { id: element.id, kind: nextKind };
    if (!spec || !spec.argument) return update({ owner: nextKind });
    const fallback = { variable: catalog.flowVariables[0].value, role: catalog.roles[0].value, user: '' }[
      spec.argument
    ];
    const value = nextArgument !== undefined ? nextArgument : fallback;
    return update({ owner: value ? `${nextKind}:${value}` : '' });
  };
  const select = h(
    'select',
    { class: 'form-select', disabled, testid: 'owner-rule', onchange: (e) => write(e.target.value) },
    h('option', { value: '' }, s.chooseOwner),
    options(rules, kind),
  );
  let argumentControl = null;
  if (rule && rule.argument === 'user') {
    argumentControl = h('input', {
      class: 'form-control mt-2',
      placeholder: s.username,
      value: argument,
      disabled,
      testid: 'owner-arg',
      onchange: (e) => write(kind, e.target.value.trim()),
    });
  } else if (rule && rule.argument) {
    const choices = rule.argument === 'role' ? catalog.roles : catalog.flowVariables;
    const all = choices.some((c) => c.value === argument)
      ? choices
      : [...choices, { value: argument, label: argument }];
    argumentControl = h(
      'select',
      {
        class: 'form-select mt-2',
        disabled,
        testid: 'owner-arg',
        onchange: (e) => write(kind, e.target.value),
      },
      options(all, argument),
    );
  }
  return field(s.owner, select, argumentControl, h('div', { class: 'form-hint' }, s.ownerHint));
}

function autoDispatchControl(panel, value, update) {
  const { catalog, s, readOnly: disabled } = panel;
  const current = (value || '').trim();
  const choices = [{ value: 'off', label: s.autoDispatchOff }, ...catalog.dispatchStrategies];
  if (current && !choices.some((c) => c.value === current)) choices.push({ value: current, label: current });
  const select = h(
    'select',
    {
      class: 'form-select',
      disabled,
      testid: 'auto-dispatch',
      onchange: (e) => update({ auto_dispatch: e.target.value }),
    },
    h('option', { value: '' }, s.autoDispatchDefault),
    options(choices, current),
  );
  return field(s.autoDispatch, select, h('div', { class: 'form-hint' }, s.autoDispatchHint));
}

function timerRow(panel, timer) {
  const { modeler, s, catalog, readOnly } = panel;
  const data = timerData(timer);
  const kind = h(
    'select',
    {
      class: 'form-select form-select-sm',
      disabled: readOnly,
      testid: 'timer-kind',
      onchange: (e) =>
        panel.apply(() => panel.writeTimer(timer, { interrupting: e.target.value === 'escalation' })),
    },
    options(
      [
        { value: 'alert', label: s.timerAlert },
        { value: 'escalation', label: s.timerEscalation },
      ],
      data.interrupting ? 'escalation' : 'alert',
    ),
  );
  const duration = durationControl(
    data.duration,
    (value) => panel.apply(() => panel.writeTimer(timer, { duration: value })),
    catalog.slaUnits,
    { disabled: readOnly, testid: 'timer' },
  );
  const open = h(
    'button',
    { type: 'button', class: 'btn btn-sm btn-link', onclick: () => modeler.get('selection').select(timer) },
    s.select,
  );
  return h(
    'div',
    { class: 'baton-timer border rounded p-2 mb-2', testid: 'timer-row', 'data-element': timer.id },
    h('div', { class: 'd-flex gap-2 mb-2' }, kind, open),
    duration,
  );
}

export function renderStep(panel, element) {
  const { modeler, catalog, s, readOnly } = panel;
  const data = stepData(element.businessObject);
  const props = data.properties;
  const update = (changes, fields = data.fields) =>
    panel.apply(() => {
      const next = { ...props, ...changes };
      writeStep(modeler, element, { properties: next, fields }, catalog);
    });
  const outcomes = list(props.outcomes);
  const known = catalog.outcomes.map((o) => o.value);
  const outcomeChoices = [
    ...catalog.outcomes,
    ...outcomes.filter((o) => !known.includes(o)).map((o) => ({ value: o, label: o })),
  ];
  const label = (id) => (outcomeChoices.find((o) => o.value === id) || { label: id }).label;
  const toggleOutcome = (id, on) => {
    const next = on
      ? outcomeChoices.map((o) => o.value).filter((o) => o === id || outcomes.includes(o))
      : outcomes.filter((o) => o !== id);
    const changes = {
      outcomes: next.join(','),
      reason_required: list(props.reason_required)
        .filter((o) => next.includes(o))
        .join(','),
    };
    if (!on) changes[`require_${id}`] = '';
    update(changes);
  };
  const toggleField = (id, on) => {
    const fields = on
      ? catalog.fields.map((f) => f.id).filter((f) => f === id || data.fields.includes(f))
      : data.fields.filter((f) => f !== id);
    const changes = {};
    for (const o of outcomes)
      changes[`require_${o}`] = list(props[`require_${o}`])
        .filter((f) => fields.includes(f))
        .join(',');
    update(changes, fields);
  };
  const fieldLabel = (id) => (catalog.fields.find((f) => f.id === id) || { label: id }).label;
  const rule = outcomes.map((o) =>
    h(
      'div',
      { class: 'baton-rule border rounded p-2 mb-2', testid: `rule-${o}` },
      h('div', { class: 'fw-bold mb-1' }, s.whenOutcome.replace('{outcome}', label(o))),
      data.fields.length ? h('div', { class: 'small text-secondary' }, s.requiredFields) : null,
      data.fields.map((f) =>
        checkbox(
          fieldLabel(f),
          list(props[`require_${o}`]).includes(f),
          (on) => {
            const current = list(props[`require_${o}`]);
            update({ [`require_${o}`]: (on ? [...current, f] : current.filter((x) => x !== f)).join(',') });
          },
          { disabled: readOnly, 'data-testid': `require-${o}-${f}` },
        ),
      ),
      h(
        'div',
        {},
        checkbox(
          s.reasonRequired,
          list(props.reason_required).includes(o),
          (on) => {
            const current = list(props.reason_required);
            update({ reason_required: (on ? [...current, o] : current.filter((x) => x !== o)).join(',') });
          },
          { disabled: readOnly, 'data-testid': `reason-${o}` },
        ),
      ),
    ),
  );
  const timers = timersOf(element);
  const addButton = (interrupting, text, testid) =>
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-sm btn-outline-primary',
        testid,
        onclick: () =>
          panel.apply(() =>
            addTimer(modeler, element, {
              interrupting,
              duration: interrupting ? 'PT4H' : 'PT15M',
              name: interrupting ? s.timerEscalationName : s.timerAlertName,
            }),
          ),
      },
      text,
    );
  return [
    h('h3', { class: 'card-title' }, s.step),
    field(s.name, panel.nameInput(element)),
    ownerControl(panel, element, props.owner, update),
    autoDispatchControl(panel, props.auto_dispatch, update),
    field(
      s.sla,
      durationControl(props.sla, (value) => update({ sla: value }), catalog.slaUnits, {
        disabled: readOnly,
        testid: 'sla',
      }),
      checkbox(s.slaBusiness, props.sla_business === 'true', (on) => update({ sla_business: on ? 'true' : '' }), {
        disabled: readOnly,
        'data-testid': 'sla-business',
      }),
      h('div', { class: 'form-hint' }, s.slaHint),
    ),
    field(
      s.status,
      h(
        'select',
        {
          class: 'form-select',
          disabled: readOnly,
          testid: 'status',
          onchange: (e) => update({ status: e.target.value }),
        },
        h('option', { value: '' }, s.statusAuto),
        options(catalog.statuses, props.status),
      ),
    ),
    field(
      s.outcomes,
      h(
        'div',
        {},
        outcomeChoices.map((o) =>
          checkbox(o.label, outcomes.includes(o.value), (on) => toggleOutcome(o.value, on), {
            disabled: readOnly,
            'data-testid': `outcome-${o.value}`,
          }),
        ),
      ),
    ),
    field(
      s.formFields,
      h(
        'div',
        {},
        catalog.fields.map((f) =>
          checkbox(f.label, data.fields.includes(f.id), (on) => toggleField(f.id, on), {
            disabled: readOnly,
            'data-testid': `field-${f.id}`,
          }),
        ),
      ),
    ),
    outcomes.length ? field(s.completionRule, ...rule) : null,
    ...renderApproval(panel, element),
    field(
      s.timers,
      ...timers.map((t) => timerRow(panel, t)),
      timers.length ? null : h('div', { class: 'form-hint mb-2' }, s.noTimers),
      readOnly
        ? null
        : h(
            'div',
            { class: 'd-flex flex-wrap gap-2' },
            addButton(false, s.addAlert, 'add-alert'),
            addButton(true, s.addEscalation, 'add-escalation'),
          ),
    ),
  ];
}
