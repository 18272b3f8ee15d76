// Deploy/validate problems: a red marker and badge on each offending element, and a
// list (click a problem to select its element). Problems without an element are listed only.

const MARKER = 'baton-problem';

export class ProblemView {
  constructor(viewer, listElement, strings) {
    this.viewer = viewer;
    this.list = listElement;
    this.strings = strings;
    this.marked = [];
  }

  clear() {
    const canvas = this.viewer.get('canvas');
    const registry = this.viewer.get('elementRegistry');
    for (const id of this.marked) {
      if (registry.get(id)) canvas.removeMarker(id, MARKER);
    }
    this.viewer.get('overlays').remove({ type: MARKER });
    this.marked = [];
    this.list.replaceChildren();
    this.list.hidden = true;
  }

  // problems: [{element_id, message}]
  show(problems) {
    this.clear();
    const registry = this.viewer.get('elementRegistry');
    const canvas = this.viewer.get('canvas');
    const overlays = this.viewer.get('overlays');
    const byElement = new Map();
    for (const problem of problems) {
      const id = problem.element_id && registry.get(problem.element_id) ? problem.element_id : null;
      if (id) byElement.set(id, [...(byElement.get(id) || []), problem.message]);
    }
    for (const [id, messages] of byElement) {
      canvas.addMarker(id, MARKER);
      this.marked.push(id);
      const badge = document.createElement('div');
      badge.className = 'baton-problem-badge';
      badge.textContent = String(messages.length);
      badge.title = messages.join('\n');
      badge.dataset.testid = 'problem-badge';
      badge.dataset.element = id;
      overlays.add(id, MARKER, { position: { top: -10, right: 10 }, html: badge });
    }
    const heading = document.createElement('div');
    heading.className = 'fw-bold mb-1';
    heading.textContent = this.strings.problemsFound.replace('{count}', String(problems.length));
    const items = problems.map((problem) => this.item(problem, byElement.has(problem.element_id)));
    this.list.replaceChildren(heading, ...items);
    this.list.hidden = problems.length === 0;
  }

  item(problem, onDiagram) {
    const item = document.createElement(onDiagram ? 'button' : 'div');
    item.className = onDiagram
      ? 'baton-problem-item btn btn-link p-0 text-start text-danger'
      : 'baton-problem-item text-danger';
    item.textContent = problem.message;
    item.dataset.testid = 'problem';
    if (problem.element_id) item.dataset.element = problem.element_id;
    if (onDiagram) {
      item.type = 'button';
      item.addEventListener('click', () => {
        const element = this.viewer.get('elementRegistry').get(problem.element_id);
        if (!element) return;
        this.viewer.get('selection').select(element);
        this.viewer.get('canvas').scrollToElement(element);
      });
    }
    return item;
  }
}
