#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: certificate_lock
short_description: Take or release a lock on a host that several controllers share
version_added: 0.1.0
description:
  - Serialises runs of the P(webnic.ssl.certificate#role) role that share no controller disk (AWX job
    slicing, several execution nodes) through a host they all reach, the role's key host. The role takes
    the lock there around "read the recorded order, place or adopt, record the order", so that exactly
    one run places the order of a certificate and the others adopt it.
  - The lock is a directory made with C(mkdir) (atomic on local file systems and NFS), holding an owner
    file that names the run (O(owner)), its process and host, and when it took the lock.
  - With O(state=present), waits up to O(timeout) seconds while another run holds it. A lock older than
    O(stale_after) seconds belongs to a run that died (the role holds it for seconds), so it is taken over,
    and of several runs finding it, exactly one does (it is renamed away before it is removed).
  - With O(state=absent), releases the lock only if O(owner) holds it; a lock taken over by another run
    in the meantime is left alone.
  - Makes no call to the WebNIC API and needs no credentials; it runs on the host that holds the lock.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Reports whether the lock is free; takes or releases nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
    details:
      - Taking a lock the same O(owner) already holds, or releasing a lock that is gone, changes nothing.
options:
  path:
    description:
      - The lock directory, for example C(/var/lib/webnic-ssl/www.example.com.lock). Its parent must
        exist and be writable; the lock directory itself must not be a symbolic link.
    type: path
    required: true
  owner:
    description:
      - Who holds the lock. A value unique to the run, the same for the task that takes and the task that
        releases it.
    type: str
    required: true
  state:
    description:
      - V(present) takes the lock (waiting for it), V(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
  timeout:
    description:
      - Seconds to wait for a lock another run holds before failing.
    type: int
    default: 300
  stale_after:
    description:
      - Seconds after which a lock held by another run is taken over (its run died). V(0) never takes over.
      - Keep it well above the time the lock is held for, or two runs could both hold it.
    type: int
    default: 900
notes:
  - A host whose clock jumps forward may take a live lock over early; keep the clock synchronised.
seealso:
  - name: The certificate role
    description: The role takes this lock on its key host for sliced runs.
    link: https://github.com/webnic-community/webnic.ssl/blob/main/docs/awx.md
"""

EXAMPLES = r"""
- name: Take the lock of the certificate's order on the key host
  webnic.ssl.certificate_lock:
    path: /var/lib/webnic-ssl/www.example.com.lock
    owner: "{{ run_id }}"
  delegate_to: vault.example.com
  run_once: true

- name: Release it
  webnic.ssl.certificate_lock:
    path: /var/lib/webnic-ssl/www.example.com.lock
    owner: "{{ run_id }}"
    state: absent
  delegate_to: vault.example.com
  run_once: true
"""

RETURN = r"""
acquired:
  description: Whether this task took the lock (false when O(owner) already held it, or on release).
  returned: always
  type: bool
  sample: true
released:
  description: Whether this task released the lock.
  returned: always
  type: bool
  sample: false
waited:
  description: Seconds spent waiting for another run to release the lock.
  returned: always
  type: float
  sample: 2.4
taken_over:
  description: The owner record of a stale lock this task took over; empty when none was.
  returned: always
  type: dict
  sample: {"owner": "run-1", "pid": 4242, "host": "node1", "acquired_at": "2026-12-07T10:00:00Z"}
changed_reasons:
  description: Why the task changed something (the lock taken or released, a stale lock taken over); empty otherwise.
  returned: always
  type: list
  elements: str
  sample: ["lock /var/lib/webnic-ssl/www.lock taken"]
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic import locks


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            owner=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            timeout=dict(type="int", default=300),
            stale_after=dict(type="int", default=900),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"].rstrip("/")
    owner = module.params["owner"]
    result = dict(
        changed=False, changed_reasons=[], acquired=False, released=False, waited=0.0, taken_over={}, path=path
    )
    if not owner.strip():
        module.fail_json(msg="owner must name the run that holds the lock (got an empty value).", **result)
    if not os.path.isabs(path) or ".." in path.split("/"):
        module.fail_json(msg="path must be an absolute path without '..' (got %s)." % path, **result)
    if module.params["timeout"] < 0 or module.params["stale_after"] < 0:
        module.fail_json(msg="timeout and stale_after must be 0 or more seconds.", **result)
    if os.path.islink(path):
        module.fail_json(msg="path %s is a symbolic link; a lock is never taken through a link." % path, **result)
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        module.fail_json(
            msg="the directory %s of the lock does not exist; create it (mode 0700) on this host first." % parent,
            **result,
        )

    if module.params["state"] == "absent":
        if module.check_mode:
            held = (locks.read_holder(path) or {}).get("owner") == owner
            result["changed"] = bool(held)
            result["changed_reasons"] = ["lock %s released" % path] if held else []
            module.exit_json(**result)
        outcome = locks.release(path, owner)
        if outcome == "not_owner":
            module.warn("the lock %s is no longer held by %s (taken over as stale?); left alone." % (path, owner))
        result["changed"] = result["released"] = outcome == "released"
        result["changed_reasons"] = ["lock %s released" % path] if result["released"] else []
        module.exit_json(**result)

    if module.check_mode:
        holder = locks.read_holder(path)
        result["changed"] = not (holder and holder.get("owner") == owner)
        result["changed_reasons"] = ["lock %s taken" % path] if result["changed"] else []
        module.exit_json(**result)
    try:
        taken = locks.acquire(path, owner, module.params["timeout"], module.params["stale_after"])
    except locks.LockTimeout as exc:
        module.fail_json(msg=str(exc), holder=exc.holder or {}, **result)
    except OSError as exc:
        module.fail_json(msg="cannot make the lock %s: %s" % (path, exc), **result)
    if taken["taken_over"] is not None:
        module.warn("took over the stale lock %s of %s" % (path, locks.describe_holder(taken["taken_over"])))
    result["changed"] = result["acquired"] = taken["acquired"]
    result["waited"] = round(taken["waited"], 3)
    result["taken_over"] = taken["taken_over"] or {}
    if taken["acquired"]:
        result["changed_reasons"].append("lock %s taken" % path)
    if taken["taken_over"] is not None:
        result["changed_reasons"].append("stale lock of %s taken over" % locks.describe_holder(taken["taken_over"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
