# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's nightly floor on hosts that serve different certificates (no simulator: 0 API calls).

Three local hosts hold certificates the role would keep (files written here, as a rollout leaves them:
certificate, chain, full chain, key and metadata): `www` on every host, `api` on h1 only (group `api`).
Nothing is due, so the role must read each host once and end; the outcomes differ per host (h1 has two
certificates, h2 and h3 one), so each host gets its own `webnic_ssl_certificates`. Counts only.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import benchlib as b  # noqa: E402

pytestmark = [pytest.mark.slow]

ENDPOINT = "http://127.0.0.1:9"  # never called: nothing is due


def write_certificate(ssl_dir, name, common_name):
    """A self-issued certificate valid for 300 more days, its key and the role's metadata file."""
    ssl_dir.mkdir(parents=True, exist_ok=True)
    key = crypto.generate_private_key("EC-P256")
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=65))
        .not_valid_after(now + datetime.timedelta(days=300))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = crypto.certificate_pem(cert)
    (ssl_dir / f"{name}.crt").write_bytes(pem)
    (ssl_dir / f"{name}.fullchain.pem").write_bytes(pem)
    (ssl_dir / f"{name}.chain.pem").write_bytes(b"")
    (ssl_dir / f"{name}.key").write_bytes(crypto.serialize_private_key(key))
    (ssl_dir / f"{name}.key").chmod(0o600)
    metadata = {"order_id": "100", "api_endpoint": ENDPOINT, "common_name": common_name, "subject_alt_names": []}
    (ssl_dir / f"{name}.webnic.json").write_text(json.dumps(metadata))


def published_facts(output):
    """host -> its webnic_ssl_certificates, from the debug lines of the playbook's second play."""
    return {
        match.group(1): json.loads(match.group(2))
        for match in re.finditer(r'"FLOOR (h\d) (\{.*\})"', output.replace('\\"', '"'))
    }


def test_nothing_due_reads_each_host_once_and_publishes_each_hosts_own_outcomes(tmp_path):
    inventory = b.make_fleet(tmp_path, 3)
    data = yaml.safe_load(inventory.read_text())
    data["all"]["children"]["api"] = {"hosts": {"h1": None}}
    inventory.write_text(yaml.safe_dump(data, sort_keys=False))
    for host in ("h1", "h2", "h3"):
        write_certificate(tmp_path / "hosts" / host / "ssl", "www", "www.example.test")
    write_certificate(tmp_path / "hosts" / "h1" / "ssl", "api", "api.example.test")

    env = b.playbook_env(ENDPOINT, tmp_path / "controller")
    timings = tmp_path / "floor.tasks.json"
    playbook = Path(__file__).parent / "playbooks" / "floor.yml"
    run = b.run_playbook(playbook, inventory, env, timings=timings)
    assert run.returncode == 0, run.tail()
    assert {host: counts.get("changed", 0) for host, counts in run.recap.items()} == {"h1": 0, "h2": 0, "h3": 0}
    assert "nothing due, no API call" in run.output

    published = published_facts(run.output)
    assert sorted(published) == ["h1", "h2", "h3"], run.tail()
    assert sorted(published["h1"]) == ["api", "www"]
    assert sorted(published["h2"]) == ["www"] and sorted(published["h3"]) == ["www"]
    assert published["h1"]["api"] == {
        "common_name": "api.example.test",
        "action": "none",
        "resumed_order_id": "",
        "order_id": "",
        "waiting_for": "",
        "changed": False,
        "failed": False,
    }

    # Every host serving the same certificates: one run_once task publishes the outcome on all of them.
    only_www = [
        {
            "name": "www",
            "common_name": "www.example.test",
            "inventory_group": "fleet",
            "server_type": "none",
            "dir": "{{ host_dir }}/ssl",
        }
    ]
    uniform = b.run_playbook(playbook, inventory, env, extra_vars={"certificate_list": only_www})
    assert uniform.returncode == 0, uniform.tail()
    assert {host: sorted(value) for host, value in published_facts(uniform.output).items()} == {
        "h1": ["www"],
        "h2": ["www"],
        "h3": ["www"],
    }

    tasks = json.loads(timings.read_text())["tasks"]
    role_tasks = [task for task in tasks if task["name"].startswith("webnic.ssl.certificate : ")]
    per_host = [task["name"].split(" : ")[-1] for task in role_tasks if task["hosts"] > 1]
    assert per_host == [
        "Validating arguments against arg spec 'main' - Roll out WebNIC SSL certificates to the hosts that serve them",
        "Read what the host holds for each of its certificates",
    ], per_host
