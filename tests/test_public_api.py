"""The public names of ``csana`` (its lazy _API map) resolve to the modules that hold them."""

from __future__ import annotations

import importlib

import pytest

import csana


@pytest.mark.parametrize("name", csana.__all__)
def test_every_public_name_resolves(name: str) -> None:
    module = importlib.import_module(csana._API[name])
    assert getattr(csana, name) is getattr(module, name)
    assert name in vars(module), f"{name} is re-exported by {module.__name__}, not defined there"


def test_scoring_and_demo_names() -> None:
    from csana.demo import generator
    from csana.scoring import scheme, scorecard

    assert csana.load_scheme is scheme.load_scheme and csana.Scheme is scheme.Scheme
    assert csana.score is scorecard.score
    assert (csana.demo_dataset, csana.generate_demo, csana.write_demo) == (
        generator.demo_dataset, generator.generate_demo, generator.write_demo)


def test_public_names_are_not_shadowed_by_subpackages() -> None:
    """``csana.diagnose`` & co. are functions even after every subpackage was imported (a subpackage
    named like a public function would replace it as an attribute of ``csana``)."""
    import pkgutil

    for info in pkgutil.walk_packages(csana.__path__, "csana."):
        if not info.name.endswith("bootstrap"):
            importlib.import_module(info.name)
    for name in csana.__all__:
        assert not isinstance(getattr(csana, name), type(csana)), f"csana.{name} is a module"
