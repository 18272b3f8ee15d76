// The ticket's flow diagram: loads bpmn-js (viewer build) when the card scrolls into view, then
// marks the path taken (green), the current steps (blue) and notes who did each step and for how long.
// Panning is the browser's own scrolling, so it works with a finger on a phone; the buttons zoom.
(function () {
  'use strict';

  const PAD = 24;
  const NOTE_ROOM = 40; // notes hang below the bottom row of steps
  const MIN_SCALE = 0.3;
  const MAX_SCALE = 2;
  const START_SCALE = 0.6; // never start smaller than this: on a phone, scroll instead

  function loadViewer(src) {
    if (window.BpmnJS) return Promise.resolve(window.BpmnJS);
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = () => resolve(window.BpmnJS);
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.appendChild(script);
    });
  }

  function note(item) {
    const box = document.createElement('div');
    box.className = `baton-diagram-note baton-diagram-note-${item.state}`;
    box.dataset.testid = 'diagram-note';
    box.dataset.element = item.id;
    const owner = document.createElement('div');
    owner.className = 'baton-diagram-note-owner';
    owner.textContent = item.owner;
    const text = document.createElement('div');
    text.textContent = item.text;
    box.append(owner, text);
    return box;
  }

  function mark(viewer, data) {
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    const overlays = viewer.get('overlays');
    const active = new Set(data.active);
    const add = (id, marker) => {
      if (registry.get(id)) canvas.addMarker(id, marker);
    };
    new Set(data.completed).forEach((id) => {
      if (!active.has(id)) add(id, 'baton-done');
    });
    active.forEach((id) => add(id, 'baton-active'));
    data.flows.forEach((id) => add(id, 'baton-taken'));
    data.overlays.forEach((item) => {
      if (!registry.get(item.id)) return;
      overlays.add(item.id, 'baton-note', {
        position: { bottom: -6, left: -10 },
        scale: { min: 0.9 },
        html: note(item),
      });
    });
  }

  function sizer(viewer, scroll, inner) {
    const canvas = viewer.get('canvas');
    const box = canvas.viewbox().inner;
    const fit = () => Math.min(1, (scroll.clientWidth - 2 * PAD) / box.width);
    let scale = Math.max(fit(), START_SCALE);

    function layout() {
      const width = Math.max(box.width * scale + 2 * PAD, scroll.clientWidth);
      const height = box.height * scale + 2 * PAD + NOTE_ROOM;
      inner.style.width = `${Math.ceil(width)}px`;
      inner.style.height = `${Math.ceil(height)}px`;
      canvas.resized();
      canvas.viewbox({
        x: box.x - PAD / scale,
        y: box.y - PAD / scale,
        width: width / scale,
        height: height / scale,
      });
    }

    return {
      layout,
      zoom(how) {
        if (how === 'fit') scale = fit();
        else scale *= how === 'in' ? 1.25 : 0.8;
        scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
        layout();
      },
      reveal(id) {
        const element = viewer.get('elementRegistry').get(id);
        if (!element) return;
        const centre = (element.x + element.width / 2 - box.x) * scale + PAD;
        scroll.scrollLeft = Math.max(0, centre - scroll.clientWidth / 2);
      },
    };
  }

  async function show(card) {
    const root = card.querySelector('[data-diagram-url]');
    const scroll = root.querySelector('.baton-diagram-scroll');
    const inner = root.querySelector('.baton-diagram-canvas');
    const status = root.querySelector('.baton-diagram-status');
    try {
      const [BpmnJS, response] = await Promise.all([
        loadViewer(root.dataset.viewerSrc),
        fetch(root.dataset.diagramUrl, { headers: { Accept: 'application/json' } }),
      ]);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      root.classList.add('is-shown');
      const viewer = new BpmnJS({ container: inner });
      await viewer.importXML(data.xml);
      const size = sizer(viewer, scroll, inner);
      size.layout();
      mark(viewer, data);
      if (data.active.length) size.reveal(data.active[0]);
      const tools = card.querySelector('.baton-diagram-tools');
      tools.hidden = false;
      tools.addEventListener('click', (event) => {
        const button = event.target.closest('[data-zoom]');
        if (button) size.zoom(button.dataset.zoom);
      });
      status.remove();
      card.dataset.diagramReady = '1';
    } catch (error) {
      root.classList.remove('is-shown');
      status.textContent = root.dataset.failed;
      card.dataset.diagramReady = 'failed';
      console.error(error);
    }
  }

  function start() {
    document.querySelectorAll('[data-testid=flow-diagram]').forEach((card) => {
      if (!('IntersectionObserver' in window)) {
        show(card);
        return;
      }
      const observer = new IntersectionObserver((entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        observer.disconnect();
        show(card);
      }, { rootMargin: '200px' });
      observer.observe(card);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
