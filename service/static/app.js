// The pages' little behaviour, without inline handlers (so the pages can keep a strict CSP).

// Forms marked data-confirm ask before they are sent.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// 搜索菜单: show the menu entries whose text contains what is typed.
document.addEventListener("input", (event) => {
  if (!event.target.matches(".menu-search")) return;
  const wanted = event.target.value.trim();
  for (const link of document.querySelectorAll(".sidebar a")) {
    link.hidden = Boolean(wanted) && !link.textContent.includes(wanted);
  }
  for (const group of document.querySelectorAll(".sidebar .menu-group")) {
    let next = group.nextElementSibling, visible = false;
    while (next && !next.classList.contains("menu-group")) {
      if (next.tagName === "A" && !next.hidden) visible = true;
      next = next.nextElementSibling;
    }
    group.hidden = Boolean(wanted) && !visible;
  }
});

// Visible input limits: what is typed is never cut (the browser's maxlength would cut a paste silently);
// the count shows, and turns red past the limit, which the server refuses with a message.
function showLimit(input) {
  const note = document.getElementById(input.getAttribute("aria-describedby"));
  if (!note) return;
  const limit = Number(input.dataset.limit), used = [...input.value].length;
  note.textContent = `${used} / ${limit} 字`;
  note.classList.toggle("over", used > limit);
}
document.addEventListener("input", (event) => {
  if (event.target.dataset && event.target.dataset.limit) showLimit(event.target);
});
