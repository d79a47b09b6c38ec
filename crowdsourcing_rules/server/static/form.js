// The whole form: the answer is updated as soon as a choice changes (without this script, the
// "Update the answer" button does the same). Nothing else: every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("whole-form");
  if (form) {
    form.addEventListener("change", (event) => {
      if (event.target instanceof HTMLSelectElement) {
        form.requestSubmit();
      }
    });
  }
});
