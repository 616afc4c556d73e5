// Ask before forms marked data-confirm submit (removing a need, a day, a certificate).
// Kept in a file, not inline, so the Content-Security-Policy can forbid inline scripts.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
