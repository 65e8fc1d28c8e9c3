# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on the managed host under hostile conditions (issue 15, items 10 and 12).

10. A destination that is a symbolic link (a web root or certificate directory writable by a less
    trusted user) is never written through: the module fails naming the option and the link, and the
    file the link points at keeps its bytes. The download through a link is in test_hostile_answers.
12. With ANSIBLE_KEEP_REMOTE_FILES=1 ansible-core keeps the task's temporary directory on the host;
    the private key webnic_ssl_cert_install sends there must stay 0600 in a 0700 directory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from reliability_helpers import (
    ansible_playbook,
    assert_no_traceback,
    connection_args,
    crypto,
    live,
    local_inventory,
    make_csr,
    playbook_env,
    private_key,
    record,
    run_module,
)

from ansible_collections.webnic.ssl.plugins.modules import (
    webnic_ssl_cert_download,
    webnic_ssl_cert_install,
    webnic_ssl_order,
    webnic_ssl_validation_file,
)

pytestmark = [pytest.mark.simulator]

CN = "www.example.com"


@pytest.fixture
def material(sim, contact, tmp_path):
    """An issued certificate of the simulator, its chain and its key, as files."""
    key = private_key("RSA-2048")
    placed = run_module(
        webnic_ssl_order,
        connection_args(
            sim,
            product_key="ssl123",
            common_name=CN,
            subject_alt_names=["example.com"],
            csr=make_csr(CN, ["example.com"], key=key),
            dcv_method="email",
            approver_emails={CN: "admin@example.com", "example.com": "admin@example.com"},
            administrator_contact_id=contact,
        ),
    )
    assert not placed.failed, placed["msg"]
    sim.approve(placed["order_id"])
    got = tmp_path / "got"
    got.mkdir()
    key_path = got / "www.key"
    key_path.write_bytes(crypto.serialize_private_key(key))
    key_path.chmod(0o600)
    downloaded = run_module(
        webnic_ssl_cert_download,
        connection_args(
            sim,
            order_id=placed["order_id"],
            dest=str(got / "www.crt"),
            chain_dest=str(got / "www.chain.pem"),
            privatekey_path=str(key_path),
        ),
    )
    assert not downloaded.failed, downloaded["msg"]
    assert len(live(sim.orders())) == 1
    return {
        "certificate": str(got / "www.crt"),
        "chain": str(got / "www.chain.pem"),
        "privatekey": str(key_path),
        "key_pem": key_path.read_text(),
    }


def _planted_link(tmp_path, name):
    """A link `name` in a directory another user could write, to a file they could not."""
    victim = tmp_path / "root-owned" / "victim.conf"
    victim.parent.mkdir(exist_ok=True)
    victim.write_text("do not touch\n")
    link = tmp_path / "writable" / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim)
    return link, victim


@pytest.mark.parametrize("option", ["certificate_path", "privatekey_path", "chain_path"])
def test_cert_install_never_writes_through_a_symlinked_destination(material, tmp_path, option):
    link, victim = _planted_link(tmp_path, "www.%s" % option)
    args = {
        "certificate_path": str(tmp_path / "tls" / "www.crt"),
        "certificate": Path(material["certificate"]).read_text(),
        "chain_path": str(tmp_path / "tls" / "www.chain.pem"),
        "chain": Path(material["chain"]).read_text(),
        "privatekey_path": str(tmp_path / "tls" / "www.key"),
        "privatekey": material["key_pem"],
    }
    args[option] = str(link)
    result = run_module(webnic_ssl_cert_install, args)
    assert result.failed, result
    assert_no_traceback(result)
    assert result["msg"].startswith("%s: %s is a symbolic link" % (option, link)), result["msg"]
    assert link.is_symlink() and victim.read_text() == "do not touch\n"
    assert not (tmp_path / "tls").exists() or not any((tmp_path / "tls").iterdir()), "nothing written"
    record("files", "cert_install %s is a symlink" % option, outcome="refused", victim="unchanged")


def test_validation_file_never_writes_through_a_symlink(tmp_path):
    vdir = tmp_path / "writable" / ".well-known" / "pki-validation"
    vdir.mkdir(parents=True)
    victim = tmp_path / "root-owned" / "victim.conf"
    victim.parent.mkdir()
    victim.write_text("do not touch\n")
    (vdir / "A.txt").symlink_to(victim)
    result = run_module(
        webnic_ssl_validation_file,
        {"files": [{"path": str(vdir / "A.txt"), "content": "token\ncomodoca.com"}]},
    )
    assert result.failed, result
    assert_no_traceback(result)
    assert "is a symbolic link" in result["msg"] and "files[0].path" in result["msg"], result["msg"]
    assert (vdir / "A.txt").is_symlink() and victim.read_text() == "do not touch\n"
    record("files", "validation_file path is a symlink", outcome="refused", victim="unchanged")


INSTALL_PLAYBOOK = """---
- name: Install a certificate with its key
  hosts: web
  gather_facts: false
  tasks:
    - name: Install
      webnic.ssl.webnic_ssl_cert_install:
        certificate_path: "{{ workdir }}/tls/www.crt"
        certificate: "{{ lookup('ansible.builtin.file', certificate) }}"
        chain_path: "{{ workdir }}/tls/www.chain.pem"
        chain: "{{ lookup('ansible.builtin.file', chain) }}"
        privatekey_path: "{{ workdir }}/tls/www.key"
        privatekey: "{{ lookup('ansible.builtin.file', privatekey) }}"
"""


def _key_lines(pem):
    return [line for line in pem.splitlines() if len(line) >= 16 and "-----" not in line]


def test_keep_remote_files_leaves_the_key_file_private(sim, material, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    playbook = tmp_path / "install.yml"
    playbook.write_text(INSTALL_PLAYBOOK)
    inventory = local_inventory(
        tmp_path / "hosts.ini",
        ["web1"],
        workdir=workdir,
        certificate=material["certificate"],
        chain=material["chain"],
        privatekey=material["privatekey"],
    )
    env = playbook_env(sim, tmp_path, ANSIBLE_KEEP_REMOTE_FILES="1")
    remote = Path(env["ANSIBLE_REMOTE_TEMP"])
    run = ansible_playbook(playbook, inventory, env)
    assert run.returncode == 0, run.stdout[-4000:]
    assert (workdir / "tls" / "www.key").read_text() == material["key_pem"]

    lines = _key_lines(material["key_pem"])
    holding_key = []
    for path in remote.rglob("*"):
        if path.is_file() and any(line in path.read_text(errors="replace") for line in lines[:3]):
            holding_key.append(path)
    # The test cannot pass by finding nothing: the kept directory holds the key file.
    assert [p.name for p in holding_key] == ["privatekey.pem"], holding_key
    for path in holding_key:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)
        parent = path.parent
        while parent != remote:
            assert stat.S_IMODE(parent.stat().st_mode) & 0o077 == 0, "%s is %o" % (parent, parent.stat().st_mode)
            parent = parent.parent
    record(
        "files",
        "ANSIBLE_KEEP_REMOTE_FILES=1 with cert_install",
        key_files_left=len(holding_key),
        mode="0600",
        directory="0700",
        documented="module notes, docs/troubleshooting.md",
    )
    os.remove(holding_key[0])
