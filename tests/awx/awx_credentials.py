"""What AWX does with a custom credential type, reproduced for tests (AWX itself is not installed here).

Follows AWX's own code (awx/main/fields.py CredentialTypeInputField / CredentialTypeInjectorField
validation, awx/main/models/credential.py CredentialType.inject_credential and build_safe_env):

- `validate` applies the JSON schemas AWX applies to `inputs` and `injectors`, then renders every
  injector template in a sandbox with StrictUndefined against the defined fields, so a template
  naming an unknown field fails here as it fails when the type is saved in AWX.
- `inject` renders the injectors for one credential the way a job launch does: file injectors
  become 0600 files under `<private_data_dir>/env/`, env injectors become environment variables;
  empty inputs are left out of the template namespace (they render as empty strings).
- `safe_env` is the masked copy AWX stores and shows as the job's environment.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

import jsonschema
import yaml
from jinja2 import StrictUndefined, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE_FILE = ROOT / "extensions" / "awx" / "webnic_api_credential_type.yml"
HIDDEN_PASSWORD = "**********"

INPUTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "required": {"type": "array", "items": {"type": "string"}},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"enum": ["string", "boolean"]},
                    "format": {"enum": ["ssh_private_key", "url"]},
                    "choices": {"type": "array", "minItems": 1, "items": {"type": "string"}, "uniqueItems": True},
                    "id": {"type": "string", "pattern": "^[a-zA-Z_]+[a-zA-Z0-9_]*$"},
                    "label": {"type": "string"},
                    "help_text": {"type": "string"},
                    "multiline": {"type": "boolean"},
                    "secret": {"type": "boolean"},
                    "ask_at_runtime": {"type": "boolean"},
                    "default": {},
                },
                "additionalProperties": False,
                "required": ["id", "label"],
            },
        },
    },
}

INJECTORS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "file": {
            "type": "object",
            "patternProperties": {r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$": {"type": "string"}},
            "additionalProperties": False,
        },
        "env": {
            "type": "object",
            "patternProperties": {"^[a-zA-Z_]+[a-zA-Z0-9_]*$": {"type": "string", "pattern": "^[\x00-\x7f]*$"}},
            "additionalProperties": False,
        },
        "extra_vars": {
            "type": "object",
            "patternProperties": {"^[a-zA-Z_]+[a-zA-Z0-9_]*$": {"type": "string"}},
            "additionalProperties": False,
        },
    },
}

# Variables AWX refuses in credential injectors (besides every ANSIBLE_* name); a subset of its
# ENV_BLOCKLIST, enough to catch a type that tries to steer the job itself.
ENV_BLOCKLIST = frozenset(
    [
        "VIRTUAL_ENV",
        "PATH",
        "PYTHONPATH",
        "JOB_ID",
        "INVENTORY_ID",
        "INVENTORY_SOURCE_ID",
        "INVENTORY_UPDATE_ID",
        "AD_HOC_COMMAND_ID",
        "REST_API_URL",
        "REST_API_TOKEN",
        "MAX_EVENT_RES",
        "CALLBACK_QUEUE",
        "CALLBACK_CONNECTION",
        "CACHE",
        "JOB_CALLBACK_DEBUG",
        "INVENTORY_HOSTVARS",
        "AWX_HOST",
        "PROJECT_REVISION",
        "SUPERVISOR_CONFIG_PATH",
    ]
)


class CredentialTypeError(ValueError):
    pass


def load_credential_type(path=CREDENTIAL_TYPE_FILE):
    return yaml.safe_load(Path(path).read_text())


class _Namespace:
    pass


def validate(credential_type):
    """Raise CredentialTypeError where AWX would refuse to save this credential type."""
    if credential_type.get("kind") not in ("cloud", "net"):
        raise CredentialTypeError("custom credential types must be of kind cloud or net")
    inputs, injectors = credential_type.get("inputs") or {}, credential_type.get("injectors") or {}
    try:
        jsonschema.validate(inputs, INPUTS_SCHEMA)
        jsonschema.validate(injectors, INJECTORS_SCHEMA)
    except jsonschema.ValidationError as exc:
        raise CredentialTypeError(str(exc)) from None
    ids = set()
    for field in inputs.get("fields", []):
        if field["id"] == "tower" or field["id"] in ids:
            raise CredentialTypeError("field id %r is reserved or repeated" % field["id"])
        ids.add(field["id"])
        kind = field.get("type", "string")
        if "default" in field and not isinstance(field["default"], {"string": str, "boolean": bool}[kind]):
            raise CredentialTypeError("default of %s is not a %s" % (field["id"], kind))
        for key in ("choices", "multiline", "format", "secret"):
            if key in field and kind != "string":
                raise CredentialTypeError("%s not allowed for %s type (%s)" % (key, kind, field["id"]))
    for name in inputs.get("required", []):
        if name not in ids:
            raise CredentialTypeError("required field %r is not defined" % name)

    namespace = dict.fromkeys(ids, "EXAMPLE")
    tower = _Namespace()
    templates = [name for name in injectors.get("file", {}) if name.startswith("template")]
    if "template" in templates:
        if len(templates) > 1:
            raise CredentialTypeError("Must use multi-file syntax when injecting multiple files")
        tower.filename = "EXAMPLE_FILENAME"
    elif templates:
        tower.filename = _Namespace()
        for name in templates:
            setattr(tower.filename, name.split(".", 1)[1], "EXAMPLE_FILENAME")
    namespace["tower"] = tower
    sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind, entries in injectors.items():
        for key, template in entries.items():
            if kind == "env" and (key.startswith("ANSIBLE_") or key in ENV_BLOCKLIST):
                raise CredentialTypeError("environment variable %s is not allowed in credentials" % key)
            try:
                sandbox.from_string(template).render(namespace)
            except UndefinedError as exc:
                raise CredentialTypeError("%s uses an undefined field (%s)" % (key, exc)) from None


def secret_fields(credential_type):
    return {f["id"] for f in credential_type["inputs"].get("fields", []) if f.get("secret")}


def inject(credential_type, inputs, private_data_dir):
    """Render the injectors for one credential; returns (env, safe_env, extra_vars)."""
    private_data_dir = Path(private_data_dir)
    (private_data_dir / "env").mkdir(parents=True, exist_ok=True)
    secrets = secret_fields(credential_type)
    namespace, safe_namespace = {}, {}
    for name, value in inputs.items():
        if isinstance(value, bool):
            namespace[name] = safe_namespace[name] = value
            continue
        if name in secrets:
            safe_namespace[name] = HIDDEN_PASSWORD
        elif len(value):
            safe_namespace[name] = value
        if len(value):
            namespace[name] = value
    tower = _Namespace()
    namespace["tower"] = safe_namespace["tower"] = tower
    sandbox = ImmutableSandboxedEnvironment()
    injectors = credential_type.get("injectors") or {}
    for label, template in injectors.get("file", {}).items():
        data = sandbox.from_string(template).render(**namespace)
        fd, path = tempfile.mkstemp(dir=private_data_dir / "env")
        with os.fdopen(fd, "w") as handle:
            handle.write(data)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if "." not in label:
            tower.filename = path
        else:
            if not hasattr(tower, "filename"):
                tower.filename = _Namespace()
            setattr(tower.filename, label.split(".", 1)[1], path)
    env, safe_env = {}, {}
    for name, template in injectors.get("env", {}).items():
        env[name] = sandbox.from_string(template).render(**namespace)
        safe_env[name] = sandbox.from_string(template).render(**safe_namespace)
    extra_vars = {
        name: sandbox.from_string(template).render(**namespace)
        for name, template in injectors.get("extra_vars", {}).items()
    }
    return env, safe_env, extra_vars


def build_safe_env(env):
    """The job environment as AWX stores and displays it (job_env)."""
    hidden = re.compile(r"API|TOKEN|KEY|SECRET|PASS", re.I)
    urlpass = re.compile(r"^.*?://[^:]+:(.*?)@.*?$")
    safe = dict(env)
    for key, value in safe.items():
        if key == "AWS_ACCESS_KEY_ID":
            continue
        if key.startswith("ANSIBLE_") and not key.startswith(("ANSIBLE_NET", "ANSIBLE_GALAXY_SERVER")):
            continue
        if hidden.search(key):
            safe[key] = HIDDEN_PASSWORD
        elif isinstance(value, str) and urlpass.match(value):
            safe[key] = urlpass.sub(HIDDEN_PASSWORD, value)
    return safe
