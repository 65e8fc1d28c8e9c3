# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-suite fixtures: every test gets its own token cache, outside the project directory."""

import pytest


@pytest.fixture(autouse=True)
def isolated_token_cache(tmp_path, monkeypatch):
    cache = tmp_path / "token-cache"
    monkeypatch.setenv("WEBNIC_TOKEN_CACHE_DIR", str(cache))
    for name in ("WEBNIC_API_USERNAME", "WEBNIC_API_PASSWORD", "WEBNIC_API_ENDPOINT", "WEBNIC_API_CA_PATH"):
        monkeypatch.delenv(name, raising=False)
    return cache
