// Live SLA countdowns: each [data-due] shows the time left (or overdue), updated every second.
(function () {
  const body = document.body;
  const left = body.dataset.left, overdue = body.dataset.overdue;
  const units = [body.dataset.days, body.dataset.hours, body.dataset.minutes, body.dataset.seconds];
  // In words: 1 天 3 小時 20 分 5 秒 (leading zero units left out).
  function format(ms) {
    const s = Math.floor(Math.abs(ms) / 1000);
    const parts = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600),
                   Math.floor((s % 3600) / 60), s % 60];
    const first = parts.findIndex((n) => n > 0);
    return parts.slice(first < 0 ? 3 : first).map((n, i, shown) =>
      n + " " + units[units.length - shown.length + i]).join(" ");
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

// Live pages: the server tells of each change (Server-Sent Events); the page fetches itself
// again at the change's position (so it waits for every read model) and swaps its content in,
// without navigating away. While the officer is typing, nothing is swapped: a banner says what
// changed and offers the reload, and nothing typed is lost.
(function () {
  const body = document.body;
  const live = body.dataset.live;
  if (!live || !window.EventSource || !window.fetch) return;
  let typing = false, latest = 0, timer = null, busy = false, again = false;
  document.addEventListener("input", function (e) {
    if (e.target.closest("form")) typing = true;
  });
  function target() {
    const url = new URL(window.location.href);
    url.searchParams.delete("done");
    url.searchParams.delete("after");
    if (live.indexOf("complaint=") >= 0 && latest) url.searchParams.set("after", latest);
    return url.toString();
  }
  function show(what) {
    const banner = document.querySelector("[data-testid=live-banner]");
    banner.textContent = body.dataset.liveChanged.replace("{what}", what) + " ";
    const link = document.createElement("a");
    link.href = target();
    link.textContent = body.dataset.liveReload;
    banner.appendChild(link);
    banner.hidden = false;
  }
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const response = await fetch(target(), { credentials: "same-origin" });
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const main = fresh.querySelector("main");
      if (main && !typing) {
        // What the officer opened stays open (a folded run of records, an action's panel).
        const opened = new Set(Array.from(document.querySelectorAll("main details[open][id]"),
                                          function (d) { return d.id; }));
        main.querySelectorAll("details[id]").forEach(function (d) {
          if (opened.has(d.id)) d.open = true;
        });
        document.querySelector("main").replaceWith(main);
      }
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }
  const source = new EventSource(live);
  source.addEventListener("change", function (e) {
    const change = JSON.parse(e.data);
    latest = Math.max(latest, change.position);
    if (typing) { show(change.what || ""); return; }
    // A command's events come together: one refresh for all of them.
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
})();

// On a narrow screen the menu folds behind its button (without script it stays open).
(function () {
  const bar = document.querySelector(".bar");
  const toggle = document.querySelector(".menu-toggle");
  if (!bar || !toggle) return;
  bar.classList.add("folded");
  toggle.addEventListener("click", function () {
    const folded = bar.classList.toggle("folded");
    toggle.setAttribute("aria-expanded", String(!folded));
  });
})();

// After an action, the keyboard is where its result is said (done, or why not).
(function () {
  const said = document.querySelector("[data-focus]");
  if (said) said.focus();
})();
