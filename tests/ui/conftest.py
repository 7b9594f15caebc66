"""What the ui tests share: the test scheme, parsed and as a file in a schemes folder.

Two indicators, weights 5 and 5:

    conv_final  [min 50%) → 10, [40%, 50%) → 6, below 40% → 2
    avg_response_s (closed right) ≤ 30 → 10, (30, 60] → 5, > 60 → 0
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from csana.scoring.scheme import Scheme

SCHEME_YAML = """\
name: 测试方案
name_en: Test scheme
indicators:
  - metric: conv_final
    weight: 5
    tiers:
      - {min: 50%, score: 10}
      - {min: 40%, max: 50%, score: 6}
      - {max: 40%, score: 2}
  - metric: avg_response_s
    weight: 5
    closed: right
    tiers:
      - {max: 30, score: 10}
      - {min: 30, max: 60, score: 5}
      - {min: 60, score: 0}
"""


@pytest.fixture
def scheme() -> Scheme:
    return Scheme.parse(yaml.safe_load(SCHEME_YAML))


@pytest.fixture
def schemes(tmp_path: Path) -> Path:
    folder = tmp_path / "schemes"
    folder.mkdir()
    (folder / "test.yaml").write_text(SCHEME_YAML, encoding="utf-8")
    return folder
