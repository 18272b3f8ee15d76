// The side panel for a flow leaving a gateway: default path, or a condition built with
// field / operator / value pickers that compile to CEL (the CEL stays visible and editable).

import { checkbox, field, h, options } from './dom.js';
import { parseCel, toCel } from './conditions.js';
import { conditionOf, isDefaultFlow, setDefaultFlow, writeCondition } from './model.js';

function valueControl(variable, row, onchange, catalog, disabled) {
  if (variable.type === 'number') {
    return h('input', {
      type: 'number',
      class: 'form-control',
      value: row.value ?? '',
      disabled,
      testid: 'cond-value',
      onchange: (e) => onchange(e.target.value),
    });
  }
  const choices = variable.type === 'boolean' ? catalog.booleans : variable.values;
  const all =
    !row.value || choices.some((c) => c.value === row.value)
      ? choices
      : [...choices, { value: row.value, label: row.value }];
  return h(
    'select',
    { class: 'form-select', disabled, testid: 'cond-value', onchange: (e) => onchange(e.target.value) },
    options(all, row.value || all[0].value),
  );
}

function rowControls(panel, draft, index, save) {
  const { catalog, readOnly } = panel;
  const row = draft.rows[index];
  const variable = catalog.variables.find((v) => v.name === row.name) || catalog.variables[0];
  const ops = catalog.operators[variable.type];
  const change = (patch) => {
    Object.assign(row, patch);
    save();
  };
  const fieldSelect = h(
    'select',
    {
      class: 'form-select',
      disabled: readOnly,
      testid: 'cond-field',
      onchange: (e) => {
        const next = catalog.variables.find((v) => v.name === e.target.value);
        const first = next.type === 'number' ? '' : next.type === 'boolean' ? 'true' : next.values[0].value;
        change({ name: next.name, op: next.type === 'number' ? '<' : '==', value: first });
      },
    },
    options(
      catalog.variables.map((v) => ({ value: v.name, label: v.label })),
      variable.name,
    ),
  );
  const opSelect = h(
    'select',
    {
      class: 'form-select baton-op',
      disabled: readOnly,
      testid: 'cond-op',
      onchange: (e) => change({ op: e.target.value }),
    },
    options(ops, row.op),
  );
  const remove = readOnly
    ? null
    : h(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-ghost-danger',
          testid: 'cond-remove',
          title: panel.s.remove,
          onclick: () => {
            draft.rows.splice(index, 1);
            save();
          },
        },
        '×',
      );
  return h(
    'div',
    { class: 'baton-cond-row border rounded p-2 mb-2', testid: 'cond-row' },
    h('div', { class: 'd-flex gap-1 mb-1' }, fieldSelect, remove),
    h(
      'div',
      { class: 'd-flex gap-1' },
      opSelect,
      valueControl(variable, row, (value) => change({ value }), catalog, readOnly),
    ),
  );
}

export function renderCondition(panel, connection) {
  const { modeler, catalog, s, readOnly } = panel;
  const isDefault = isDefaultFlow(connection);
  const defaultBox = field(
    s.path,
    checkbox(s.defaultPath, isDefault, (on) => panel.apply(() => setDefaultFlow(modeler, connection, on)), {
      disabled: readOnly,
      'data-testid': 'default-flow',
    }),
    h('div', { class: 'form-hint' }, isDefault ? s.defaultHint : s.conditionHint),
  );
  if (isDefault) return [defaultBox];

  const text = conditionOf(connection);
  if (!panel.draft || panel.draft.id !== connection.id) {
    const parsed = parseCel(text, catalog.variables);
    panel.draft = {
      id: connection.id,
      rows: parsed ? parsed.rows : [],
      join: parsed ? parsed.join : 'and',
      custom: !parsed,
    };
  }
  const draft = panel.draft;
  const save = () =>
    panel.apply(() => {
      draft.custom = false;
      writeCondition(modeler, connection, toCel(draft.rows, draft.join, catalog.variables));
    });
  const rows = draft.custom
    ? [h('div', { class: 'form-hint mb-2', testid: 'cond-custom' }, s.customCondition)]
    : draft.rows.map((_, index) => rowControls(panel, draft, index, save));
  const join =
    draft.rows.length > 1 && !draft.custom
      ? h(
          'select',
          {
            class: 'form-select mb-2',
            disabled: readOnly,
            testid: 'cond-join',
            onchange: (e) => {
              draft.join = e.target.value;
              save();
            },
          },
          options(
            [
              { value: 'and', label: s.joinAnd },
              { value: 'or', label: s.joinOr },
            ],
            draft.join,
          ),
        )
      : null;
  const add = readOnly
    ? null
    : h(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-outline-primary mb-3',
          testid: 'cond-add',
          onclick: () => {
            if (draft.custom) draft.rows = [];
            draft.custom = false;
            draft.rows.push({ name: 'cost', op: '<', value: '' });
            panel.render(connection);
          },
        },
        s.addCondition,
      );
  const cel = h('textarea', {
    class: 'form-control font-monospace',
    rows: '2',
    value: text,
    disabled: readOnly,
    testid: 'cond-cel',
    onchange: (e) =>
      panel.apply(() => {
        panel.draft = null;
        writeCondition(modeler, connection, e.target.value);
      }),
  });
  return [
    defaultBox,
    field(
      s.condition,
      join,
      ...rows,
      add,
      h('label', { class: 'form-label' }, s.celText),
      cel,
      h('div', { class: 'form-hint' }, s.celHint),
    ),
  ];
}
