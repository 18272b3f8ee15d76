// Reading and writing Baton's conventions on BPMN elements through bpmn-js commands
// (so every change can be undone): camunda properties and form fields on steps,
// conditions and default paths on gateway flows, boundary timers on steps.

const STEP_TYPES = ['bpmn:UserTask', 'bpmn:Task', 'bpmn:ManualTask'];
const MANAGED = ['owner', 'auto_dispatch', 'sla', 'status', 'outcomes', 'reason_required'];

export const isStep = (element) => STEP_TYPES.includes(element.type);
export const list = (text) =>
  (text || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function extensionValues(bo) {
  return (bo.extensionElements && bo.extensionElements.values) || [];
}

export function stepData(bo) {
  const properties = {};
  for (const group of extensionValues(bo).filter((v) => v.$type === 'camunda:Properties')) {
    for (const property of group.values || []) {
      if (property.name) properties[property.name] = property.value || '';
    }
  }
  const form = extensionValues(bo).find((v) => v.$type === 'camunda:FormData');
  const fields = ((form && form.fields) || []).map((f) => f.id).filter((id) => id && id !== 'outcome');
  return { properties, fields };
}

function orderedProperties(properties) {
  const outcomes = list(properties.outcomes);
  const keys = [
    'owner',
    'auto_dispatch',
    'sla',
    'sla_business',
    'status',
    'outcomes',
    ...outcomes.map((o) => `require_${o}`),
    'reason_required',
  ];
  const extra = Object.keys(properties).filter((k) => !MANAGED.includes(k) && !k.startsWith('require_'));
  return [...keys, ...extra]
    .map((name) => [name, properties[name]])
    .filter(([, value]) => value !== undefined && value !== null && String(value).trim() !== '');
}

export function writeStep(modeler, element, data, catalog) {
  const moddle = modeler.get('moddle');
  const bo = element.businessObject;
  const old = extensionValues(bo);
  const oldForm = old.find((v) => v.$type === 'camunda:FormData');
  const values = old.filter((v) => v.$type !== 'camunda:Properties' && v.$type !== 'camunda:FormData');
  const fields = [];
  const outcomes = list(data.properties.outcomes);
  if (outcomes.length > 1) {
    const label = (id) => (catalog.outcomes.find((o) => o.value === id) || { label: id }).label;
    const choices = outcomes.map((id) => moddle.create('camunda:Value', { id, name: label(id) }));
    fields.push(
      moddle.create('camunda:FormField', {
        id: 'outcome',
        label: catalog.outcomeLabel,
        type: 'enum',
        values: choices,
      }),
    );
  }
  for (const id of data.fields) {
    const existing = oldForm && (oldForm.fields || []).find((f) => f.id === id);
    const known = catalog.fields.find((f) => f.id === id) || { label: id, type: 'string' };
    fields.push(existing || moddle.create('camunda:FormField', { id, label: known.label, type: known.type }));
  }
  if (fields.length) values.push(moddle.create('camunda:FormData', { fields }));
  const properties = orderedProperties(data.properties).map(([name, value]) =>
    moddle.create('camunda:Property', { name, value: String(value).trim() }),
  );
  if (properties.length) values.push(moddle.create('camunda:Properties', { values: properties }));
  const extensionElements = values.length ? moddle.create('bpmn:ExtensionElements', { values }) : undefined;
  modeler.get('modeling').updateProperties(element, { extensionElements });
}

// ---- SLA / durations: PT30M, PT4H, P2D <-> {amount, unit}

export function parseDuration(iso) {
  const match = /^P(?:(\d+)D|T(\d+)([HM]))$/.exec((iso || '').trim().toUpperCase());
  if (!match) return null;
  return match[1] ? { amount: match[1], unit: 'D' } : { amount: match[2], unit: match[3] };
}

export function formatDuration(amount, unit) {
  const n = parseInt(amount, 10);
  if (!Number.isFinite(n) || n <= 0) return '';
  return unit === 'D' ? `P${n}D` : `PT${n}${unit}`;
}

// ---- gateway flows

export function isGatewayFlow(connection) {
  const source = connection.source;
  return !!source && ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway'].includes(source.type);
}

export function isDefaultFlow(connection) {
  const source = connection.source;
  return !!source && source.businessObject.default === connection.businessObject;
}

export function conditionOf(connection) {
  const expression = connection.businessObject.conditionExpression;
  return expression ? expression.body || '' : '';
}

export function writeCondition(modeler, connection, text) {
  const body = (text || '').trim();
  const conditionExpression = body
    ? modeler.get('moddle').create('bpmn:FormalExpression', { body })
    : undefined;
  modeler.get('modeling').updateProperties(connection, { conditionExpression });
}

export function setDefaultFlow(modeler, connection, on) {
  const modeling = modeler.get('modeling');
  if (on) {
    if (conditionOf(connection)) writeCondition(modeler, connection, '');
    modeling.updateProperties(connection.source, { default: connection.businessObject });
  } else if (isDefaultFlow(connection)) {
    modeling.updateProperties(connection.source, { default: undefined });
  }
}

// ---- timers

function timerDefinition(bo) {
  return (bo.eventDefinitions || []).find((d) => d.$type === 'bpmn:TimerEventDefinition');
}

export const isTimer = (element) => !!(element.businessObject && timerDefinition(element.businessObject));

export function timersOf(element) {
  return (element.attachers || []).filter(isTimer);
}

export function timerData(element) {
  const bo = element.businessObject;
  const definition = timerDefinition(bo);
  const duration = definition && definition.timeDuration ? definition.timeDuration.body || '' : '';
  return { duration, interrupting: element.type !== 'bpmn:BoundaryEvent' || bo.cancelActivity !== false };
}

export function writeTimer(modeler, element, { duration, interrupting }) {
  const modeling = modeler.get('modeling');
  const bo = element.businessObject;
  const definition = timerDefinition(bo);
  const timeDuration = modeler.get('moddle').create('bpmn:FormalExpression', { body: duration });
  modeling.updateModdleProperties(element, definition, {
    timeDuration,
    timeDate: undefined,
    timeCycle: undefined,
  });
  if (
    element.type === 'bpmn:BoundaryEvent' &&
    interrupting !== undefined &&
    (bo.cancelActivity !== false) !== interrupting
  ) {
    modeling.updateProperties(element, { cancelActivity: interrupting });
  }
}

export function addTimer(modeler, host, { interrupting, duration, name }) {
  const shape = modeler.get('elementFactory').createShape({
    type: 'bpmn:BoundaryEvent',
    eventDefinitionType: 'bpmn:TimerEventDefinition',
    cancelActivity: interrupting,
  });
  const position = { x: host.x + 25 + timersOf(host).length * 45, y: host.y + host.height };
  const timer = modeler.get('modeling').createShape(shape, position, host, { attach: true });
  writeTimer(modeler, timer, { duration, interrupting });
  if (name) modeler.get('modeling').updateLabel(timer, name);
  return timer;
}

export function setTerminate(modeler, element, on) {
  const replace = modeler.get('bpmnReplace');
  const target = { type: 'bpmn:EndEvent' };
  if (on) target.eventDefinitionType = 'bpmn:TerminateEventDefinition';
  return replace.replaceElement(element, target);
}

export function isTerminate(element) {
  return (element.businessObject.eventDefinitions || []).some(
    (d) => d.$type === 'bpmn:TerminateEventDefinition',
  );
}

// ---- a new, empty flow

export function blankXml(processName) {
  const name = (processName || '').replace(/[<>&"]/g, '');
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_new" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Baton" exporterVersion="1.0">
  <bpmn:process id="Process_new" name="${name}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_new">
    <bpmndi:BPMNPlane id="BPMNPlane_new" bpmnElement="Process_new">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="152" y="182" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}
