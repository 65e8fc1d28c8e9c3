# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webnic_ssl_cert_install: the private key travels as a file, never as a module argument.

ansible-core prints the raw arguments of every module it runs when ANSIBLE_DEBUG is on, whatever
no_log says. So the key given as ``privatekey`` is written to the task's private temporary directory
on the host (as ansible.builtin.copy does with its ``content``), mode 0600, the module reads it
from ``privatekey_src``, and the directory is removed when the task ends. With
ANSIBLE_KEEP_REMOTE_FILES=1 the directory stays, key included (still 0600, in a 0700 directory):
delete it by hand after debugging.
"""

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import connection_option_message


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = False
        result = super().run(tmp, task_vars)
        del tmp  # not used since ansible-core 2.5

        module_args = dict(self._task.args)
        # The module calls no API: connection options are refused here, their values never shown
        # (a failed module's arguments are printed at -vvv).
        problem = connection_option_message("webnic.ssl.webnic_ssl_cert_install", module_args)
        if problem:
            raise AnsibleActionFail(problem)
        if module_args.get("privatekey_src") is not None:
            raise AnsibleActionFail(
                "privatekey_src is set by the action plugin: give privatekey (the PEM text of the key)"
            )
        key = module_args.pop("privatekey", None)
        try:
            if key is not None:
                if not isinstance(key, str):
                    raise AnsibleActionFail("privatekey: must be the PEM text of the key, not %s" % type(key).__name__)
                tmpdir = self._connection._shell.tmpdir
                remote_key = self._connection._shell.join_path(tmpdir, "privatekey.pem")
                self._transfer_data(remote_key, to_bytes(key, errors="surrogate_or_strict"))
                # The key file is 0600 (the transfer leaves it 0644 by the umask, and a fix-up for
                # execution would make it 0744): with ANSIBLE_KEEP_REMOTE_FILES=1 it stays behind.
                chmod = self._remote_chmod([remote_key], "0600")
                if chmod.get("rc", 0) != 0:
                    raise AnsibleActionFail(
                        "Cannot make the key file %s private (chmod 0600): %s" % (remote_key, chmod.get("stderr", ""))
                    )
                self._fixup_perms2((tmpdir,))
                self._fixup_perms2((remote_key,), execute=False)
                module_args["privatekey_src"] = remote_key
            result.update(
                self._execute_module(
                    module_name="webnic.ssl.webnic_ssl_cert_install",
                    module_args=module_args,
                    task_vars=task_vars,
                )
            )
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
