"""Make `dvc plots show` render with no network: a page template with Vega inlined.

DVC's default HTML loads vega, vega-lite and vega-embed from cdn.jsdelivr.net, so
without network the Vega plots are blank (the PNG image plots render either way).
`python -m alignment_tax.report.vega_offline` fetches the same versions DVC uses
from the npm registry (`npm pack`), checks their sha256 against the values pinned
here, and writes .dvc/plots/offline.html: DVC's page layout with the three
libraries inlined and no `{scripts}` placeholder, so no CDN tag is added. It then
points DVC at it for this clone only (`dvc config --local plots.html_template`,
in the untracked .dvc/config.local): a clone that has not run this keeps DVC's
default page instead of failing on a missing template.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import atomic_path

# package@version (as dvc-render's VegaRenderer.SCRIPTS) -> (file in the tarball, sha256 of that file)
LIBRARIES = {
    "vega@5.20.2": ("package/build/vega.min.js",
                    "4794d0169cb1f3ebad8117fe98ba5bd652dd725905ec0384e832391dbccb03be"),
    "vega-lite@5.2.0": ("package/build/vega-lite.min.js",
                        "d73157451b3978015ab31dacd55ff90d986ab8663fc0abed50f97b3cd90002cb"),
    "vega-embed@6.18.2": ("package/build/vega-embed.min.js",
                          "1ba9826431ddc9805e815ad92acc811c819f2bfd32bda2a128b8c4b5070fab5e"),
}
TEMPLATE = Path(".dvc/plots/offline.html")
CONFIG_VALUE = "plots/offline.html"  # relative to .dvc/, as DVC resolves it

# DVC's own page (dvc_render.html.PAGE_HTML) minus its {scripts} placeholder; DVC fills the others by str.replace
HEAD = "<!DOCTYPE html>\n<html>\n<head>\n    {refresh_tag}\n    <title>DVC Plot</title>\n"
TAIL = ("    <style>\n        table { border-spacing: 15px; }\n    </style>\n</head>\n<body>\n"
        "    {plot_divs}\n</body>\n</html>\n")


def fetch(workdir: Path) -> dict[str, str]:
    """{package@version: javascript source}, from the npm registry, sha256-checked."""
    out = {}
    for spec, (member, digest) in LIBRARIES.items():
        proc = subprocess.run(["npm", "pack", spec, "--silent"], cwd=workdir, capture_output=True, text=True)
        if proc.returncode != 0:
            raise AlignmentTaxError(f"npm pack {spec} failed: {proc.stderr.strip().splitlines()[-1:]}")
        with tarfile.open(workdir / proc.stdout.strip().splitlines()[-1]) as tar:
            data = tar.extractfile(member).read()
        if hashlib.sha256(data).hexdigest() != digest:
            raise AlignmentTaxError(f"{spec}: {member} does not match its pinned sha256")
        out[spec] = data.decode("utf-8")
    return out


def page(sources: dict[str, str]) -> str:
    for spec, js in sources.items():
        if "</script" in js.lower() or any(p in js for p in ("{plot_divs}", "{scripts}", "{refresh_tag}")):
            raise AlignmentTaxError(f"{spec}: cannot be inlined (contains a closing script tag or a placeholder)")
    inline = "".join(f'    <script type="text/javascript">/* {spec} */\n{js}\n    </script>\n'
                     for spec, js in sources.items())
    return HEAD + inline + TAIL


@stage_main
def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sources = fetch(Path(tmp))
    with atomic_path(TEMPLATE) as out:
        out.write_text(page(sources), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "dvc", "config", "--local", "plots.html_template", CONFIG_VALUE], check=True)
    print(f"wrote {TEMPLATE} ({TEMPLATE.stat().st_size // 1024} KiB); `dvc plots show` now renders offline")


if __name__ == "__main__":
    main()
