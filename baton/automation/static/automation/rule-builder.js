// The rule page: trigger, conditions (the flow designer's field/operator/value pickers compiled to
// CEL, the CEL shown and editable), actions, save through the API, and "try against ticket".

import { parseCel, toCel } from '../workflows/designer/conditions.js';
import { checkbox, field, h, options } from '../workflows/designer/dom.js';

const config = JSON.parse(document.getElementById('rule-config').textContent);
const { catalog, strings: s } = config;
const rule = structuredClone(config.rule);
const parsed = parseCel(rule.condition, catalog.variables);
const draft = { rows: parsed ? parsed.rows : [], join: parsed ? parsed.join : 'and', custom: !parsed };
const root = document.getElementById('rule-builder');
const tryRoot = document.getElementById('rule-try');

const DEFAULTS = {
  set_priority: { priority: 'urgent' },
  set_field: { field: 'fault_category', value: 'down' },
  dispatch: { strategy: 'least_loaded' },
  add_collaborator: { user: '' },
  notify: { users: [], roles: ['owner'], channels: ['in_app'], message: '' },
  escalate: { to: 'superior', reassign: false, channels: ['in_app'] },
  webhook: { endpoint: '' },
  follow_up: { title: '' },
};

function select(choices, value, onchange, testid) {
  return h('select', { class: 'form-select', testid, onchange: (e) => onchange(e.target.value) }, options(choices, value));
}

function input(value, onchange, attrs = {}) {
  return h('input', { class: 'form-control', value: value ?? '', onchange: (e) => onchange(e.target.value), ...attrs });
}

function writeCondition() {
  if (!draft.custom) rule.condition = toCel(draft.rows, draft.join, catalog.variables);
}

function conditionRow(row, index) {
  const variable = catalog.variables.find((v) => v.name === row.name) || catalog.variables[0];
  const change = (patch) => {
    Object.assign(row, patch);
    writeCondition();
    render();
  };
  const fieldSelect = select(
    catalog.variables.map((v) => ({ value: v.name, label: v.label })),
    variable.name,
    (name) => {
      const next = catalog.variables.find((v) => v.name === name);
      const first = next.type === 'number' ? '' : next.type === 'boolean' ? 'true' : next.values[0]?.value;
      change({ name, op: next.type === 'number' ? '<' : '==', value: first });
    },
    'cond-field',
  );
  const opSelect = select(catalog.operators[variable.type], row.op, (op) => change({ op }), 'cond-op');
  let value;
  if (variable.type === 'number') {
    value = input(row.value, (v) => change({ value: v }), { type: 'number', testid: 'cond-value' });
  } else {
    const choices = variable.type === 'boolean' ? catalog.booleans : variable.values;
    value = select(choices, row.value, (v) => change({ value: v }), 'cond-value');
  }
  const remove = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-ghost-danger',
      title: s.remove,
      testid: 'cond-remove',
      onclick: () => {
        draft.rows.splice(index, 1);
        writeCondition();
        render();
      },
    },
    '×',
  );
  return h('div', { class: 'd-flex gap-2 mb-2', testid: 'cond-row' }, fieldSelect, opSelect, value, remove);
}

function conditionSection() {
  const rows = draft.custom
    ? [h('div', { class: 'form-hint mb-2', testid: 'cond-custom' }, s.customCondition)]
    : draft.rows.map(conditionRow);
  if (!draft.custom && !draft.rows.length) rows.push(h('div', { class: 'text-secondary mb-2' }, s.always));
  const join =
    draft.rows.length > 1 && !draft.custom
      ? select(
          [
            { value: 'and', label: s.joinAnd },
            { value: 'or', label: s.joinOr },
          ],
          draft.join,
          (v) => {
            draft.join = v;
            writeCondition();
            render();
          },
          'cond-join',
        )
      : null;
  const add = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-sm btn-outline-primary mb-3',
      testid: 'cond-add',
      onclick: () => {
        if (draft.custom) draft.rows = [];
        draft.custom = false;
        const first = catalog.variables[0];
        draft.rows.push({ name: first.name, op: '==', value: first.values?.[0]?.value ?? '' });
        writeCondition();
        render();
      },
    },
    s.addCondition,
  );
  const cel = h('textarea', {
    class: 'form-control font-monospace',
    rows: '2',
    value: rule.condition,
    testid: 'cond-cel',
    onchange: (e) => {
      rule.condition = e.target.value;
      const again = parseCel(rule.condition, catalog.variables);
      Object.assign(draft, again ? { rows: again.rows, join: again.join, custom: false } : { custom: true });
      render();
    },
  });
  return field(s.conditions, join, ...rows, add, h('label', { class: 'form-label' }, s.celText), cel);
}

function ids(text) {
  return String(text)
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

function multi(choices, selected, onchange, testid) {
  return h(
    'div',
    { testid },
    choices.map((c) =>
      checkbox(c.label, selected.includes(c.value), (on) =>
        onchange(on ? [...selected, c.value] : selected.filter((x) => x !== c.value)),
      ),
    ),
  );
}

function actionParams(action) {
  const set = (patch) => {
    Object.assign(action, patch);
    render();
  };
  switch (action.type) {
    case 'set_priority':
      return [field(s.priority, select(catalog.priorities, action.priority, (v) => set({ priority: v }), 'action-priority'))];
    case 'set_field':
      return [
        field(s.field, select(catalog.settable, action.field, (v) => set({ field: v }), 'action-field')),
        field(s.value, input(action.value, (v) => set({ value: v }), { testid: 'action-value' })),
      ];
    case 'dispatch':
      return [field(s.strategy, select(catalog.strategies, action.strategy, (v) => set({ strategy: v }), 'action-strategy'))];
    case 'add_collaborator':
      return [field(s.user, input(action.user, (v) => set({ user: Number(v) || v }), { testid: 'action-user' }))];
    case 'notify':
      return [
        field(s.roles, multi(catalog.roles, action.roles || [], (v) => set({ roles: v }), 'action-roles')),
        field(s.users, input((action.users || []).join(', '), (v) => set({ users: ids(v) }), { testid: 'action-users' })),
        field(s.channels, multi(catalog.channels, action.channels || [], (v) => set({ channels: v }), 'action-channels')),
        field(s.message, input(action.message, (v) => set({ message: v }), { testid: 'action-message' })),
      ];
    case 'escalate':
      return [
        field(
          s.to,
          select(
            [
              { value: 'superior', label: s.superior },
              { value: 'manager', label: s.manager },
            ],
            action.to,
            (v) => set({ to: v }),
            'action-to',
          ),
        ),
        checkbox(s.reassign, !!action.reassign, (on) => set({ reassign: on })),
        field(s.channels, multi(catalog.channels, action.channels || [], (v) => set({ channels: v }), 'action-channels')),
      ];
    case 'webhook':
      return [field(s.endpoint, input(action.endpoint, (v) => set({ endpoint: Number(v) || v }), { testid: 'action-endpoint' }))];
    default:
      return [field(s.title, input(action.title, (v) => set({ title: v }), { testid: 'action-title' }))];
  }
}

function actionSection() {
  const items = rule.actions.map((action, index) =>
    h(
      'div',
      { class: 'border rounded p-2 mb-2', testid: 'action-row' },
      h(
        'div',
        { class: 'd-flex gap-2 mb-2' },
        select(
          catalog.actionTypes,
          action.type,
          (type) => {
            rule.actions[index] = { type, ...structuredClone(DEFAULTS[type]) };
            render();
          },
          'action-type',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-ghost-danger',
            title: s.remove,
            testid: 'action-remove',
            onclick: () => {
              rule.actions.splice(index, 1);
              render();
            },
          },
          '×',
        ),
      ),
      ...actionParams(action),
    ),
  );
  const add = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-sm btn-outline-primary',
      testid: 'action-add',
      onclick: () => {
        rule.actions.push({ type: 'set_priority', ...DEFAULTS.set_priority });
        render();
      },
    },
    s.addAction,
  );
  return field(s.actions, ...items, add);
}

function triggerSection() {
  const extra = [];
  if (rule.trigger === 'field_changed') {
    extra.push(
      select(
        [{ value: '', label: s.anyField }, ...catalog.fields],
        rule.trigger_field || '',
        (v) => {
          rule.trigger_field = v;
        },
        'trigger-field',
      ),
    );
  } else if (rule.trigger === 'step_entered' || rule.trigger === 'step_completed') {
    extra.push(input(rule.trigger_step, (v) => (rule.trigger_step = v.trim()), { placeholder: s.step, testid: 'trigger-step' }));
  } else if (rule.trigger === 'schedule') {
    extra.push(
      input(rule.every_minutes, (v) => (rule.every_minutes = Number(v) || null), {
        type: 'number',
        min: '1',
        placeholder: s.every,
        testid: 'trigger-every',
      }),
    );
  }
  return field(
    s.trigger,
    h(
      'div',
      { class: 'd-flex gap-2' },
      select(
        catalog.triggers,
        rule.trigger,
        (v) => {
          rule.trigger = v;
          render();
        },
        'trigger',
      ),
      ...extra,
    ),
  );
}

function payload() {
  const { id, ...data } = rule;
  return data;
}

async function post(url, method, body) {
  const response = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': config.csrfToken },
    body: JSON.stringify(body),
  });
  return { ok: response.ok, body: await response.json().catch(() => ({})) };
}

function problem(body) {
  const details = Object.entries(body.fields || {}).map(([k, v]) => `${k}: ${v.join(', ')}`);
  return h('div', { class: 'alert alert-danger', role: 'alert', testid: 'rule-error' }, body.message || 'Error', ...details.map((d) => h('div', { class: 'small' }, d)));
}

let status = null;

async function save() {
  const url = rule.id ? `${config.ruleUrl}${rule.id}` : config.createUrl;
  const { ok, body } = await post(url, rule.id ? 'PATCH' : 'POST', payload());
  if (ok) {
    window.location.assign(`${config.pageUrl}${body.id}/?saved=1`);
    return;
  }
  status = problem(body);
  render();
}

function render() {
  const name = input(rule.name, (v) => (rule.name = v), { testid: 'rule-name', maxlength: '200' });
  const order = input(rule.order, (v) => (rule.order = Number(v) || 0), { type: 'number', testid: 'rule-order' });
  const enabled = checkbox(s.enabled, rule.enabled, (on) => (rule.enabled = on), { 'data-testid': 'rule-enabled' });
  const saved = new URLSearchParams(window.location.search).has('saved') && !status
    ? h('div', { class: 'alert alert-success', testid: 'rule-saved' }, s.saved)
    : null;
  root.replaceChildren(
    ...[saved, status].filter(Boolean),
    h('div', { class: 'row' }, h('div', { class: 'col-8' }, field(s.name, name)), h('div', { class: 'col-4' }, field(s.order, order))),
    enabled,
    triggerSection(),
    conditionSection(),
    actionSection(),
    h('div', { class: 'mt-3' }, h('button', { type: 'button', class: 'btn btn-primary', testid: 'rule-save', onclick: save }, s.save)),
  );
}

function renderTry(result) {
  const ticket = input('', () => {}, { placeholder: s.tryPlaceholder, testid: 'try-ticket' });
  const out = [];
  if (result && !result.ok) out.push(problem(result.body));
  if (result && result.ok) {
    const b = result.body;
    out.push(h('div', { class: 'mt-2', testid: 'try-result' }, b.matches ? s.matches : s.noMatch));
    if (b.error) out.push(h('div', { class: 'text-danger small' }, b.error));
    out.push(h('ul', { class: 'small mt-1' }, b.actions.map((a) => h('li', { testid: 'try-action' }, a.result))));
    out.push(h('div', { class: 'text-secondary small' }, s.nothingChanged));
  }
  const button = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-outline-primary',
      testid: 'try-run',
      onclick: async () => {
        renderTry(await post(config.dryRunUrl, 'POST', { ticket: ticket.value, rule: payload() }));
      },
    },
    s.try,
  );
  tryRoot.replaceChildren(field(s.tryTicket, h('div', { class: 'd-flex gap-2' }, ticket, button)), ...out);
}

render();
renderTry(null);
