"""The HTML report as people see it: rendered by a real headless browser (Debian's chromium).

Checked in the browser: the summary counts, the sortable overview of a jurisdiction (a click
on a heading sorts it), an inline ``<svg>`` chart, and that nothing is wider than an A4 page
(794 CSS pixels at 96 dpi); printing gives A4 pages. Screenshots and the printed PDF are
written to ``build/screenshots/`` (ignored by git; ``POLICYENGINE_SCREENSHOTS`` moves it) for
a person to look at.

Without chromium the browser tests are skipped, saying why; in CI (``CI`` set) they fail, as
``.ci/run`` installs it.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import policyengine
from policyengine.contracts import RenderOptions
from policyengine.reports.html import render_html

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
A4_WIDTH_PX = 794
SHOTS = Path(os.environ.get("POLICYENGINE_SCREENSHOTS") or ROOT / "build" / "screenshots")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium); the HTML is not checked in a browser")


PROBE = """
<script>
window.addEventListener("load", function () {
  var wide = [];
  document.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1) wide.push(el.tagName + "." + el.className);
  });
  var body = document.body;
  body.setAttribute("data-scroll-width", document.documentElement.scrollWidth);
  body.setAttribute("data-inner-width", window.innerWidth);
  body.setAttribute("data-too-wide", wide.slice(0, 5).join(","));
  var table = document.querySelector("table.overview");
  if (table) {
    var th = table.tHead.rows[0].cells[0];
    th.click(); th.click();
    body.setAttribute("data-sorted-first", table.tBodies[0].rows[0].cells[0].textContent.trim());
  }
});
</script>
"""


def _browse(name: str, page: str, pdf: bool = False) -> str:
    """Open the page at A4 width; the DOM after load (with the probe's answers)."""
    chromium = _chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    html = SHOTS / f"{name}.html"
    html.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    common = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              f"--window-size={A4_WIDTH_PX},1123"]
    dom = subprocess.run([*common, "--dump-dom", html.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    subprocess.run([*common, f"--screenshot={SHOTS / (name + '.png')}", html.as_uri()],
                   capture_output=True, timeout=120, check=True)
    if pdf:
        subprocess.run([*common, "--no-pdf-header-footer",
                        f"--print-to-pdf={SHOTS / (name + '.pdf')}", html.as_uri()],
                       capture_output=True, timeout=120, check=True)
    return dom


def _attr(dom: str, name: str) -> str:
    m = re.search(rf'<body[^>]*\s{name}="([^"]*)"', dom)
    assert m, f"the probe did not run: no {name} on <body>"
    return m.group(1)


def _options(*pack_ids: str, lang: str = "zh") -> RenderOptions:
    packs = policyengine.installed_packs()
    return RenderOptions(lang=lang, packs={p: packs[p] for p in pack_ids})


@pytest.fixture(scope="module")
def street_page() -> str:
    r = policyengine.evaluate(EXAMPLES / "wuma-street.toml", "wuma-star-rating",
                              as_of=dt.date(2014, 12, 31))
    return _browse("wuma-street", render_html([r], _options("wuma-star-rating")), pdf=True)


class TestJurisdictionPage:
    """Wuma street: overview, charts, summary, A4 width."""

    def test_nothing_is_wider_than_a4(self, street_page):
        assert "" == _attr(street_page, "data-too-wide")
        assert int(_attr(street_page, "data-scroll-width")) <= A4_WIDTH_PX

    def test_summary_counts_and_verdict(self, street_page):
        assert 'class="counts"' in street_page
        assert re.search(r'class="verdict v-(pass|fail|incomplete|not_applicable)"', street_page)

    def test_overview_sorts_by_a_click(self, street_page):
        """Two clicks on 社区 sort the names descending; the example's names in zh order."""
        rows = re.findall(r'<tr><td><a href="#c-[^"]+">([^<]+)</a>', street_page)
        assert 4 == len(rows)
        assert max(rows, key=lambda s: s.encode("gb18030")) == _attr(street_page, "data-sorted-first")

    def test_star_chart_is_inline_svg(self, street_page):
        assert 1 <= street_page.count("<svg")
        assert "chart-stars" in street_page and "chart-shares" in street_page

    def test_prints_on_a4(self, street_page):
        pdf = (SHOTS / "wuma-street.pdf").read_bytes()
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert boxes
        assert all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes)
        assert (SHOTS / "wuma-street.png").stat().st_size > 10_000


def test_community_page_fits_a4_in_english():
    r = policyengine.evaluate(EXAMPLES / "wuzhou-complete-community-community.toml",
                              "wuzhou-complete-community", as_of=dt.date(2024, 3, 30), lang="en")
    dom = _browse("wuzhou-community-en",
                  render_html([r], _options("wuzhou-complete-community", lang="en")))
    assert "" == _attr(dom, "data-too-wide")
    assert "chart-calendar" in dom and "Monthly progress reports" in dom


def test_chifeng_page_with_readings_fits_a4():
    r = policyengine.evaluate(EXAMPLES / "chifeng-annual-targets-jurisdiction.toml",
                              "chifeng-annual-targets", as_of=dt.date(2010, 6, 30))
    dom = _browse("chifeng-district", render_html([r], _options("chifeng-annual-targets")))
    assert "" == _attr(dom, "data-too-wide")
    assert 'class="reading"' in dom


def test_the_service_docs_page_renders_with_no_way_out():
    """The service's ``/docs`` in a browser that can reach 127.0.0.1 and nothing else (an
    intranet): Swagger UI draws every endpoint of the OpenAPI (it loaded from a CDN, and the
    page stayed blank)."""
    from test_server import Served

    from policyengine.server.app import Settings

    chromium = _chromium()
    with Served(Settings()) as client:
        dom = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             "--virtual-time-budget=15000", "--dump-dom", f"{client.base_url}/docs"],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout
        paths = set(client.get("/openapi.json").json()["paths"])
    assert paths == set(re.findall(r'opblock-summary-path"[^>]*data-path="([^"]+)"', dom))
