extension Dashboard {
    static let css = #"""
    :root { --bg:#f8fafc; --fg:#0f172a; --muted:#64748b; --card:#fff; --line:#e2e8f0; --ok:#16a34a; --warn:#ca8a04; --bad:#dc2626; --idle:#6b7280; --accent:#2563eb; }
    @media (prefers-color-scheme: dark) { :root { --bg:#0b1120; --fg:#e2e8f0; --muted:#94a3b8; --card:#111827; --line:#1f2937; } }
    * { box-sizing: border-box; }
    body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--fg); }
    header { display:flex; justify-content:space-between; align-items:center; padding:10px 16px; border-bottom:1px solid var(--line); background:var(--card); position:sticky; top:0; z-index:2; }
    h1 { font-size:18px; margin:0; } h2 { font-size:15px; margin:0 0 8px; }
    .meta { color:var(--muted); font-size:13px; display:flex; gap:8px; align-items:center; }
    .dot { width:10px; height:10px; border-radius:50%; background:var(--idle); display:inline-block; }
    .dot.on { background:var(--ok); } .dot.off { background:var(--bad); }
    main { padding:12px; display:grid; gap:12px; max-width:1400px; margin:0 auto; }
    .panel { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px; }
    .hidden { display:none; }
    .svg { overflow:auto; text-align:center; min-height:60px; }
    .svg svg { max-width:100%; height:auto; }
    .cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(260px, 1fr)); gap:12px; }
    .card { background:var(--card); border:1px solid var(--line); border-left:4px solid var(--idle); border-radius:10px; padding:10px 12px; cursor:pointer; }
    .card:hover { border-color:var(--accent); }
    .card.running { border-left-color:var(--ok); } .card.starting, .card.restarting { border-left-color:var(--warn); } .card.failed { border-left-color:var(--bad); }
    .card h3 { margin:0; font-size:15px; display:flex; justify-content:space-between; gap:8px; }
    .kind { color:var(--muted); font-size:12px; }
    .state { font-size:12px; padding:1px 6px; border-radius:8px; background:var(--line); }
    .figures { display:grid; grid-template-columns:repeat(3, 1fr); gap:4px; margin:8px 0 4px; }
    .figures div { font-size:12px; color:var(--muted); } .figures b { display:block; font-size:15px; color:var(--fg); font-variant-numeric:tabular-nums; }
    canvas.spark { width:100%; height:36px; display:block; }
    .peers { margin:6px 0 0; padding:0; list-style:none; font-size:12px; }
    .peers li { display:flex; justify-content:space-between; gap:6px; border-top:1px dashed var(--line); padding-top:3px; }
    .peers code { font-size:12px; }
    .detail { color:var(--bad); font-size:12px; margin-top:4px; word-break:break-word; }
    .preview-head { display:flex; justify-content:space-between; align-items:center; gap:8px; }
    #preview-img { max-width:100%; display:block; margin:0 auto; background:#000; min-height:60px; }
    button { font:inherit; padding:2px 10px; border-radius:6px; border:1px solid var(--line); background:var(--bg); color:var(--fg); cursor:pointer; }
    a { color:var(--accent); }
    .events { margin:0; padding-left:18px; font-size:12px; max-height:220px; overflow:auto; }
    .events li { margin-bottom:2px; } .events time { color:var(--muted); margin-right:6px; }
    footer { color:var(--muted); font-size:12px; text-align:center; padding:12px; }
    @media (max-width: 600px) { main { padding:8px; } .figures b { font-size:14px; } header { padding:8px 10px; } }
    """#
}
