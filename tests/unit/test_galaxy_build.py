"""The collection artifact (ansible-galaxy collection build) leaves out what a checkout makes
locally: every folder .gitignore names is in galaxy.yml's build_ignore."""
from __future__ import annotations

import pathlib

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_every_ignored_folder_stays_out_of_the_built_collection():
    build_ignore = set(yaml.safe_load((REPO / "galaxy.yml").read_text())["build_ignore"])
    folders = [line.strip().rstrip("/") for line in (REPO / ".gitignore").read_text().splitlines()
               if line.strip().endswith("/") and not line.startswith("#")]
    missing = [folder for folder in folders if folder not in build_ignore]
    assert folders and not missing, "add to galaxy.yml build_ignore: %s" % missing
