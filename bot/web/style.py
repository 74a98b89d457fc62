"""The one stylesheet, served at /web.css: light and dark from the system's setting, readable
on a phone, colours with enough contrast in both themes (WCAG AA for text)."""

CSS = """
:root{color-scheme:light dark;--bg:#ffffff;--fg:#1f2328;--muted:#57606a;--line:#d0d7de;
--panel:#f6f8fa;--accent:#0a58ca;--me:#fff3c4;--s0:#1f6feb;--s1:#9a6700;--s2:#1a7f37;
--s3:#8250df;--s4:#cf222e;--empty:#d0d7de;--cell-text:#111111}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;
--line:#30363d;--panel:#161b22;--accent:#79b8ff;--me:#3b2f00;--s0:#58a6ff;--s1:#d29922;
--s2:#3fb950;--s3:#bc8cff;--s4:#ff7b72;--empty:#30363d}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,"Noto Sans",sans-serif}
header,main,footer{max-width:52rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem;border-bottom:1px solid var(--line)}
.guild{margin:0;color:var(--muted);font-size:.9rem}
nav.pages{display:flex;gap:1rem;flex-wrap:wrap;padding:.5rem 0}
a{color:var(--accent)}
nav a{text-decoration:none;padding:.35rem .1rem;border-bottom:2px solid transparent}
nav a[aria-current=page]{border-bottom-color:var(--accent);font-weight:600;color:var(--fg)}
nav.periods{display:flex;gap:.5rem;flex-wrap:wrap;margin:.5rem 0}
nav.periods a{border:1px solid var(--line);border-radius:1rem;padding:.25rem .8rem}
nav.periods a[aria-current=page]{background:var(--accent);color:var(--bg);
border-color:var(--accent)}
h1{font-size:1.4rem;margin:1rem 0 .5rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
form.topic{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:.5rem 0 1rem}
select,button{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:.4rem;
background:var(--panel);color:var(--fg);min-height:2.5rem}
button{cursor:pointer}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
caption{text-align:left;color:var(--muted);font-size:.9rem;padding:.25rem 0}
th,td{padding:.45rem .5rem;border-bottom:1px solid var(--line);text-align:left}
thead th{font-size:.85rem;color:var(--muted);font-weight:600}
tbody th{font-weight:500}
.num{text-align:right;font-variant-numeric:tabular-nums}
tr.me{background:var(--me)}
tr.me th,tr.me td{font-weight:700}
tr.gap td{text-align:center;color:var(--muted);border-bottom:none}
.you{font-weight:400;color:var(--muted);font-size:.85rem}
.note{background:var(--panel);border:1px solid var(--line);border-radius:.4rem;padding:.6rem .8rem}
dl.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.5rem;margin:0}
dl.figures div{background:var(--panel);border:1px solid var(--line);border-radius:.4rem;
padding:.5rem .7rem}
dl.figures dt{color:var(--muted);font-size:.85rem}
dl.figures dd{margin:0;font-size:1.3rem;font-weight:700}
svg.chart{width:100%;height:auto;display:block;margin:.5rem 0}
svg .grid{stroke:var(--line);stroke-width:1}
svg text{fill:var(--fg);font-size:14px}
svg .tick,svg .muted{fill:var(--muted)}
svg .legend{fill:var(--fg);font-size:14px}
svg .s0{fill:var(--s0);stroke:var(--s0)}svg .s1{fill:var(--s1);stroke:var(--s1)}
svg .s2{fill:var(--s2);stroke:var(--s2)}svg .s3{fill:var(--s3);stroke:var(--s3)}
svg .s4{fill:var(--s4);stroke:var(--s4)}
svg rect[class^=s]{stroke:none}
svg polyline.line{fill:none;stroke-width:2.5}
svg .cell.empty{fill:var(--empty)}
svg .cell-text{fill:var(--cell-text);font-size:12px;font-weight:600}
svg.heat .cell.empty+.cell-text{fill:var(--fg)}
details{margin:.25rem 0 1rem}
summary{cursor:pointer;color:var(--accent)}
footer{color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);margin-top:2rem;
padding-top:.75rem;padding-bottom:2rem}
.pager{display:flex;justify-content:space-between;margin:.5rem 0}
@media (max-width:30rem){header,main,footer{padding:0 .6rem}th,td{padding:.45rem .3rem}
thead th{font-size:.75rem}body{font-size:15px}}
"""
