// The flow designer page: bpmn-js (modeler, or viewer for an old version), Baton's side
// panel, validate / deploy against /api/v1/flows/<key>/…, problems shown on the diagram.

import { blankXml } from './model.js';
import { editingModule, translateModule } from './modules.js';
import { Panel } from './panel.js';
import { ProblemView } from './problems.js';

const config = JSON.parse(document.getElementById('designer-config').textContent);
const s = config.strings;
const $ = (selector) => document.querySelector(selector);

function say(kind, text, link) {
  const box = $('#designer-status');
  box.className = `alert alert-${kind} mb-2`;
  box.replaceChildren(document.createTextNode(text));
  if (link) {
    const a = document.createElement('a');
    a.href = link.href;
    a.className = 'ms-2';
    a.textContent = link.text;
    box.append(a);
  }
  box.hidden = false;
}

function problemsOf(body) {
  return Object.entries(body.fields || {}).flatMap(([id, messages]) =>
    messages.map((message) => ({ element_id: id === 'flow' ? null : id, message })),
  );
}

// Fit the diagram into the canvas, leaving room for the palette on the left.
function fit(modeler) {
  const canvas = modeler.get('canvas');
  canvas.zoom('fit-viewport', 'auto');
  const palette = document.querySelector('#designer-canvas .djs-palette');
  const { inner, outer } = canvas.viewbox();
  if (!inner.width || !inner.height) return;
  const margin = 24;
  const left = palette && outer.width >= 600 ? palette.offsetWidth + margin : margin;
  const scale = Math.min(
    (outer.width - left - margin) / inner.width,
    (outer.height - 2 * margin) / inner.height,
    1,
  );
  const width = outer.width / scale;
  const height = outer.height / scale;
  const spareX = width - inner.width - (left + margin) / scale;
  const spareY = height - inner.height;
  canvas.viewbox({ x: inner.x - left / scale - spareX / 2, y: inner.y - spareY / 2, width, height });
}

async function post(url, xml) {
  const response = await fetch(url, {
    method: 'POST',
    body: xml,
    headers: {
      'Content-Type': 'application/xml',
      Accept: 'application/json',
      'X-CSRFToken': config.csrfToken,
    },
  });
  let body = {};
  try {
    body = await response.json();
  } catch (error) {
    body = {};
  }
  return { status: response.status, body };
}

async function main() {
  const camunda = await (await fetch(config.camundaUrl)).json();
  const additionalModules = [translateModule(config.bpmnStrings)];
  if (!config.readOnly) additionalModules.push(editingModule);
  const modeler = new window.BpmnJS({
    container: '#designer-canvas',
    moddleExtensions: { camunda },
    additionalModules,
  });
  window.batonDesigner = { modeler, ready: false };
  const panel = new Panel(modeler, $('#designer-panel'), {
    catalog: config.catalog,
    strings: s,
    readOnly: config.readOnly,
  });
  const problems = new ProblemView(modeler, $('#designer-problems'), s);
  let dirty = false;

  async function open(xml) {
    try {
      const { warnings } = await modeler.importXML(xml);
      if (warnings.length) console.warn(warnings);
    } catch (error) {
      say('danger', `${s.importFailed} ${error.message}`);
      return;
    }
    fit(modeler);
    problems.clear();
    panel.render(null);
  }

  await open(config.xml || blankXml(config.name));
  if (config.xml && config.source.startsWith('template')) dirty = true;
  window.batonDesigner.ready = true;
  document.body.dataset.designerReady = '1';
  if (config.readOnly) return;

  modeler.get('eventBus').on('commandStack.changed', () => {
    dirty = true;
  });
  window.addEventListener('beforeunload', (event) => {
    if (dirty) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  const xml = async () => (await modeler.saveXML({ format: true })).xml;
  const busy = (on) =>
    document.querySelectorAll('[data-busy]').forEach((b) => {
      b.disabled = on;
    });

  async function check(url, deploying) {
    busy(true);
    try {
      const { status, body } = await post(url, await xml());
      if (deploying && status === 201) {
        dirty = false;
        problems.clear();
        say('success', s.deployed.replace('{number}', body.number), {
          href: config.flowUrl,
          text: s.seeVersions,
        });
        $('#designer-version').textContent = `v${body.number}`;
      } else if (!deploying && status === 200) {
        problems.show(body.problems);
        if (body.valid) say('success', s.valid);
        else say('warning', s.problemsFound.replace('{count}', body.problems.length));
      } else if (status === 422) {
        const found = problemsOf(body);
        problems.show(found);
        say(
          'danger',
          `${deploying ? s.notDeployed : ''} ${s.problemsFound.replace('{count}', found.length)}`.trim(),
        );
      } else {
        say('danger', body.message || s.requestFailed);
      }
    } catch (error) {
      say('danger', s.requestFailed);
    } finally {
      busy(false);
    }
  }

  $('#designer-validate').addEventListener('click', () => check(config.validateUrl, false));
  $('#designer-deploy').addEventListener('click', () => check(config.deployUrl, true));
  $('#designer-undo').addEventListener('click', () => modeler.get('commandStack').undo());
  $('#designer-redo').addEventListener('click', () => modeler.get('commandStack').redo());
  $('#designer-fit').addEventListener('click', () => fit(modeler));
  $('#designer-download').addEventListener('click', async () => {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([await xml()], { type: 'application/xml' }));
    link.download = `${config.key}.bpmn`;
    link.click();
    URL.revokeObjectURL(link.href);
  });
  document.querySelectorAll('[data-template-url]').forEach((item) =>
    item.addEventListener('click', async (event) => {
      event.preventDefault();
      if (dirty && !window.confirm(s.replaceConfirm)) return;
      const response = await fetch(item.dataset.templateUrl);
      await open(await response.text());
      dirty = true;
      say('info', s.templateLoaded.replace('{name}', item.textContent.trim()));
    }),
  );
}

main();
