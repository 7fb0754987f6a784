extension Dashboard {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>media-router</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="/dashboard.css">
    <script src="/dashboard.js" defer></script>
    </head>
    <body>
    <header>
      <h1><span id="graph-name">media-router</span></h1>
      <div class="meta"><span id="uptime"></span> <span id="link" class="dot" title="events stream"></span></div>
    </header>
    <main>
      <section id="picture" class="panel" aria-label="graph">
        <div id="svg" class="svg">loading the graph…</div>
      </section>
      <section id="preview" class="panel hidden" aria-label="preview">
        <div class="preview-head"><h2 id="preview-title">Preview</h2>
          <span><a id="preview-snapshot" href="#" target="_blank">snapshot</a> <button id="preview-close" type="button">close</button></span></div>
        <img id="preview-img" alt="live preview">
      </section>
      <section aria-label="nodes"><div id="nodes" class="cards"></div></section>
      <section class="panel" aria-label="reloads and events">
        <h2>Events</h2>
        <ol id="events" class="events"></ol>
      </section>
    </main>
    <footer>media-router control plane · <a href="/metrics">metrics</a> · <a href="/api/v1/graph">graph JSON</a></footer>
    </body>
    </html>
    """#
}
