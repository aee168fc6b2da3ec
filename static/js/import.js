// Import screen: the upload progress bar (htmx reports the XHR's progress on the form).
"use strict";

(() => {
  // Set once the upload is complete: later progress events are the response downloading.
  const UPLOADED = "importUploaded";

  const parts = (form) => ({
    bar: form.querySelector(".import-progress-bar"),
    label: form.querySelector(".import-progress-label"),
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.target.closest(".import-form");
    if (!form) return;
    const { bar, label } = parts(form);
    delete form.dataset[UPLOADED];
    bar.value = 0;
    label.textContent = "Uploading…";
  });

  document.addEventListener("htmx:xhr:progress", (event) => {
    const form = event.target.closest(".import-form");
    if (!form || form.dataset[UPLOADED] || !event.detail.lengthComputable) return;
    const { bar, label } = parts(form);
    const percent = Math.round((100 * event.detail.loaded) / event.detail.total);
    bar.value = percent;
    bar.textContent = `${percent}%`;
    if (event.detail.loaded >= event.detail.total) {
      // The server now parses and saves: an indeterminate bar until the report arrives.
      form.dataset[UPLOADED] = "1";
      bar.removeAttribute("value");
      label.textContent = "Importing…";
    }
  });
})();
