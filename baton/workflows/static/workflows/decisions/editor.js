// The decision table editor: an Alpine grid over the table JSON; the server writes the DMN.
// Problems from validate/deploy come back keyed by element id (In_3_2 = rule 3, input
// column 2; Out_r_c, Rule_r, Input_c, Output_c, Table) and are shown at that cell.
(function () {
  "use strict";

  const KEY = /^[a-z][a-z0-9_]{0,63}$/;
  const NAME = /^[a-z_][a-z0-9_]*$/;
  let serial = 0;

  function withId(rule) {
    serial += 1;
    return {
      _id: serial,
      inputs: [...(rule.inputs || [])],
      outputs: [...(rule.outputs || [])],
      note: rule.note || "",
    };
  }

  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? values[name] : match));
  }

  function parseValue(text) {
    const value = (text || "").trim();
    if (value === "") return undefined;
    try {
      return JSON.parse(value);
    } catch (error) {
      return value;
    }
  }

  function editor() {
    const config = JSON.parse(document.getElementById("decision-config").textContent);
    const table = config.table || {};
    return {
      ready: false,
      key: config.key,
      isNew: config.isNew,
      name: config.name,
      triage: config.triage,
      ticketType: config.ticketType,
      version: config.version,
      readOnly: config.readOnly,
      strings: config.strings,
      variables: config.variables,
      outputCatalog: config.outputs,
      ticketTypes: config.ticketTypes,
      hitPolicy: table.hit_policy || "FIRST",
      inputs: (table.inputs || []).map((c) => ({ label: c.label || "", expression: c.expression || "" })),
      outputs: (table.outputs || []).map((c) => ({ label: c.label || "", name: c.name || "" })),
      rules: (table.rules || []).map(withId),
      problems: {},
      problemList: [],
      message: { kind: "", text: "" },
      busy: false,
      dirty: false,
      tryInputs: {},
      tried: null,

      init() {
        this.ready = true;
      },

      // ------------------------------------------------------------ structure
      addRow() {
        this.rules.push(
          withId({ inputs: this.inputs.map(() => "-"), outputs: this.outputs.map(() => ""), note: "" }),
        );
        this.changed();
      },
      removeRow(r) {
        this.rules.splice(r, 1);
        this.changed();
      },
      moveRow(r, delta) {
        const target = r + delta;
        if (target < 0 || target >= this.rules.length) return;
        const [rule] = this.rules.splice(r, 1);
        this.rules.splice(target, 0, rule);
        this.changed();
      },
      addInput() {
        this.inputs.push({ label: "", expression: "" });
        this.rules.forEach((rule) => rule.inputs.push("-"));
        this.changed();
      },
      removeInput(c) {
        this.inputs.splice(c, 1);
        this.rules.forEach((rule) => rule.inputs.splice(c, 1));
        this.changed();
      },
      addOutput() {
        this.outputs.push({ label: "", name: "" });
        this.rules.forEach((rule) => rule.outputs.push(""));
        this.changed();
      },
      removeOutput(c) {
        this.outputs.splice(c, 1);
        this.rules.forEach((rule) => rule.outputs.splice(c, 1));
        this.changed();
      },
      changed() {
        this.dirty = true;
        this.problems = {};
        this.problemList = [];
      },

      // ------------------------------------------------------------ hints
      cellId(kind, r, c) {
        return `${kind}_${r + 1}_${c + 1}`;
      },
      has(id) {
        return Boolean(this.problems[id] && this.problems[id].length);
      },
      variable(name) {
        return this.variables.find((v) => v.name === (name || "").trim());
      },
      variableLabel(name) {
        const found = this.variable(name);
        return found ? found.label : "";
      },
      suggestions(expression) {
        const found = this.variable(expression);
        if (!found) return [];
        const values = [...found.values];
        if (values.length > 1 && values[0].cell.startsWith('"')) {
          const pair = values.slice(0, 2).map((v) => v.cell);
          values.push({ cell: `? in [${pair.join(", ")}]`, label: `${values[0].label} / ${values[1].label}` });
        }
        values.push({ cell: "-", label: this.strings.any });
        return values;
      },
      cellLabel(expression, cell) {
        const text = (cell || "").trim();
        if (text === "" || text === "-") return this.strings.any;
        const found = this.variable(expression);
        if (!found) return "";
        const exact = found.values.find((v) => v.cell === text);
        if (exact) return exact.label;
        return found.values
          .filter((v) => v.cell.startsWith('"') && text.includes(v.cell))
          .map((v) => v.label)
          .join(" / ");
      },
      outputSuggestions(name) {
        const found = this.outputCatalog.find((o) => o.name === (name || "").trim());
        return found ? found.values : [];
      },
      outputLabel(name, cell) {
        const exact = this.outputSuggestions(name).find((v) => v.cell === (cell || "").trim());
        return exact ? exact.label : "";
      },

      // ------------------------------------------------------------ server
      payload() {
        return {
          name: this.name,
          triage: this.triage,
          ticket_type: this.triage ? this.ticketType : "",
          table: {
            hit_policy: this.hitPolicy,
            inputs: this.inputs,
            outputs: this.outputs,
            rules: this.rules.map((rule) => ({ inputs: rule.inputs, outputs: rule.outputs, note: rule.note })),
          },
        };
      },
      url(action) {
        return `${config.apiBase}/${encodeURIComponent(this.key)}/${action}`;
      },
      async post(action, body) {
        const response = await fetch(this.url(action), {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrfToken },
          body: JSON.stringify(body),
        });
        let data = {};
        try {
          data = await response.json();
        } catch (error) {
          data = {};
        }
        return { status: response.status, data };
      },
      where(id) {
        const match = /^(?:(Table)|(Input|Output|Rule)_(\d+)|(In|Out)_(\d+)_(\d+))$/.exec(id || "");
        if (!match || match[1]) return this.strings.whereTable;
        if (match[2] === "Rule") return format(this.strings.where, { rule: match[3] });
        if (match[2]) {
          const offset = match[2] === "Output" ? this.inputs.length : 0;
          return format(this.strings.whereColumn, { column: Number(match[3]) + offset });
        }
        const offset = match[4] === "Out" ? this.inputs.length : 0;
        return `${format(this.strings.where, { rule: match[5] })} · ${format(this.strings.whereColumn, {
          column: Number(match[6]) + offset,
        })}`;
      },
      show(fields, text) {
        this.problems = fields || {};
        this.problemList = Object.entries(this.problems).flatMap(([id, messages]) =>
          messages.map((message) => ({ id, where: this.where(id), message })),
        );
        const count = this.problemList.length;
        this.message = {
          kind: "danger",
          text: count ? format(this.strings.problems, { count }) : text || this.strings.failed,
        };
      },
      checkHeader() {
        if (!KEY.test(this.key || "")) {
          this.show({ key: [this.strings.needKey] });
          return false;
        }
        if (!(this.name || "").trim()) {
          this.show({ name: [this.strings.needName] });
          return false;
        }
        return true;
      },
      async validate() {
        if (!this.checkHeader()) return;
        this.busy = true;
        try {
          const { status, data } = await this.post("validate", this.payload());
          if (status !== 200) return this.show(data.fields, data.message);
          if (data.valid) {
            this.problems = {};
            this.problemList = [];
            this.message = { kind: "success", text: this.strings.valid };
          } else {
            const fields = {};
            data.problems.forEach((p) => (fields[p.element_id || "Table"] ||= []).push(p.message));
            this.show(fields);
          }
        } catch (error) {
          this.show({}, this.strings.failed);
        } finally {
          this.busy = false;
        }
      },
      async deploy() {
        if (!this.checkHeader()) return;
        this.busy = true;
        try {
          const { status, data } = await this.post("deploy", this.payload());
          if (status !== 201) return this.show(data.fields, data.message);
          this.problems = {};
          this.problemList = [];
          this.dirty = false;
          this.version = data.number;
          this.tried = null;
          const text = this.triage ? this.strings.deployed : this.strings.deployedFlow;
          this.message = { kind: "success", text: format(text, { number: data.number }) };
          const badge = document.querySelector("[data-testid=decision-version]");
          if (badge) badge.textContent = `v${data.number}`;
          if (this.isNew) {
            this.isNew = false;
            window.history.replaceState(null, "", `${config.detailBase}${encodeURIComponent(this.key)}/edit/`);
          }
        } catch (error) {
          this.show({}, this.strings.failed);
        } finally {
          this.busy = false;
        }
      },

      // ------------------------------------------------------------ dry run
      tryVariables() {
        const names = this.inputs.map((c) => (c.expression || "").trim()).filter((n) => NAME.test(n));
        return [...new Set(names)];
      },
      async runTry() {
        const inputs = {};
        this.tryVariables().forEach((name) => {
          const value = parseValue(this.tryInputs[name]);
          if (value !== undefined) inputs[name] = value;
        });
        this.busy = true;
        try {
          const { status, data } = await this.post("evaluate", { inputs, version: this.version });
          if (status !== 200) {
            this.tried = null;
            return this.show({}, data.message);
          }
          this.message = { kind: "", text: "" };
          this.tried = { outputs: data.outputs, matched: data.matched };
        } catch (error) {
          this.show({}, this.strings.failed);
        } finally {
          this.busy = false;
        }
      },
    };
  }

  document.addEventListener("alpine:init", () => {
    window.Alpine.data("decisionEditor", editor);
  });
})();
