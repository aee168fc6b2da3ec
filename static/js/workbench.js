// Site-wide behaviour. Screen-specific code lives in its own file (annotate.js, review.js).
"use strict";

// Confirm destructive actions: <form data-confirm="Withdraw this annotation?">.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
