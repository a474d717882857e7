// Narrow screens: the navigation menu and the page's settings open and close on a tap.
// Plain DOM (no callback round trip); Dash re-renders pages, so listen on the document.
document.addEventListener("click", function (e) {
  var menu = e.target.closest(".menu-toggle");
  if (menu) {
    var top = menu.closest(".top");
    var open = top.classList.toggle("open");
    menu.setAttribute("aria-expanded", open ? "true" : "false");
    return;
  }
  if (e.target.closest(".nav-link")) {
    var header = document.querySelector(".top.open");
    if (header) {
      header.classList.remove("open");
      header.querySelector(".menu-toggle").setAttribute("aria-expanded", "false");
    }
  }
  var settings = e.target.closest(".settings-toggle");
  if (settings) {
    var side = settings.closest(".sidebar");
    var shown = side.classList.toggle("open");
    settings.setAttribute("aria-expanded", shown ? "true" : "false");
    settings.textContent = shown ? "Hide settings" : "Show settings";
  }
});
