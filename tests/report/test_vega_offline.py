"""The offline page template: libraries inlined, DVC's placeholders kept, no CDN.

With Debian `chromium` installed and the template built (python -m
alignment_tax.report.vega_offline, needs the npm registry once), a Vega plot is
rendered headless with the network off and the screenshot must not be blank.
"""
import shutil
import subprocess
from pathlib import Path

import pytest

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.report.vega_offline import page

TEMPLATE = Path(__file__).resolve().parents[2] / ".dvc" / "plots" / "offline.html"


def test_page_inlines_sources_and_keeps_placeholders():
    html = page({"vega@1": "var vega = {a: 1};", "vega-lite@1": "var vegaLite = 2;"})
    assert "{plot_divs}" in html and "{refresh_tag}" in html and "{scripts}" not in html
    assert "var vega = {a: 1};" in html and "cdn.jsdelivr" not in html


def test_page_refuses_sources_that_break_the_html():
    with pytest.raises(AlignmentTaxError, match="cannot be inlined"):
        page({"bad@1": "x = '</script>'"})


@pytest.mark.skipif(not shutil.which("chromium") or not TEMPLATE.is_file(),
                    reason="needs Debian chromium and .dvc/plots/offline.html (python -m alignment_tax.report.vega_offline)")
def test_vega_plot_renders_headless_offline(tmp_path):
    from dvc_render import render_html
    from dvc_render.vega import VegaRenderer
    from matplotlib.image import imread

    data = [{"x": i, "y": (i * 7) % 5, "rev": "workspace"} for i in range(10)]
    renderer = VegaRenderer(data, "plot", template="scatter", x="x", y="y", title="offline check")
    out = tmp_path / "index.html"
    render_html([renderer], out, html_template=str(TEMPLATE))
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--proxy-server=127.0.0.1:9",  # no network
                    "--window-size=800,600", "--virtual-time-budget=5000", f"--screenshot={shot}", out.as_uri()],
                   check=True, capture_output=True, timeout=120)
    img = imread(shot)[..., :3]
    ink = (img.mean(axis=-1) < 0.9).mean()  # share of non-white pixels: axes, points, labels
    assert ink > 0.005, f"blank page ({ink:.4f} ink)"
