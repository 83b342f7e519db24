// Live SLA countdowns: each [data-due] says the time left (or overdue) in words, counted as
// the sla service counts it: a business clock ([data-site]) in its site's working windows
// (the page's #working-time), a 24x7 clock in hours. Working time out: the words say so.
(function () {
  const words = JSON.parse(document.body.dataset.span || "{}");
  function windowsOf(site) {
    const data = document.getElementById("working-time");
    return data ? JSON.parse(data.textContent)[site] : undefined;
  }
  function working(w, from, to) {
    if (to < from) return -working(w, to, from);
    let ms = 0;
    w.windows.forEach(function (x) { ms += Math.max(0, Math.min(x[1], to) - Math.max(x[0], from)); });
    return ms;
  }
  // Its two leading units: 1 個工作天 3 小時, 3 小時 20 分, 5 分.
  function span(ms, dayMs, business) {
    const s = Math.floor(Math.abs(ms) / 1000), day = Math.floor(dayMs / 1000) || 86400;
    const days = Math.floor(s / day), hours = Math.floor((s % day) / 3600);
    const minutes = Math.floor(((s % day) % 3600) / 60);
    const dayUnit = words[(business ? "span.bday" : "span.day") + (days !== 1 ? "s" : "")];
    const parts = [[days, dayUnit], [hours, words["span.hour"]], [minutes, words["span.minute"]]];
    let first = parts.findIndex(function (p) { return p[0] > 0; });
    if (first < 0) first = 2;
    let shown = parts.slice(first, first + 2);
    if (shown.length === 2 && !shown[1][0]) shown = shown.slice(0, 1);  // 2 小時, not 2 小時 0 分
    return shown.map(function (p) { return p[0] + " " + p[1]; }).join(" ");
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      const due = Date.parse(el.dataset.due), business = "site" in el.dataset;
      const w = business ? windowsOf(el.dataset.site) : undefined;
      if (business && !w) return;  // the site's calendar is unknown: say nothing wrong
      const ms = business ? working(w, now, due) : due - now;
      const said = words[ms >= 0 ? "sla.left" : "sla.overdue"]
        .replace("{span}", span(ms, business ? w.day * 1000 : 86400000, business));
      const off = business && ms >= 0 && !w.windows.some(function (x) { return x[0] <= now && now < x[1]; });
      el.textContent = el.dataset.clock + " " + said + (off ? words["sla.off_hours"] : "");
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

// Files for an action's form: each picked file (the tablet's camera opens directly) is sent
// on its own, with its own progress bar and its own error; the form then names the uploaded
// ones (hidden "files" inputs). A file that fails stays listed with why: never dropped.
document.addEventListener("change", function (e) {
  const input = e.target;
  if (!input.matches || !input.matches("input[type=file][data-upload]")) return;
  const form = input.closest("form");
  const list = input.closest("fieldset").querySelector(".uploads");
  const personal = input.closest("fieldset").querySelector("[data-personal]");
  const csrf = form.querySelector("input[name=csrf]");
  Array.from(input.files).forEach(function (file) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = file.name + " ";
    const bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", input.dataset.uploading + " " + file.name);
    const said = document.createElement("span");
    said.className = "said";
    said.textContent = input.dataset.uploading;
    item.append(name, bar, said);
    list.appendChild(item);
    const data = new FormData();
    data.append("file", file);
    if (csrf) data.append("csrf", csrf.value);
    if (personal && personal.checked) data.append("personal", "on");
    const request = new XMLHttpRequest();
    request.open("POST", input.dataset.upload);
    request.upload.addEventListener("progress", function (p) {
      if (p.lengthComputable) bar.value = Math.round(100 * p.loaded / p.total);
    });
    request.addEventListener("load", function () {
      let answer = {};
      try { answer = JSON.parse(request.responseText); } catch (err) { answer = {}; }
      if (request.status === 201 && answer.id) {
        bar.value = 100;
        said.textContent = input.dataset.uploaded;
        item.dataset.state = "uploaded";
        const kept = document.createElement("input");
        kept.type = "hidden"; kept.name = "files"; kept.value = answer.id;
        form.appendChild(kept);
      } else {
        bar.remove();
        said.textContent = input.dataset.failed + "：" + (answer.error || request.status);
        said.setAttribute("role", "alert");
        item.dataset.state = "failed";
      }
    });
    request.addEventListener("error", function () {
      bar.remove();
      said.textContent = input.dataset.failed;
      said.setAttribute("role", "alert");
      item.dataset.state = "failed";
    });
    request.send(data);
  });
  input.value = "";
});

// Signatures drawn on the tablet: a finger or a stylus on each canvas. When the form is
// sent, each drawn signature is uploaded as a PNG (the complainant's as personal data) and
// the form names it; then the form goes.
(function () {
  document.querySelectorAll("[data-signature] canvas").forEach(function (canvas) {
    const pen = canvas.getContext("2d");
    pen.lineWidth = 3; pen.lineCap = "round"; pen.strokeStyle = "#000";
    let down = false;
    function at(e) {
      const box = canvas.getBoundingClientRect();
      return [(e.clientX - box.left) * canvas.width / box.width,
              (e.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", function (e) {
      down = true; canvas.setPointerCapture(e.pointerId);
      const p = at(e); pen.beginPath(); pen.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!down) return;
      const p = at(e); pen.lineTo(p[0], p[1]); pen.stroke();
      canvas.dataset.drawn = "yes";
    });
    canvas.addEventListener("pointerup", function () { down = false; });
    canvas.closest("[data-signature]").querySelector("[data-clear]").addEventListener("click",
      function () { pen.clearRect(0, 0, canvas.width, canvas.height); delete canvas.dataset.drawn; });
  });
  document.addEventListener("submit", function (e) {
    const form = e.target;
    const pads = Array.from(form.querySelectorAll("[data-signature]")).filter(function (pad) {
      const field = pad.querySelector("input[type=hidden]");
      return pad.querySelector("canvas").dataset.drawn && !field.value;
    });
    if (!pads.length) return;
    e.preventDefault();
    const upload = form.querySelector("input[data-upload]");
    const csrf = form.querySelector("input[name=csrf]");
    Promise.all(pads.map(function (pad) {
      return new Promise(function (done) {
        pad.querySelector("canvas").toBlob(done, "image/png");
      }).then(function (blob) {
        const data = new FormData();
        data.append("file", blob, pad.dataset.signature + ".png");
        if (csrf) data.append("csrf", csrf.value);
        if ("personalSignature" in pad.dataset) data.append("personal", "on");
        return fetch(upload.dataset.upload, { method: "POST", body: data, credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (answer) {
            if (answer.id) { pad.querySelector("input[type=hidden]").value = answer.id; return true; }
            let said = pad.querySelector(".field-error");
            if (!said) { said = document.createElement("span"); said.className = "field-error"; pad.appendChild(said); }
            said.setAttribute("role", "alert");
            said.textContent = answer.error || "";
            return false;
          });
      });
    })).then(function (kept) { if (kept.every(Boolean)) form.submit(); });
  });
})();

// The new complaint form: as the place and category are filled in, the open complaints about
// the same problem (已有 2 件相同問題處理中), from the register, each a link to open.
(function () {
  var hint = document.getElementById("duplicates");
  if (!hint) return;
  var form = hint.closest("form"), timer = null, asked = "";
  function ask() {
    var site = form.elements.site.value.trim(), location = form.elements.location.value.trim();
    var category = form.elements.category.value;
    if (!site || !location || !category) { hint.hidden = true; return; }
    var query = new URLSearchParams({site: site, location: location, category: category});
    if (query.toString() === asked) return;
    asked = query.toString();
    fetch("/complaints/duplicates?" + asked, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (found) {
        hint.textContent = "";
        if (!found.length) { hint.hidden = true; return; }
        hint.appendChild(document.createTextNode(
          hint.dataset.words.replace("{n}", String(found.length)) + "："));
        found.forEach(function (d, i) {
          var a = document.createElement("a");
          a.href = "/console/complaints/" + d.id;
          a.textContent = d.number;
          if (i) hint.appendChild(document.createTextNode("、"));
          hint.appendChild(a);
        });
        hint.hidden = false;
      })
      .catch(function () { hint.hidden = true; });
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 300); });
  form.addEventListener("change", ask);
})();
