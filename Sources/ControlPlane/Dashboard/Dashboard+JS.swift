extension Dashboard {
    static let js = #"""
    "use strict";
    (function () {
      const $ = (id) => document.getElementById(id);
      const nodes = new Map();   // name -> {card, data, spark: []}
      let previewNode = null;
      let svgTimer = null;

      function el(tag, cls, text) {
        const e = document.createElement(tag);
        if (cls) e.className = cls;
        if (text !== undefined) e.textContent = text;
        return e;
      }
      function fmt(n) { return n === undefined || n === null ? "–" : (n >= 1e6 ? (n / 1e6).toFixed(1) + "M" : n >= 1e4 ? (n / 1e3).toFixed(1) + "k" : String(n)); }
      function ms(s) { return s === undefined || s === null ? "–" : (s * 1000).toFixed(s < 0.01 ? 2 : 1) + " ms"; }
      function duration(s) {
        s = Math.floor(s); const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
        return (h ? h + "h " : "") + (h || m ? m + "m " : "") + r + "s";
      }
      function framesOf(n) { return n.role === "sink" ? (n.counters.frames_in || 0) : (n.counters.frames_out || 0); }
      function dropsOf(n) {
        let d = 0; for (const k in n.drops) d += n.drops[k];
        return Math.max(d, n.counters.dropped || 0);
      }
      function latencyOf(n) { return n.latency && n.latency.count ? n.latency.sum / n.latency.count : null; }

      function card(name) {
        let entry = nodes.get(name);
        if (entry) return entry;
        const c = el("article", "card");
        c.id = "node-" + name;
        c.tabIndex = 0;
        const h = el("h3"); const title = el("span", "name", name); const state = el("span", "state", "");
        h.append(title, state);
        const kind = el("div", "kind", "");
        const figs = el("div", "figures");
        const f = {};
        for (const [key, label] of [["fps", "frames/s"], ["frames", "frames"], ["drops", "dropped"], ["latency", "latency"], ["restarts", "restarts"], ["peers", "peers"]]) {
          const d = el("div"); const b = el("b", "fig-" + key, "–"); d.append(b, document.createTextNode(label)); figs.append(d); f[key] = b;
        }
        const spark = el("canvas", "spark"); spark.width = 240; spark.height = 36;
        const peers = el("ul", "peers"); const detail = el("div", "detail");
        c.append(h, kind, figs, spark, peers, detail);
        c.addEventListener("click", () => openPreview(name));
        c.addEventListener("keydown", (e) => { if (e.key === "Enter") openPreview(name); });
        $("nodes").append(c);
        entry = { card: c, state, kind, f, spark, peers, detail, history: [], data: null };
        nodes.set(name, entry);
        return entry;
      }

      function drawSpark(entry) {
        const cv = entry.spark, ctx = cv.getContext("2d"), h = entry.history;
        ctx.clearRect(0, 0, cv.width, cv.height);
        if (h.length < 2) return;
        const max = Math.max(1, ...h);
        ctx.strokeStyle = getComputedStyle(document.documentElement).getPropertyValue("--accent") || "#2563eb";
        ctx.lineWidth = 1.5; ctx.beginPath();
        h.forEach((v, i) => {
          const x = i * (cv.width - 2) / 59 + 1, y = cv.height - 2 - v / max * (cv.height - 4);
          if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        });
        ctx.stroke();
      }

      function showNode(n) {
        const e = card(n.name);
        e.data = n;
        e.card.className = "card " + n.state;
        e.state.textContent = n.state;
        e.kind.textContent = n.kind + " · " + n.role + (n.inputs.length ? " · from " + n.inputs.join(", ") : "");
        e.f.frames.textContent = fmt(framesOf(n));
        e.f.drops.textContent = fmt(dropsOf(n));
        e.f.latency.textContent = ms(latencyOf(n));
        e.f.restarts.textContent = fmt(n.restarts);
        e.f.peers.textContent = n.peers.length ? String(n.peers.length) : (n.kind.startsWith("netgear") ? "0" : "–");
        if (n.fps !== undefined && n.fps !== null) e.f.fps.textContent = n.fps.toFixed(1);
        if (n.history) { e.history = n.history.map((s) => s.fps).slice(-60); drawSpark(e); }
        e.peers.replaceChildren(...n.peers.map((p) => {
          const li = el("li"); const who = el("span", "", p.name || p.address || p.id);
          const fp = el("code", "", p.fingerprint || "plaintext");
          li.title = (p.address || "") + " since " + p.connected_since + " · " + p.frames_sent + " frames";
          li.append(who, fp); return li;
        }));
        e.detail.textContent = n.detail && n.state !== "running" ? n.detail : "";
      }

      async function loadGraph() {
        const r = await fetch("/api/v1/graph", { credentials: "same-origin" });
        if (!r.ok) { $("svg").textContent = "cannot read the graph (" + r.status + ")"; return; }
        const g = await r.json();
        $("graph-name").textContent = g.graph;
        document.title = g.graph + " · media-router";
        $("uptime").textContent = "up " + duration(g.uptime_seconds);
        const names = new Set(g.nodes.map((n) => n.name));
        for (const [name, e] of nodes) if (!names.has(name)) { e.card.remove(); nodes.delete(name); }
        g.nodes.forEach(showNode);
        const hist = (g.reloads && g.reloads.history) || [];
        if (hist.length && !$("events").children.length) hist.slice(-5).forEach((r) => logEvent("reload", r.outcome + " (" + r.trigger + ")", r.at));
      }

      async function loadSVG() {
        try {
          const r = await fetch("/graph.svg", { credentials: "same-origin" });
          if (!r.ok) { $("svg").textContent = (await r.json()).error; return; }
          const text = await r.text();
          const doc = new DOMParser().parseFromString(text, "image/svg+xml");
          const svg = doc.documentElement;
          if (svg && svg.nodeName === "svg") {
            $("svg").replaceChildren(document.importNode(svg, true));
            $("svg").querySelectorAll("a").forEach((a) => {
              const href = a.getAttribute("xlink:href") || a.getAttribute("href") || "";
              if (href.startsWith("#node-")) a.addEventListener("click", (ev) => { ev.preventDefault(); openPreview(decodeURIComponent(href.slice(6))); });
            });
          }
        } catch (err) { $("svg").textContent = "graph picture unavailable"; }
      }
      function scheduleSVG(delay) { clearTimeout(svgTimer); svgTimer = setTimeout(() => { loadSVG(); scheduleSVG(5000); }, delay); }

      function openPreview(name) {
        // A sink has no output: show what it receives, its first input's output.
        const e = nodes.get(name);
        let title = "Preview of " + name;
        if (e && e.data && e.data.role === "sink") {
          if (!e.data.inputs.length) return;
          title = name + " receives from " + e.data.inputs[0];
          name = e.data.inputs[0];
        }
        previewNode = name;
        const width = Math.min(1280, Math.max(160, Math.round(($("main") || document.body).clientWidth * (window.devicePixelRatio || 1))));
        const q = "fps=10&width=" + width;
        $("preview-title").textContent = title;
        $("preview-img").src = "/api/v1/nodes/" + encodeURIComponent(name) + "/preview.mjpg?" + q;
        $("preview-snapshot").href = "/api/v1/nodes/" + encodeURIComponent(name) + "/snapshot.jpg";
        $("preview").classList.remove("hidden");
        $("preview").scrollIntoView({ behavior: "smooth", block: "nearest" });
      }
      function closePreview() {
        previewNode = null;
        $("preview-img").removeAttribute("src");
        $("preview").classList.add("hidden");
      }

      function logEvent(kind, text, at) {
        const li = el("li"); const t = el("time", "", new Date(at || Date.now()).toLocaleTimeString());
        li.append(t, document.createTextNode(kind + ": " + text));
        const list = $("events"); list.prepend(li);
        while (list.children.length > 50) list.lastChild.remove();
      }

      function connect() {
        const es = new EventSource("/api/v1/events?history=20");
        es.onopen = () => { $("link").className = "dot on"; };
        es.onerror = () => { $("link").className = "dot off"; };
        es.addEventListener("stats", (m) => {
          const s = JSON.parse(m.data);
          for (const name in s.totals) {
            const e = nodes.get(name); if (!e) continue;
            const t = s.totals[name], x = s.nodes[name];
            e.f.frames.textContent = fmt(t.frames);
            e.f.drops.textContent = fmt(t.drops);
            if (x) {
              e.f.fps.textContent = x.fps.toFixed(1);
              if (x.latency !== undefined && x.latency !== null) e.f.latency.textContent = ms(x.latency);
              e.history.push(x.fps); if (e.history.length > 60) e.history.shift();
              drawSpark(e);
            }
            if (e.data && t.state !== e.data.state) { e.data.state = t.state; e.card.className = "card " + t.state; e.state.textContent = t.state; }
          }
        });
        for (const kind of ["node_state", "reload", "reload_failed", "peer_joined", "peer_left", "warning"]) {
          es.addEventListener(kind, (m) => {
            const e = JSON.parse(m.data);
            let text = e.node ? e.node + " " : "";
            if (e.state) text += e.state;
            if (e.peer) text += (e.peer.name || e.peer.address || e.peer.id) + (e.peer.fingerprint ? " " + e.peer.fingerprint : "");
            if (e.reload) text += e.reload.outcome;
            if (e.message) text += " " + e.message;
            logEvent(kind.replace("_", " "), text, e.time);
            loadGraph().catch(() => {});
            scheduleSVG(300);
          });
        }
      }

      document.addEventListener("DOMContentLoaded", () => {
        $("preview-close").addEventListener("click", closePreview);
        loadGraph().catch(() => {});
        scheduleSVG(0);
        connect();
        setInterval(() => { loadGraph().catch(() => {}); }, 10000);
        if (location.hash.startsWith("#node-")) openPreview(decodeURIComponent(location.hash.slice(6)));
      });
    })();
    """#
}
