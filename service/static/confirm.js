// Forms marked data-confirm ask before they are sent (no inline handlers: the pages can keep a strict CSP).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
