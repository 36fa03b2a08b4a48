// The filing form's helpers. Inputs of repeatable rows are named <field>-<n>-<column>.

const PEOPLE_BY_CODE = { 1109: ['05', '06', '07'], 1108: ['04'], 1113: ['08', '09', '10'] };
const KEPT_WHEN_ADDING = ['unit_name', 'unit_uscc', 'employed']; // the own unit, as the row above

function rowsOf(field) { return [...document.querySelectorAll(`[data-rows="${field}"] tbody tr`)]; }
function cell(row, column) { return row.querySelector(`[name$="-${column}"]`); }

// 追加 / 删除
document.addEventListener('click', (event) => {
  const field = event.target.closest('[data-rows]');
  if (!field) return;
  const body = field.querySelector('tbody');
  if (event.target.matches('[data-add-row]')) {
    if (body.rows.length >= Number(field.dataset.max)) return;
    const row = body.rows[body.rows.length - 1].cloneNode(true);
    const next = Math.max(...[...body.querySelectorAll('[name]')].map((el) => Number(el.name.split('-')[1]))) + 1;
    for (const input of row.querySelectorAll('[name]')) {
      const [name, , column] = input.name.split('-');
      input.name = `${name}-${next}-${column}`;
      if (!KEPT_WHEN_ADDING.includes(column)) input.value = '';
    }
    body.appendChild(row);
  } else if (event.target.matches('[data-remove-row]')) {
    const row = event.target.closest('tr');
    if (body.rows.length > 1) row.remove();
    else for (const input of row.querySelectorAll('[name]')) input.value = '';
  }
});

// A ticked special worker fills the 重点人员 row that names someone of their 工种 (司机, 司索信号工, 安装拆卸工).
function fillPerson(row) {
  const wanted = PEOPLE_BY_CODE[cell(row, 'code')?.value];
  const name = cell(row, 'name'), id = cell(row, 'id_number');
  if (!wanted || !name || name.value || id.value) return;
  const taken = new Set(rowsOf('personnel').map((r) => cell(r, 'id_number')?.value));
  const worker = [...document.querySelectorAll('input[name="worker_ids"]:checked')]
    .find((w) => wanted.includes(w.dataset.category) && !taken.has(w.dataset.idNumber));
  if (worker) { name.value = worker.dataset.name; id.value = worker.dataset.idNumber; }
}
document.addEventListener('change', (event) => {
  if (event.target.matches('input[name="worker_ids"]') && event.target.checked) rowsOf('personnel').forEach(fillPerson);
  if (event.target.matches('[name^="personnel-"][name$="-code"]')) fillPerson(event.target.closest('tr'));
});

// 基本参数: only the chosen category's codes; an empty table gets one row per code of it.
function offerParameters() {
  const category = document.querySelector('[name="category"]:checked, select[name="category"]')?.value;
  const rows = rowsOf('parameters');
  if (!category || !rows.length) return;
  for (const select of document.querySelectorAll('[name^="parameters-"][name$="-code"]')) {
    for (const option of select.options) option.hidden = Boolean(option.dataset.group) && option.dataset.group !== category;
    if (select.selectedOptions[0]?.hidden) select.value = '';
  }
  // Nothing typed yet (codes alone may have been offered for another category): one row per code of this one.
  if (rows.some((r) => cell(r, 'value').value)) return;
  const codes = [...rows[0].querySelector('[name$="-code"]').options].filter((o) => o.dataset.group === category);
  const add = document.querySelector('[data-rows="parameters"] [data-add-row]');
  while (rowsOf('parameters').length > Math.max(codes.length, 1)) rowsOf('parameters').at(-1).remove();
  while (rowsOf('parameters').length < codes.length) add.click();
  rowsOf('parameters').forEach((row, i) => { cell(row, 'code').value = codes[i] ? codes[i].value : ''; });
}
document.addEventListener('change', (event) => { if (event.target.name === 'category') offerParameters(); });
offerParameters();

// 经纬度: “经度,纬度” as the Baidu picker copies it fills the two fields below.
document.addEventListener('input', (event) => {
  if (event.target.id !== 'f_position') return;
  const match = event.target.value.match(/^\s*(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)\s*$/);
  if (!match) return;
  document.getElementById('f_longitude').value = match[1];
  document.getElementById('f_latitude').value = match[2];
});
