// Gateway conditions: the picker rows (field, operator, value) <-> CEL text.
//
// toCel([{name: "cost", op: "<", value: "500"}], "and", variables) -> 'cost < 500'
// parseCel('customer_level == "vip" && fault_category == "down"', variables)
//   -> {rows: [...], join: "and"}; null when the text is not something the pickers can show
//   (then the panel keeps the CEL as typed).

const CLAUSE =
  /^\s*([a-z_][a-z0-9_]*)\s*(==|!=|<=|>=|<|>)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?|true|false)\s*/;
const JOIN = /^(&&|\|\|)\s*/;

export function literal(variable, value) {
  if (variable.type === 'number') {
    const text = String(value ?? '').trim();
    const number = Number(text);
    return text !== '' && Number.isFinite(number) ? String(number) : null;
  }
  if (variable.type === 'boolean') {
    return value === 'false' || value === false ? 'false' : 'true';
  }
  return value === undefined || value === '' ? null : JSON.stringify(String(value));
}

export function toCel(rows, join, variables) {
  const parts = [];
  for (const row of rows) {
    const variable = variables.find((v) => v.name === row.name);
    const value = variable && literal(variable, row.value);
    if (value !== null && value !== undefined) {
      parts.push(`${row.name} ${row.op} ${value}`);
    }
  }
  return parts.join(join === 'or' ? ' || ' : ' && ');
}

function clause(match, variables) {
  const [, name, op, raw] = match;
  const variable = variables.find((v) => v.name === name);
  if (!variable) return null;
  let value = raw;
  if (/^["']/.test(raw)) {
    if (variable.type !== 'choice') return null;
    value = raw.slice(1, -1).replace(/\\(.)/g, '$1');
  } else if (raw === 'true' || raw === 'false') {
    if (variable.type !== 'boolean') return null;
  } else if (variable.type !== 'number') {
    return null;
  }
  if (variable.type !== 'number' && op !== '==' && op !== '!=') return null;
  return { name, op, value };
}

export function parseCel(text, variables) {
  let rest = (text || '').trim();
  const rows = [];
  let join = null;
  while (rest) {
    const match = CLAUSE.exec(rest);
    const row = match && clause(match, variables);
    if (!row) return null;
    rows.push(row);
    rest = rest.slice(match[0].length);
    if (!rest) break;
    const joiner = JOIN.exec(rest);
    if (!joiner) return null;
    const kind = joiner[1] === '&&' ? 'and' : 'or';
    if (join && join !== kind) return null; // mixed && / || needs brackets: keep it as CEL
    join = kind;
    rest = rest.slice(joiner[0].length);
    if (!rest) return null;
  }
  return { rows, join: join || 'and' };
}
