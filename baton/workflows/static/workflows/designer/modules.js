// bpmn-js extensions: a palette and context pad with only what Baton runs (steps,
// exclusive gateways, timers, start and end events), a "change type" menu limited the
// same way, and the page's language for bpmn-js's own tooltips.

const PALETTE_KEEP = [
  'hand-tool',
  'lasso-tool',
  'global-connect-tool',
  'tool-separator',
  'create.start-event',
  'create.end-event',
];
const PAD_REMOVE = /^append\.(intermediate-event|receive-task|.*-intermediate-event|compensation-activity)$/;
const REPLACE_ALLOWED =
  /^replace-with-(user-task|business-rule-task|task|manual-task|none-start|none-end|terminate-end|exclusive-gateway|parallel-gateway|inclusive-gateway|timer-intermediate-catch|timer-boundary|non-interrupting-timer-boundary|collapsed-subprocess|expanded-subprocess)$/;

function BatonPalette(palette, create, elementFactory, translate) {
  const start = (attrs) => (event) => create.start(event, elementFactory.createShape(attrs));
  const entry = (group, className, title, attrs) => ({
    group,
    className,
    title,
    action: { dragstart: start(attrs), click: start(attrs) },
  });
  palette.registerProvider(500, {
    getPaletteEntries: () => (entries) => {
      const result = {};
      for (const key of PALETTE_KEEP) if (entries[key]) result[key] = entries[key];
      result['create.timer'] = entry(
        'event',
        'bpmn-icon-intermediate-event-catch-timer',
        translate('Create timer (drop it on a step to attach it)'),
        { type: 'bpmn:IntermediateCatchEvent', eventDefinitionType: 'bpmn:TimerEventDefinition' },
      );
      result['create.exclusive-gateway'] = entries['create.exclusive-gateway'];
      result['create.user-task'] = entry('activity', 'bpmn-icon-user-task', translate('Create step'), {
        type: 'bpmn:UserTask',
      });
      result['create.business-rule-task'] = entry(
        'activity',
        'bpmn-icon-business-rule-task',
        translate('Create decision task (runs a decision table)'),
        { type: 'bpmn:BusinessRuleTask' },
      );
      return result;
    },
  });
}
BatonPalette.$inject = ['palette', 'create', 'elementFactory', 'translate'];

function BatonContextPad(contextPad, elementFactory, autoPlace, create, translate) {
  const appendStep = (event, element) => {
    const shape = elementFactory.createShape({ type: 'bpmn:UserTask' });
    if (autoPlace) autoPlace.append(element, shape);
    else create.start(event, shape, { source: element });
  };
  contextPad.registerProvider(500, {
    getContextPadEntries: () => (entries) => {
      for (const key of Object.keys(entries)) {
        if (PAD_REMOVE.test(key) || key === 'append' || key === 'append.append-task') {
          const wasTask = key === 'append.append-task';
          const old = entries[key];
          delete entries[key];
          if (wasTask) {
            entries['append.user-task'] = {
              group: old.group,
              className: 'bpmn-icon-user-task',
              title: translate('Append step'),
              action: {
                click: appendStep,
                dragstart: (event, element) =>
                  create.start(event, elementFactory.createShape({ type: 'bpmn:UserTask' }), {
                    source: element,
                  }),
              },
            };
          }
        }
      }
      return entries;
    },
  });
}
BatonContextPad.$inject = ['contextPad', 'elementFactory', 'autoPlace', 'create', 'translate'];

function BatonReplaceMenu(popupMenu) {
  popupMenu.registerProvider('bpmn-replace', 500, {
    getPopupMenuEntries: () => (entries) => {
      for (const key of Object.keys(entries)) if (!REPLACE_ALLOWED.test(key)) delete entries[key];
      return entries;
    },
    getPopupMenuHeaderEntries: () => () => ({}),
  });
}
BatonReplaceMenu.$inject = ['popupMenu'];

export function translateModule(strings) {
  const translate = (template, replacements) => {
    const text = (strings && strings[template]) || template;
    return text.replace(/{([^}]+)}/g, (whole, key) =>
      replacements && key in replacements ? replacements[key] : whole,
    );
  };
  return { translate: ['value', translate] };
}

export const editingModule = {
  __init__: ['batonPalette', 'batonContextPad', 'batonReplaceMenu'],
  batonPalette: ['type', BatonPalette],
  batonContextPad: ['type', BatonContextPad],
  batonReplaceMenu: ['type', BatonReplaceMenu],
};
