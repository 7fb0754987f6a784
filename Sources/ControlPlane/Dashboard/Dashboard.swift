/// The dashboard's files, served by the binary itself: nothing comes from the network.
/// The page is `Dashboard.html` (GET /), with `dashboard.css` and `dashboard.js`.
enum Dashboard {}
