// 追加 / 删除 for repeatable rows (基本参数, 重点人员): inputs are named <field>-<n>-<column>.
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
      input.value = '';
    }
    body.appendChild(row);
  } else if (event.target.matches('[data-remove-row]')) {
    const row = event.target.closest('tr');
    if (body.rows.length > 1) row.remove();
    else for (const input of row.querySelectorAll('[name]')) input.value = '';
  }
});
