#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import validation_files
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem, fail_problem

ARGUMENT_SPEC = dict(
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
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        targets = validation_files.check_options(module.params)
        if module.params["state"] == "present":
            results, reasons, diffs = validation_files.publish(module, targets)
        else:
            results, reasons, diffs = validation_files.remove(module, targets)
    except FieldProblem as problem:
        fail_problem(module, problem)
    result = {"changed": bool(reasons), "files": results, "changed_reasons": reasons}
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
