"""Build hook (the project itself is described in pyproject.toml).

The checkout keeps the templates, the shipped diagrams, bpmn-js and ECharts (node_modules, installed by npm) at its
top level; a wheel has no top level, so ``build_py`` copies them into the package as ``service/bundled/``,
where service/config.py looks when the package runs from an installation. MANIFEST.in puts the same files
in the sdist, so a wheel built from the sdist is the same. An editable install reads the checkout itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: what the templates load from /vendor/<package>/ and the licence, per npm package: path in
#: node_modules/<package> → path served under /vendor/<package>/ (bpmn-js: the stylesheets with their fonts and
#: the two bundles; ECharts: its bundle)
VENDOR_FILES = {
    "bpmn-js": {
        "dist/assets": "assets",
        "dist/bpmn-modeler.production.min.js": "bpmn-modeler.production.min.js",
        "dist/bpmn-navigated-viewer.production.min.js": "bpmn-navigated-viewer.production.min.js",
        "LICENSE": "LICENSE",
    },
    "echarts": {"dist/echarts.min.js": "echarts.min.js", "LICENSE": "LICENSE"},
}


class BuildPyWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        bundle = Path(self.build_lib) / "service" / "bundled"
        shutil.rmtree(bundle, ignore_errors=True)  # nothing left over from an earlier build
        ignore = shutil.ignore_patterns("__pycache__", "*.py[co]", ".*")
        for name in ("templates", "bpmn_models"):
            shutil.copytree(HERE / name, bundle / name, ignore=ignore)
        for package, files in VENDOR_FILES.items():
            if not (HERE / "node_modules" / package).is_dir():  # then /vendor/<package>/ answers 404
                continue
            for name, served in files.items():
                source, target = HERE / "node_modules" / package / name, bundle / package / served
                if source.is_dir():
                    shutil.copytree(source, target, ignore=ignore)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildPyWithBundle})
