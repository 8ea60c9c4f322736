"""Dataset files: found, verified, downloaded with a checksum, or a clear error saying where to put them."""
from __future__ import annotations

import shutil
import urllib.error

import numpy as np
import pytest

from grader.data import datasets, load_airfoil, load_mnist10k
from tests.conftest import SHARED_DATA

needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="the shared datasets folder is not beside the kit")


@needs_shared
def test_airfoil_and_mnist_load_with_the_documented_shapes():
    airfoil = load_airfoil()
    assert airfoil.shape == (1503, 6) and airfoil.dtype == np.float32
    pixels, digits = load_mnist10k()
    assert pixels.shape == (10000, 784) and 0 <= pixels.min() and pixels.max() <= 1
    assert digits.shape == (10000,) and set(np.unique(digits)) == set(range(10))


@pytest.fixture
def empty_places(tmp_path, monkeypatch):
    """No data folder, no shipped copies, an empty cache: the loader must download or explain."""
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path / "data"))
    monkeypatch.delenv(datasets.OFFLINE_VAR, raising=False)
    monkeypatch.setattr(datasets, "BUNDLED", tmp_path / "bundled")
    monkeypatch.setattr(datasets, "CACHE", tmp_path / "cache")
    return tmp_path


def _no_network(monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no route to host")
    monkeypatch.setattr(datasets.urllib.request, "urlopen", offline)


@pytest.mark.parametrize("name", sorted(datasets.manifest()))
def test_the_kit_ships_every_dataset_verified(name, tmp_path, monkeypatch):
    """Offline right after install: no data folder, an empty cache, no network."""
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    monkeypatch.delenv(datasets.OFFLINE_VAR, raising=False)
    monkeypatch.setattr(datasets, "CACHE", tmp_path / "cache")
    _no_network(monkeypatch)
    path = datasets.ensure(name)
    assert path.parent == datasets.BUNDLED
    assert datasets.sha1_of(path) == datasets.manifest()[name]["sha1"]
    assert path.name in (datasets.BUNDLED / "README.md").read_text()  # its licence is shipped beside it


@needs_shared
def test_a_worker_looks_only_where_the_grader_found_the_files(empty_places, monkeypatch):
    """In a worker the trusted side has already searched: no download, no other folders, one pointer."""
    _no_network(monkeypatch)
    monkeypatch.setattr(datasets, "BUNDLED", SHARED_DATA)  # would be found, were it searched
    monkeypatch.setenv(datasets.OFFLINE_VAR, "1")
    with pytest.raises(datasets.DatasetError, match="not available to the grader .*top of the report"):
        datasets.ensure("airfoil")
    monkeypatch.setenv(datasets.ENV_VAR, str(SHARED_DATA))
    assert datasets.ensure("airfoil") == SHARED_DATA / "airfoil_self_noise.dat"


@pytest.mark.parametrize("where", ["data", "bundled"])  # the data folder, or a tampered shipped copy
def test_a_corrupt_file_is_refused_with_advice(empty_places, where):
    folder = empty_places / where
    folder.mkdir()
    (folder / "airfoil_self_noise.dat").write_text("1\t2\n")
    with pytest.raises(datasets.DatasetError, match="corrupt .*put airfoil_self_noise.dat in"):
        datasets.ensure("airfoil")


def test_no_network_gives_a_clear_error(empty_places, monkeypatch):
    _no_network(monkeypatch)
    with pytest.raises(datasets.DatasetError, match="could not download .*download it yourself"):
        datasets.ensure("airfoil")


@needs_shared
def test_a_download_is_verified_and_cached(empty_places, monkeypatch):
    source = empty_places / "mirror"
    source.mkdir()
    shutil.copy(SHARED_DATA / "airfoil_self_noise.dat", source)
    entries = datasets.manifest()
    entries["airfoil"]["url"] = (source / "airfoil_self_noise.dat").as_uri()
    monkeypatch.setattr(datasets, "manifest", lambda: entries)
    path = datasets.ensure("airfoil")
    assert path == empty_places / "cache" / "airfoil_self_noise.dat"
    assert datasets.sha1_of(path) == entries["airfoil"]["sha1"]


def test_a_download_with_the_wrong_checksum_is_set_aside(empty_places, monkeypatch):
    bad = empty_places / "bad.dat"
    bad.write_text("tampered")
    entries = datasets.manifest()
    entries["airfoil"]["url"] = bad.as_uri()
    monkeypatch.setattr(datasets, "manifest", lambda: entries)
    with pytest.raises(datasets.DatasetError, match="wrong SHA-1"):
        datasets.ensure("airfoil")
    assert not (empty_places / "cache" / "airfoil_self_noise.dat").exists()
