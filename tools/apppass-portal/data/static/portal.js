// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's only script, loaded from the portal itself (the Content-Security-Policy allows
// nothing else): the new password gets the focus and a copy button, and is taken out of the
// page as soon as the user leaves it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const secret = document.getElementById("secret");
  if (!secret) return;
  secret.focus();
  const copy = document.getElementById("copy");
  const copied = document.getElementById("copied");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", () => {
      navigator.clipboard.writeText(secret.textContent.replace(/\s+/g, "")).then(
        () => { copied.textContent = "Copied."; },
        () => { copied.textContent = "Copying did not work; select the letters and copy them."; });
    });
  }
  window.addEventListener("pagehide", () => { secret.textContent = ""; });
});
