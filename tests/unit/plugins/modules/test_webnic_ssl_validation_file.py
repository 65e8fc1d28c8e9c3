# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_validation_file: HTTP validation files on a managed host. No API, so no simulator: real
files in tmp_path."""

import os
import stat

import pytest

from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_validation_file

from .runner import run_module

CONTENT_A = "9C4A3E2B1D0F8E7C6B5A4938\ncomodoca.com\na1b2c3d4e5"  # no final newline: kept as is
CONTENT_B = "2026120100000abcdef comodoca.com\n"


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def tree(root):
    """Every file and directory under root with its bytes (files) and mode."""
    found = {}
    for directory, dirs, names in os.walk(str(root)):
        for name in dirs:
            path = os.path.join(directory, name)
            found[path] = ("dir", mode_of(path))
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                found[path] = (handle.read(), mode_of(path), os.stat(path).st_mtime_ns)
    return found


@pytest.fixture
def webroot(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    return root


def args(webroot, **extra):
    vdir = webroot / ".well-known" / "pki-validation"
    result = {
        "files": [
            {"path": str(vdir / "A.txt"), "content": CONTENT_A},
            {"path": str(vdir / "B.txt"), "content": CONTENT_B},
        ]
    }
    result.update(extra)
    return result


def test_present_creates_directories_and_files_with_modes(webroot):
    result = run_module(webnic_ssl_validation_file, args(webroot, mode="0640", directory_mode="0750"))
    assert not result.failed, result.get("msg")
    assert result["changed"] is True
    vdir = webroot / ".well-known" / "pki-validation"
    assert (vdir / "A.txt").read_bytes() == CONTENT_A.encode()
    assert (vdir / "B.txt").read_bytes() == CONTENT_B.encode()
    assert mode_of(vdir / "A.txt") == 0o640
    assert mode_of(vdir / "B.txt") == 0o640
    assert mode_of(webroot / ".well-known") == 0o750
    assert mode_of(vdir) == 0o750
    assert result["files"] == [
        {"path": str(vdir / "A.txt"), "changed": True},
        {"path": str(vdir / "B.txt"), "changed": True},
    ]
    assert result["changed_reasons"] == [
        "directory %s: created (mode 0750)" % (webroot / ".well-known"),
        "directory %s: created (mode 0750)" % vdir,
        "%s: created" % (vdir / "A.txt"),
        "%s: created" % (vdir / "B.txt"),
    ]
    assert not [p for p in os.listdir(str(vdir)) if p.endswith(".tmp")], "no temporary file left"


def test_default_modes(webroot):
    result = run_module(webnic_ssl_validation_file, args(webroot))
    assert not result.failed, result.get("msg")
    vdir = webroot / ".well-known" / "pki-validation"
    assert mode_of(vdir / "A.txt") == 0o644
    assert mode_of(vdir) == 0o755


def test_rerun_is_unchanged(webroot):
    assert run_module(webnic_ssl_validation_file, args(webroot))["changed"]
    before = tree(webroot)
    again = run_module(webnic_ssl_validation_file, args(webroot))
    assert not again.failed, again.get("msg")
    assert again["changed"] is False
    assert again["changed_reasons"] == []
    assert [f["changed"] for f in again["files"]] == [False, False]
    assert tree(webroot) == before


def test_content_change_rewrites_only_that_file(webroot):
    run_module(webnic_ssl_validation_file, args(webroot))
    vdir = webroot / ".well-known" / "pki-validation"
    b_before = tree(webroot)[str(vdir / "B.txt")]
    new = args(webroot)
    new["files"][0]["content"] = "new token\n"
    result = run_module(webnic_ssl_validation_file, new, diff=True)
    assert not result.failed, result.get("msg")
    assert result["changed"] is True
    assert [f["changed"] for f in result["files"]] == [True, False]
    assert result["changed_reasons"] == ["%s: new content" % (vdir / "A.txt")]
    assert (vdir / "A.txt").read_text() == "new token\n"
    assert tree(webroot)[str(vdir / "B.txt")] == b_before
    assert result["diff"] == [
        {
            "before_header": str(vdir / "A.txt"),
            "after_header": str(vdir / "A.txt"),
            "before": CONTENT_A,
            "after": "new token\n",
        }
    ]


def test_mode_change_alone_is_applied(webroot):
    run_module(webnic_ssl_validation_file, args(webroot))
    vdir = webroot / ".well-known" / "pki-validation"
    os.chmod(str(vdir / "B.txt"), 0o600)
    result = run_module(webnic_ssl_validation_file, args(webroot))
    assert result["changed"] is True
    assert result["changed_reasons"] == ["%s: mode 0600 -> 0644" % (vdir / "B.txt")]
    assert mode_of(vdir / "B.txt") == 0o644


def test_existing_directories_are_left_alone(webroot):
    vdir = webroot / ".well-known" / "pki-validation"
    vdir.mkdir(parents=True)
    os.chmod(str(vdir), 0o700)
    result = run_module(webnic_ssl_validation_file, args(webroot))
    assert not result.failed, result.get("msg")
    assert not [r for r in result["changed_reasons"] if r.startswith("directory")]
    assert mode_of(vdir) == 0o700


def test_absent_removes_files_keeps_directories_and_is_idempotent(webroot):
    run_module(webnic_ssl_validation_file, args(webroot))
    vdir = webroot / ".well-known" / "pki-validation"
    absent = {"files": [{"path": f["path"]} for f in args(webroot)["files"]], "state": "absent"}
    result = run_module(webnic_ssl_validation_file, absent, diff=True)
    assert not result.failed, result.get("msg")
    assert result["changed"] is True
    assert [f["changed"] for f in result["files"]] == [True, True]
    assert result["changed_reasons"] == ["%s: removed" % (vdir / "A.txt"), "%s: removed" % (vdir / "B.txt")]
    assert result["diff"][0]["before"] == CONTENT_A and result["diff"][0]["after"] == ""
    assert vdir.is_dir() and os.listdir(str(vdir)) == []

    again = run_module(webnic_ssl_validation_file, absent)
    assert not again.failed, again.get("msg")
    assert again["changed"] is False
    assert [f["changed"] for f in again["files"]] == [False, False]


def test_absent_ignores_content_and_missing_directories(webroot):
    result = run_module(webnic_ssl_validation_file, args(webroot, state="absent"))
    assert not result.failed, result.get("msg")
    assert result["changed"] is False
    assert not (webroot / ".well-known").exists()


def test_check_mode_writes_nothing(webroot):
    result = run_module(webnic_ssl_validation_file, args(webroot), check_mode=True, diff=True)
    assert not result.failed, result.get("msg")
    assert result["changed"] is True
    assert [f["changed"] for f in result["files"]] == [True, True]
    assert os.listdir(str(webroot)) == []
    assert [d["after"] for d in result["diff"]] == [CONTENT_A, CONTENT_B]
    assert [d["before"] for d in result["diff"]] == ["", ""]

    run_module(webnic_ssl_validation_file, args(webroot))
    before = tree(webroot)
    absent = run_module(webnic_ssl_validation_file, args(webroot, state="absent"), check_mode=True)
    assert absent["changed"] is True
    assert tree(webroot) == before


def test_symlinked_file_is_refused_and_its_target_untouched(webroot, tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    vdir = webroot / ".well-known" / "pki-validation"
    vdir.mkdir(parents=True)
    (vdir / "A.txt").symlink_to(target)
    result = run_module(webnic_ssl_validation_file, {"files": [{"path": str(vdir / "A.txt"), "content": "new"}]})
    assert result.failed
    assert result["msg"].startswith("files[0].path: %s is a symbolic link" % (vdir / "A.txt")), result["msg"]
    assert (vdir / "A.txt").is_symlink()
    assert target.read_text() == "old"


def test_a_symlink_is_removed_not_followed(webroot, tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("keep")
    vdir = webroot / ".well-known" / "pki-validation"
    vdir.mkdir(parents=True)
    (vdir / "A.txt").symlink_to(target)
    result = run_module(webnic_ssl_validation_file, {"files": [{"path": str(vdir / "A.txt")}], "state": "absent"})
    assert not result.failed, result.get("msg")
    assert not os.path.lexists(vdir / "A.txt")
    assert target.read_text() == "keep"


def test_connection_options_are_refused_as_the_module_calls_no_api(webroot):
    # Host-side: not in the action group webnic (meta/runtime.yml), so it takes no api_* option.
    result = run_module(webnic_ssl_validation_file, args(webroot, api_username="u", api_password="p"))
    assert result.failed
    assert "Unsupported parameters" in result["msg"] and "api_username" in result["msg"]
    assert not (webroot / ".well-known").exists()


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"mode": "u=rw,go=r"}, "mode", "octal"),
        ({"directory_mode": "755x"}, "directory_mode", "octal"),
        ({"owner": "no-such-user-webnic"}, "owner", "no user"),
        ({"group": "no-such-group-webnic"}, "group", "no group"),
        ({"files": [{"path": "relative/A.txt", "content": "x"}]}, "files[0].path", "absolute"),
        ({"files": [{"path": "{webroot}", "content": "x"}]}, "files[0].path", "is a directory"),
        ({"files": [{"path": "{webroot}/A.txt"}]}, "files[0].content", "state=present"),
        (
            {"files": [{"path": "{webroot}/A.txt", "content": "x"}, {"path": "{webroot}/A.txt", "content": "y"}]},
            "files[1].path",
            "own path",
        ),
        ({"files": [{"path": "{webroot}/blocker/sub/A.txt", "content": "x"}]}, "files[0].path", "not a directory"),
        ({"state": "gone"}, "state", "must be one of"),
    ],
)
def test_bad_input_fails_naming_the_field_and_writes_nothing(webroot, change, field, words):
    (webroot / "blocker").write_text("")
    change = {
        key: (
            [{k: v.replace("{webroot}", str(webroot)) for k, v in f.items()} for f in value]
            if key == "files"
            else value
        )
        for key, value in change.items()
    }
    # The second file of the defaults would be written if the checks ran late.
    full = args(webroot)
    if "files" not in change:
        change.setdefault("files", full["files"])
    before = tree(webroot)
    result = run_module(webnic_ssl_validation_file, change)
    assert result.failed
    assert field.split("[")[0] in result["msg"] and field.split(".")[-1] in result["msg"], result["msg"]
    if "state" not in change:
        assert result["msg"].startswith(field + ": "), result["msg"]
        assert result["field"] == field
    assert words in result["msg"], result["msg"]
    assert "Traceback" not in result["msg"]
    assert tree(webroot) == before, "nothing written"


def test_absent_refuses_a_directory(webroot):
    result = run_module(webnic_ssl_validation_file, {"files": [{"path": str(webroot)}], "state": "absent"})
    assert result.failed
    assert result["msg"].startswith("files[0].path: %s is a directory" % webroot)
    assert webroot.is_dir()
