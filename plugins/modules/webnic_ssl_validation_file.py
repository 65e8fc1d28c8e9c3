#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: webnic_ssl_validation_file
short_description: Publish or remove the HTTP (file) domain-validation files on a web server host in one step
version_added: 0.1.0
description:
  - Writes every file of O(files) (the files the CA fetches under C(/.well-known/pki-validation/) for HTTP
    file validation) in one task, or removes them all with O(state=absent).
  - With O(state=present), missing parent directories are created with O(directory_mode); each file is
    compared first and written only when its content differs, atomically (a temporary file in the same
    directory renamed over the old one), so the web server never serves half a file. The content is
    written exactly as given, no newline is added or removed.
  - With O(state=absent), the files are removed; files that do not exist are fine. Directories are never
    removed.
  - Every option is checked before anything is written; a bad path, mode, owner or group fails the task
    naming the option, and no file or directory is created, replaced or removed.
  - Makes no call to the WebNIC API and needs no credentials; it runs on the managed host.
  - One task instead of a M(ansible.builtin.file) and a M(ansible.builtin.copy) task per file; on a fleet,
    one module execution per host instead of three or more.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Runs every check and reports which files and directories would be created, replaced or removed;
        writes nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - Shows the old and new content of every file that is (or would be) created, replaced or removed.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
options:
  files:
    description:
      - The validation files.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description:
          - The absolute path of the file on the host, for example
            C(/var/www/html/.well-known/pki-validation/<name>.txt).
          - Must not be a directory, and every path must be different.
          - Must be absolute, without C(..), and, with O(state=present), not a symbolic link (files are
            never written through a link).
        type: path
        required: true
      content:
        description:
          - What the file must hold, written exactly as given (no newline added or removed).
          - Required with O(state=present); ignored with O(state=absent).
        type: str
  directory:
    description:
      - The validation directory the files must be in, for example
        C(/var/www/html/.well-known/pki-validation).
      - When given, every O(files[].path) must be a single plain file name (letters, digits, C(.), C(_), C(-),
        not starting with a dot) directly inside it; anything else fails before a file is written or removed.
        Use it when the names come from an API answer, as the P(webnic.ssl.certificate#role) role does.
    type: path
  state:
    description:
      - V(present) writes the files, V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  mode:
    description:
      - The mode of the written files, in octal such as V('0644'). Quote it in YAML, an unquoted
        C(0644) is read as a decimal number.
    type: str
    default: "0644"
  directory_mode:
    description:
      - The mode of the parent directories created because they were missing, in octal such as V('0755').
        Directories that exist are left as they are.
    type: str
    default: "0755"
  owner:
    description:
      - The owner of every written file and created directory (name or uid). Default is the current
        owner, or the user running the module for a new file.
    type: str
  group:
    description:
      - The group of every written file and created directory (name or gid). Default is the current
        group, or the primary group of the user running the module for a new file.
    type: str
  api_username:
    description:
      - Ignored (this module calls no API); accepted so that C(module_defaults) of
        C(group/webnic.ssl.webnic) apply to it.
    type: str
  api_password:
    description:
      - Ignored, see O(api_username).
    type: str
  api_endpoint:
    description:
      - Ignored, see O(api_username).
    type: str
  timeout:
    description:
      - Ignored, see O(api_username).
    type: float
  validate_certs:
    description:
      - Ignored, see O(api_username).
    type: bool
  ca_path:
    description:
      - Ignored, see O(api_username).
    type: path
  force_ipv4:
    description:
      - Ignored, see O(api_username).
    type: bool
seealso:
  - module: webnic.ssl.webnic_ssl_order
  - module: webnic.ssl.webnic_ssl_dcv
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Order a certificate validated by HTTP file
  webnic.ssl.webnic_ssl_order:
    product_key: ssl123
    common_name: www.example.com
    subject_alt_names: [example.com]
    csr: "{{ lookup('ansible.builtin.file', 'csr/www.example.com.csr') }}"
    dcv_method: file
  register: order
  run_once: true
  delegate_to: localhost

- name: List the validation files under the web root
  ansible.builtin.set_fact:
    validation_files: >-
      {%- set ns = namespace(files=[]) -%}
      {%- for dcv in order.dcv | selectattr('method', 'equalto', 'file') -%}
      {%- set ns.files = ns.files + [{'path': '/var/www/html' ~ dcv.file_path, 'content': dcv.file_content}] -%}
      {%- endfor -%}
      {{ ns.files }}

- name: Publish the validation files on every web server
  webnic.ssl.webnic_ssl_validation_file:
    files: "{{ validation_files }}"
    owner: www-data
    group: www-data

- name: Publish one validation file, given literally
  webnic.ssl.webnic_ssl_validation_file:
    files:
      - path: /srv/www/.well-known/pki-validation/3F2504E04F8941D39A0C0305E82C3301.txt
        content: |-
          9C4A3E2B1D0F8E7C6B5A49382716050403020100FEDCBA9876543210AABBCCDD
          comodoca.com
          a1b2c3d4e5

- name: Wait until WebNIC has validated every name
  webnic.ssl.webnic_ssl_dcv:
    order_id: "{{ order.order_id }}"
    wait: true
  run_once: true
  delegate_to: localhost

- name: Remove the validation files (the content is not needed to remove them)
  webnic.ssl.webnic_ssl_validation_file:
    files: "{{ validation_files }}"
    state: absent
"""

RETURN = r"""
changed:
  description: Whether a file or directory was (in check mode, would be) created, replaced, removed
    or given another mode, owner or group.
  returned: always
  type: bool
  sample: true
files:
  description: One entry per file of O(files), in the same order.
  returned: success
  type: list
  elements: dict
  contains:
    path:
      description: The path, as given.
      type: str
      returned: always
      sample: /var/www/html/.well-known/pki-validation/3F2504E04F8941D39A0C0305E82C3301.txt
    changed:
      description: Whether the file was (in check mode, would be) created, replaced, removed, or given
        another mode, owner or group.
      type: bool
      returned: always
      sample: true
  sample:
    - {"path": "/var/www/html/.well-known/pki-validation/3F2504E04F8941D39A0C0305E82C3301.txt", "changed": true}
changed_reasons:
  description: What changed (or in check mode would change), one line per file or directory.
  returned: success
  type: list
  elements: str
  sample:
    - "directory /var/www/html/.well-known: created (mode 0755)"
    - "directory /var/www/html/.well-known/pki-validation: created (mode 0755)"
    - "/var/www/html/.well-known/pki-validation/3F2504E04F8941D39A0C0305E82C3301.txt: created"
"""

import errno
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import dcv
from ansible_collections.webnic.ssl.plugins.module_utils._webnic import files as fileutils


def fail_field(module, field, problem, fix):
    module.fail_json(msg="%s: %s. %s." % (field, problem, fix), field=field)


def check_options(module):
    """Refuse bad options before anything is read or written. Returns ``[(path, field, bytes or None)]``."""
    params = module.params
    for field in ("mode", "directory_mode"):
        try:
            fileutils.parse_mode(params[field])
        except ValueError as exc:
            fail_field(module, field, str(exc), "Give an octal mode in quotes, such as '0644'")
    try:
        fileutils.resolve_uid(params["owner"])
    except KeyError:
        fail_field(
            module,
            "owner",
            "there is no user %r on this host" % params["owner"],
            "Create the user first or fix the name",
        )
    try:
        fileutils.resolve_gid(params["group"])
    except KeyError:
        fail_field(
            module,
            "group",
            "there is no group %r on this host" % params["group"],
            "Create the group first or fix the name",
        )
    present = params["state"] == "present"
    directory = params["directory"]
    if directory and not os.path.isabs(directory):
        fail_field(module, "directory", "%r is not an absolute path" % directory, "Give the full path of the directory")
    targets = []
    seen = {}
    for index, entry in enumerate(params["files"]):
        field = "files[%d]" % index
        path = entry["path"]
        if not os.path.isabs(path):
            fail_field(
                module,
                field + ".path",
                "%r is not an absolute path" % path,
                "Give the full path, such as /var/www/html/.well-known/pki-validation/<name>.txt",
            )
        try:
            fileutils.check_destination(field + ".path", path, allow_link=not present)
            if directory:
                dcv.check_validation_file_path(field + ".path", path, directory)
        except (fileutils.PathError, dcv.UnsafeValidationError) as exc:
            fail_field(module, exc.field, exc.problem.rstrip("."), exc.fix.rstrip("."))
        if path in seen:
            fail_field(
                module, field + ".path", "%s is also %s.path" % (path, seen[path]), "Give every file its own path"
            )
        seen[path] = field
        if os.path.isdir(path) and not (not present and os.path.islink(path)):
            fail_field(module, field + ".path", "%s is a directory" % path, "Give the path of the file itself")
        content = None
        if present:
            if entry["content"] is None:
                fail_field(
                    module,
                    field + ".content",
                    "is required with state=present",
                    "Give the content the CA expects in %s, or use state=absent" % path,
                )
            content = entry["content"].encode("utf-8")
        targets.append((path, field, content))
    return targets


def missing_directories(module, path, field):
    """The missing parent directories of ``path``, top first; fails when a parent is not a directory."""
    missing = []
    directory = os.path.dirname(path)
    while not os.path.lexists(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    if os.path.lexists(directory) and not os.path.isdir(directory):
        fail_field(
            module,
            field + ".path",
            "cannot create the directory of %s: %s is not a directory" % (path, directory),
            "Fix the path, or move that file away",
        )
    return list(reversed(missing))


def diff_entry(path, before, after):
    return {
        "before_header": path,
        "after_header": path,
        "before": "" if before is None else before.decode("utf-8", "replace"),
        "after": "" if after is None else after.decode("utf-8", "replace"),
    }


def read_previous(module, path, field):
    try:
        return fileutils.read_file(path)
    except (IOError, OSError) as exc:
        fail_field(module, field + ".path", "cannot read %s (%s)" % (path, exc), "Check the path and its permissions")


def create_directories(module, directories, reasons):
    params = module.params
    mode = fileutils.parse_mode(params["directory_mode"])
    uid = fileutils.resolve_uid(params["owner"])
    gid = fileutils.resolve_gid(params["group"])
    for directory in directories:
        reasons.append("directory %s: created (mode %s)" % (directory, fileutils.format_mode(mode)))
        if module.check_mode:
            continue
        try:
            os.mkdir(directory, mode)
            os.chmod(directory, mode)  # mkdir's mode is filtered by the umask
            if uid is not None or gid is not None:
                os.chown(directory, -1 if uid is None else uid, -1 if gid is None else gid)
        except OSError as exc:
            module.fail_json(msg="Cannot create the directory %s: %s" % (directory, exc), path=directory)


def publish(module, targets):
    params = module.params
    directories = []
    for path, field, _content in targets:
        for directory in missing_directories(module, path, field):
            if directory not in directories:
                directories.append(directory)
    previous = [read_previous(module, path, field) for path, field, _content in targets]

    reasons = []
    results = []
    diffs = []
    create_directories(module, directories, reasons)
    for index, (path, _field, content) in enumerate(targets):
        old = previous[index]
        attribute_changes = []
        if old == content:
            try:
                attribute_changes = fileutils.attribute_changes(path, params["mode"], params["owner"], params["group"])
            except (OSError, ValueError, KeyError) as exc:
                module.fail_json(msg="Cannot check %s: %s" % (path, exc), path=path)
        changed, _backup = fileutils.write_atomic(
            module, path, content, mode=params["mode"], owner=params["owner"], group=params["group"]
        )
        results.append({"path": path, "changed": changed})
        if old != content:
            reasons.append("%s: %s" % (path, "created" if old is None else "new content"))
            diffs.append(diff_entry(path, old, content))
        elif changed:
            reasons.append("%s: %s" % (path, ", ".join(attribute_changes)))
    return results, reasons, diffs


def remove(module, targets):
    reasons = []
    results = []
    diffs = []
    for path, field, _content in targets:
        if not os.path.lexists(path):
            results.append({"path": path, "changed": False})
            continue
        old = None if os.path.islink(path) else read_previous(module, path, field)
        if not module.check_mode:
            try:
                os.unlink(path)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    module.fail_json(
                        msg="%s.path: cannot remove %s (%s). Fix the permissions of its directory or remove it by hand."
                        % (field, path, exc),
                        field=field + ".path",
                        path=path,
                        changed=bool(reasons),
                        files=results,
                        changed_reasons=reasons,
                    )
        results.append({"path": path, "changed": True})
        reasons.append("%s: removed" % path)
        diffs.append(diff_entry(path, old, None))
    return results, reasons, diffs


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    path=dict(type="path", required=True),
                    content=dict(type="str"),
                ),
            ),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            directory=dict(type="path"),
            mode=dict(type="str", default="0644"),
            directory_mode=dict(type="str", default="0755"),
            owner=dict(type="str"),
            group=dict(type="str"),
            # Accepted and ignored: module_defaults of group/webnic.ssl.webnic pass them to every member.
            api_username=dict(type="str"),
            api_password=dict(type="str", no_log=True),
            api_endpoint=dict(type="str"),
            timeout=dict(type="float"),
            validate_certs=dict(type="bool"),
            ca_path=dict(type="path"),
            force_ipv4=dict(type="bool"),
        ),
        supports_check_mode=True,
    )
    targets = check_options(module)
    if module.params["state"] == "present":
        results, reasons, diffs = publish(module, targets)
    else:
        results, reasons, diffs = remove(module, targets)
    result = {"changed": bool(reasons), "files": results, "changed_reasons": reasons}
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
