// Moves the batch progress bar without reloading; reloads once the status changes.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  var section = document.querySelector("[data-progress-url]");
  if (!section) return;
  var url = section.getAttribute("data-progress-url");
  var status = section.getAttribute("data-status");
  var bar = document.getElementById("batch-progress");
  var text = document.getElementById("batch-progress-text");
  if (["received", "validating", "committing"].indexOf(status) < 0) return;
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        // A status change, or the worker falling silent (or answering again), redraws the page.
        if (p.status !== status || Boolean(p.silent) !== section.hasAttribute("data-silent")) {
          window.location.reload();
          return;
        }
        bar.value = p.percent;
        bar.textContent = p.percent + "%";
        text.textContent = p.status_label + " · " + p.percent + "%";
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
