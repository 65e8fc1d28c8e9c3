# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How every module fails on bad input: one wording, ``<field>: <problem>. <fix>.``, and the
``field`` key in the result, so a user (and a test) always learns which option to fix and how."""

from typing import Any, Dict, Optional, Tuple


class FieldProblem(ValueError):
    """Bad input found by a pure check, before anything was written or charged: ``field`` names the
    option, ``problem`` what is wrong with it, ``fix`` what to do; ``extra`` goes into the failed
    result. Planners raise it; ``WebNICModule.run`` and host-side modules turn it into :func:`fail_field`."""

    def __init__(self, field, problem, fix=None, **extra):
        super().__init__("%s: %s" % (field, problem))
        self.field = field
        self.problem = problem
        self.fix = fix
        self.extra = extra

    def render(self):
        return field_message(self.field, self.problem, self.fix)


def field_message(field: str, problem: str, fix: Optional[str] = None) -> str:
    """``"<field>: <problem>. <fix>."`` (trailing dots of ``problem`` and ``fix`` are not doubled)."""
    msg = "%s: %s." % (field, problem.rstrip("."))
    if fix:
        msg = "%s %s." % (msg, fix.rstrip("."))
    return msg


def fail_field(module, field, problem, fix=None, **extra):
    """Fail ``module`` on bad input, naming the option and what to do about it."""
    module.fail_json(msg=field_message(field, problem, fix), field=field, **extra)


def fail_problem(module, problem, **extra):
    """:func:`fail_field` for a :class:`FieldProblem` (or anything with field, problem and fix)."""
    fail_field(module, problem.field, problem.problem, problem.fix, **dict(getattr(problem, "extra", {}), **extra))


#: The options that connect a module to the WebNIC API (module.CONNECTION_ARGUMENT_SPEC; a unit test
#: keeps the two equal). The host-side modules take none of them.
CONNECTION_OPTIONS = (
    "api_username",
    "api_password",
    "api_endpoint",
    "timeout",
    "validate_certs",
    "ca_path",
    "api_proxy",
    "force_ipv4",
)


def connection_option_message(module_name: str, args: Dict[str, Any], accepted: Tuple[str, ...] = ()) -> Optional[str]:
    """The failure message when a host-side module is given API connection options (None when not).

    Their values are never repeated: ansible-core shows the arguments of a module that refuses an
    unknown option at -vvv, and an API password given to a host-side module (an old playbook, a copied
    task) would be printed. The action plugin refuses them before the module runs.
    """
    given = sorted(name for name in args if name in CONNECTION_OPTIONS and name not in accepted)
    if not given:
        return None
    return field_message(
        given[0],
        "%s runs on the host and calls no WebNIC API, so it takes no connection option (given: %s)"
        % (module_name, ", ".join(given)),
        "Remove %s from the task; module_defaults of group/webnic.ssl.webnic do not reach this module"
        % ("it" if len(given) == 1 else "them"),
    )
