# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host-side file helpers shared by webnic_ssl_cert_install and webnic_ssl_validation_file, and
the one wording of a bad-input failure, on real files in a temporary directory with a real
AnsibleModule (its fail_json/exit_json print JSON and exit, as in a module run)."""

import contextlib
import io
import json
import os
import stat

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import files, hostfiles
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import (
    FieldProblem,
    fail_field,
    field_message,
)


def make_module(check_mode=False):
    with patch_module_args({"_ansible_check_mode": check_mode}):
        return AnsibleModule(argument_spec={}, supports_check_mode=True)


def failure_of(call, *args, **kwargs):
    """The JSON printed when ``call(module, *args, **kwargs)`` fails the module."""
    out = io.StringIO()
    with patch_module_args({}), contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        call(AnsibleModule(argument_spec={}), *args, **kwargs)
    result = json.loads(out.getvalue())
    assert result["failed"] is True
    return result


# failures ---------------------------------------------------------------------------------------
def test_field_message_names_the_field_the_problem_and_the_fix():
    assert field_message("mode", "'u=rw' is not octal", "Give '0644'") == "mode: 'u=rw' is not octal. Give '0644'."


def test_field_message_never_doubles_a_final_dot_and_the_fix_is_optional():
    assert field_message("owner", "unknown user.", "Create it.") == "owner: unknown user. Create it."
    assert field_message("owner", "unknown user") == "owner: unknown user."


def test_fail_field_fails_the_module_with_the_field_and_extra_keys():
    result = failure_of(fail_field, "files[0].path", "is a directory", "Give a file", path="/x")
    assert result["msg"] == "files[0].path: is a directory. Give a file."
    assert (result["field"], result["path"]) == ("files[0].path", "/x")


def test_path_error_is_a_field_problem_with_the_same_wording():
    error = files.PathError("certificate_path", "'a.pem' is a relative path", "Give the absolute path")
    assert isinstance(error, FieldProblem)
    assert error.render() == field_message(error.field, error.problem, error.fix)


# option checks ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params,field,words",
    [
        ({"mode": "u=rw", "owner": None, "group": None}, "mode", "octal"),
        ({"mode": "0644", "owner": "no-such-user-webnic", "group": None}, "owner", "no user"),
        ({"mode": "0644", "owner": None, "group": "no-such-group-webnic"}, "group", "no group"),
    ],
)
def test_check_modes_and_owner_names_the_bad_option(params, field, words):
    with pytest.raises(FieldProblem) as info:
        hostfiles.check_modes_and_owner(params, ("mode",))
    assert info.value.field == field and words in info.value.problem


def test_check_modes_and_owner_accepts_octal_modes_and_known_ids():
    hostfiles.check_modes_and_owner({"mode": "0640", "other": "755", "owner": "0", "group": "0"}, ("mode", "other"))


# directories ------------------------------------------------------------------------------------
def test_missing_directories_are_listed_parents_first(tmp_path):
    path = tmp_path / "a" / "b" / "file.txt"
    assert hostfiles.missing_directories(str(path), "f") == [str(tmp_path / "a"), str(tmp_path / "a" / "b")]
    assert hostfiles.missing_directories(str(tmp_path / "file.txt"), "f") == []


def test_a_file_where_a_directory_must_go_is_refused_naming_the_field(tmp_path):
    (tmp_path / "a").write_text("not a directory\n")
    with pytest.raises(FieldProblem) as info:
        hostfiles.missing_directories(str(tmp_path / "a" / "b" / "file.txt"), "files[1].path")
    assert info.value.field == "files[1].path"
    assert "%s is not a directory" % (tmp_path / "a") in info.value.problem


def test_missing_directories_of_several_files_are_listed_once(tmp_path):
    targets = [(str(tmp_path / "a" / "x.pem"), "x"), (str(tmp_path / "a" / "b" / "y.pem"), "y")]
    assert hostfiles.missing_directories_of(targets) == [str(tmp_path / "a"), str(tmp_path / "a" / "b")]


def test_create_directories_gives_the_exact_mode_and_records_each_one(tmp_path):
    wanted = [str(tmp_path / "a"), str(tmp_path / "a" / "b")]
    reasons, created = [], []
    old_umask = os.umask(0o077)
    try:
        hostfiles.create_directories(make_module(), wanted, "0755", None, None, reasons, created=created)
    finally:
        os.umask(old_umask)
    assert created == wanted
    assert [stat.S_IMODE(os.stat(d).st_mode) for d in wanted] == [0o755, 0o755]
    assert reasons == ["directory %s: created (mode 0755)" % d for d in wanted]


def test_create_directories_in_check_mode_only_reports(tmp_path):
    reasons, created = [], []
    hostfiles.create_directories(
        make_module(check_mode=True), [str(tmp_path / "a")], "0750", None, None, reasons, created=created
    )
    assert reasons == ["directory %s: created (mode 0750)" % (tmp_path / "a")]
    assert created == [] and not (tmp_path / "a").exists()


# reading and writing ----------------------------------------------------------------------------
def test_read_previous_is_none_for_a_missing_file_and_a_field_problem_when_unreadable(tmp_path):
    assert hostfiles.read_previous(str(tmp_path / "missing"), "f") is None
    with pytest.raises(FieldProblem) as info:
        hostfiles.read_previous(str(tmp_path), "chain_path")  # a directory cannot be read as a file
    assert info.value.field == "chain_path" and "cannot read" in info.value.problem


def test_write_with_reason_says_created_new_content_or_nothing(tmp_path):
    module, path = make_module(), str(tmp_path / "cert.pem")
    assert hostfiles.write_with_reason(module, path, b"one\n", None, "0644", None, None) == (
        True,
        None,
        "%s: created" % path,
    )
    assert hostfiles.write_with_reason(module, path, b"one\n", b"one\n", "0644", None, None) == (False, None, None)
    changed, _backup, reason = hostfiles.write_with_reason(module, path, b"two\n", b"one\n", "0644", None, None)
    assert (changed, reason) == (True, "%s: new content" % path)
    with open(path, "rb") as handle:
        assert handle.read() == b"two\n"


def test_write_with_reason_names_an_attribute_change(tmp_path):
    path = tmp_path / "key.pem"
    path.write_bytes(b"key\n")
    path.chmod(0o644)
    changed, _backup, reason = hostfiles.write_with_reason(
        make_module(), str(path), b"key\n", b"key\n", "0600", None, None
    )
    assert (changed, reason) == (True, "%s: mode 0644 -> 0600" % path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_with_reason_keeps_a_backup_when_asked(tmp_path):
    path = tmp_path / "cert.pem"
    path.write_bytes(b"old\n")
    _changed, backup, _reason = hostfiles.write_with_reason(
        make_module(), str(path), b"new\n", b"old\n", "0644", None, None, backup=True
    )
    assert backup
    with open(backup, "rb") as handle:
        assert handle.read() == b"old\n"


def test_write_with_reason_never_writes_through_a_link(tmp_path):
    target = tmp_path / "target.pem"
    target.write_bytes(b"keep\n")
    link = tmp_path / "link.pem"
    link.symlink_to(target)
    result = failure_of(hostfiles.write_with_reason, str(link), b"new\n", None, "0644", None, None)
    assert "symbolic link" in result["msg"]
    assert target.read_bytes() == b"keep\n"


def test_diff_entry_names_the_file_on_both_sides():
    assert hostfiles.diff_entry("/p", "a", "") == {
        "before_header": "/p",
        "after_header": "/p",
        "before": "a",
        "after": "",
    }


# ------------------------------------------------------------------ connection options refused


def test_connection_options_are_the_api_modules_connection_spec():
    from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import CONNECTION_OPTIONS
    from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import CONNECTION_ARGUMENT_SPEC

    assert sorted(CONNECTION_OPTIONS) == sorted(CONNECTION_ARGUMENT_SPEC)


def test_connection_option_message_names_the_options_never_their_values():
    from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import connection_option_message

    args = {"path": "/x", "api_password": "S3cret-value", "api_username": "u"}
    msg = connection_option_message("webnic.ssl.webnic_ssl_validation_file", args)
    assert msg.startswith("api_password: webnic.ssl.webnic_ssl_validation_file runs on the host")
    assert "(given: api_password, api_username)" in msg
    assert "Remove them from the task" in msg
    assert "S3cret-value" not in msg
    assert connection_option_message("m", {"path": "/x"}) is None
    # deployed_info keeps api_endpoint (the endpoint its order metadata must match)
    assert connection_option_message("m", {"api_endpoint": "ote"}, accepted=("api_endpoint",)) is None
    assert connection_option_message("m", {"api_endpoint": "ote", "timeout": 3}, accepted=("api_endpoint",)).startswith(
        "timeout: m runs on the host"
    )
