// Baton's side panel: shows what the selected element means for a ticket and edits it.

import { checkbox, field, h } from './dom.js';
import { renderCondition } from './condition-panel.js';
import { maxLoopsControl } from './approval-panel.js';
import { renderDecisionTask } from './decision-panel.js';
import { durationControl, renderStep } from './step-panel.js';
import { isGatewayFlow, isStep, isTerminate, isTimer, setTerminate, timerData, writeTimer } from './model.js';

export class Panel {
  constructor(modeler, root, { catalog, strings, readOnly }) {
    Object.assign(this, { modeler, root, catalog, s: strings, readOnly, busy: false, current: null });
    const bus = modeler.get('eventBus');
    bus.on('selection.changed', ({ newSelection }) =>
      this.render(newSelection.length === 1 ? newSelection[0] : null),
    );
    bus.on('elements.changed', ({ elements }) => {
      if (this.busy) return;
      const shown = this.current && elements.find((e) => e.id === this.current.id);
      if (shown) this.render(this.registry().get(shown.id) || null);
    });
  }

  registry() {
    return this.modeler.get('elementRegistry');
  }

  // Run a change through bpmn-js, then show the result once.
  apply(change) {
    this.busy = true;
    let result;
    try {
      result = change();
    } finally {
      this.busy = false;
    }
    const element = this.current && this.registry().get(this.current.id);
    this.render(element || null);
    return result;
  }

  writeTimer(timer, changes) {
    writeTimer(this.modeler, timer, { ...timerData(timer), ...changes });
  }

  nameInput(element) {
    return h('input', {
      class: 'form-control',
      value: element.businessObject.name || '',
      disabled: this.readOnly,
      testid: 'name',
      onchange: (e) =>
        this.apply(() => this.modeler.get('modeling').updateLabel(element, e.target.value.trim())),
    });
  }

  render(element) {
    this.current = element;
    if (this.draft && (!element || this.draft.id !== element.id)) this.draft = null;
    const content = this.content(element);
    this.root.replaceChildren(...content.flat().filter(Boolean));
    this.root.dataset.element = element ? element.id : '';
  }

  content(element) {
    const s = this.s;
    if (!element || element.type === 'bpmn:Process' || element.type === 'label') return this.renderProcess();
    if (isStep(element)) return renderStep(this, element);
    if (element.type === 'bpmn:SequenceFlow') return this.renderFlow(element);
    if (element.type === 'bpmn:BusinessRuleTask') return renderDecisionTask(this, element);
    if (isTimer(element)) return this.renderTimer(element);
    if (element.type.endsWith('Gateway')) return this.renderGateway(element);
    if (element.type === 'bpmn:StartEvent' || element.type === 'bpmn:EndEvent')
      return this.renderEvent(element);
    return [
      h('h3', { class: 'card-title' }, element.type.replace('bpmn:', '')),
      h('p', { class: 'text-secondary' }, s.unsupported),
    ];
  }

  renderProcess() {
    const root = this.modeler.get('canvas').getRootElement();
    if (!root || !root.businessObject) return [];
    const name = h('input', {
      class: 'form-control',
      value: root.businessObject.name || '',
      disabled: this.readOnly,
      testid: 'process-name',
      onchange: (e) =>
        this.apply(() =>
          this.modeler.get('modeling').updateProperties(root, { name: e.target.value.trim() }),
        ),
    });
    return [
      h('h3', { class: 'card-title' }, this.s.flow),
      field(this.s.flowName, name),
      maxLoopsControl(this, root),
      h('p', { class: 'text-secondary' }, this.readOnly ? this.s.selectHintReadOnly : this.s.selectHint),
    ];
  }

  renderFlow(connection) {
    const s = this.s;
    const target = connection.target && connection.target.businessObject.name;
    const parts = [
      h('h3', { class: 'card-title' }, s.sequenceFlow),
      field(s.name, this.nameInput(connection)),
    ];
    if (target) parts.push(h('p', { class: 'text-secondary' }, s.leadsTo.replace('{target}', target)));
    if (isGatewayFlow(connection)) return [...parts, ...renderCondition(this, connection)];
    return [...parts, h('p', { class: 'form-hint' }, s.noConditionHere)];
  }

  renderGateway(gateway) {
    const s = this.s;
    const outgoing = gateway.outgoing || [];
    const rows = outgoing.map((flow) => {
      const isDefault = gateway.businessObject.default === flow.businessObject;
      const condition = flow.businessObject.conditionExpression
        ? flow.businessObject.conditionExpression.body
        : '';
      const label = flow.businessObject.name || flow.target.businessObject.name || flow.id;
      return h(
        'button',
        {
          type: 'button',
          class: 'list-group-item list-group-item-action',
          testid: 'gateway-path',
          onclick: () => this.modeler.get('selection').select(flow),
        },
        h('div', { class: 'fw-bold' }, label),
        h(
          'div',
          { class: 'small font-monospace text-secondary' },
          isDefault ? s.defaultPath : condition || s.noCondition,
        ),
      );
    });
    const warn =
      outgoing.length > 1 && !gateway.businessObject.default
        ? h('div', { class: 'alert alert-warning' }, s.needsDefault)
        : null;
    return [
      h('h3', { class: 'card-title' }, s.gateway),
      field(s.name, this.nameInput(gateway)),
      warn,
      field(s.paths, h('div', { class: 'list-group' }, rows)),
      h('p', { class: 'form-hint' }, s.gatewayHint),
    ];
  }

  renderTimer(timer) {
    const s = this.s;
    const data = timerData(timer);
    const boundary = timer.type === 'bpmn:BoundaryEvent';
    const kind = boundary
      ? field(
          s.timerKind,
          h(
            'select',
            {
              class: 'form-select',
              disabled: this.readOnly,
              testid: 'timer-kind',
              onchange: (e) =>
                this.apply(() => this.writeTimer(timer, { interrupting: e.target.value === 'escalation' })),
            },
            h('option', { value: 'alert', selected: !data.interrupting }, s.timerAlert),
            h('option', { value: 'escalation', selected: data.interrupting }, s.timerEscalation),
          ),
        )
      : null;
    const host =
      boundary && timer.host
        ? h(
            'p',
            { class: 'text-secondary' },
            s.attachedTo.replace('{step}', timer.host.businessObject.name || timer.host.id),
          )
        : null;
    return [
      h('h3', { class: 'card-title' }, s.timer),
      field(s.name, this.nameInput(timer)),
      host,
      kind,
      field(
        s.duration,
        durationControl(
          data.duration,
          (value) => this.apply(() => this.writeTimer(timer, { duration: value })),
          this.catalog.slaUnits,
          { disabled: this.readOnly, testid: 'timer' },
        ),
      ),
      h('p', { class: 'form-hint' }, boundary ? s.timerHint : s.waitHint),
    ];
  }

  renderEvent(event) {
    const s = this.s;
    const parts = [
      h('h3', { class: 'card-title' }, event.type === 'bpmn:StartEvent' ? s.start : s.end),
      field(s.name, this.nameInput(event)),
    ];
    if (event.type === 'bpmn:EndEvent') {
      parts.push(
        checkbox(
          s.terminate,
          isTerminate(event),
          (on) => {
            const replaced = this.apply(() => setTerminate(this.modeler, event, on));
            if (replaced) this.modeler.get('selection').select(replaced);
          },
          { disabled: this.readOnly, 'data-testid': 'terminate' },
        ),
        h('p', { class: 'form-hint' }, s.terminateHint),
      );
    }
    return parts;
  }
}
