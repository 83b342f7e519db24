// Live SLA countdowns: each [data-due] shows the time left (or overdue), updated every second.
(function () {
  const body = document.body;
  const left = body.dataset.left, overdue = body.dataset.overdue, days = body.dataset.days;
  function format(ms) {
    const s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60), sec = s % 60;
    const hms = [h, m, sec].map((n) => String(n).padStart(2, "0")).join(":");
    return d ? d + days + " " + hms : hms;
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      const ms = Date.parse(el.dataset.due) - now;
      el.textContent = el.dataset.clock + " " + (ms < 0 ? overdue + " " : left + " ") + format(ms);
      el.classList.toggle("overdue", ms < 0);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
