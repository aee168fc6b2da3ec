// Review screens: let htmx show refusals, and search sources without leaving the page.
"use strict";

// A refused change answers 403, 409 (stale form) or 422 (a rule, a form error) with the
// panel re-rendered and the reason in it: swap it in rather than dropping it.
if (window.htmx) {
  window.htmx.config.responseHandling.unshift({ code: "403|409|422", swap: true, error: false });
}

// Enter in the source search runs the htmx search; without htmx the form reloads the page.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.id !== "source-search" || !window.htmx) return;
  event.preventDefault();
  window.htmx.trigger(form.querySelector("input[type=search]"), "search");
});
