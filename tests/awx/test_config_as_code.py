"""examples/awx-config/: the awx.awx configuration as code is consistent with what the collection ships
(the credential type file, its fields), and its survey is one AWX accepts (the rules of AWX's survey
validation: types, variables, choices, defaults) and that the on-demand playbook reads completely.
ansible-lint (make lint) checks the playbooks themselves; awx.awx is not installed here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from awx_credentials import load_credential_type

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "examples" / "awx-config"
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def tasks():
    play = yaml.safe_load((CONFIG / "configure.yml").read_text())[0]
    return {next(k for k in task if k.startswith("awx.awx.")): task for task in play["tasks"]}, play


def survey():
    return json.loads((CONFIG / "survey.json").read_text())


def test_credential_type_comes_from_the_shipped_file():
    by_module, play = tasks()
    lookup = play["vars"]["webnic_credential_type"]
    path = re.search(r"playbook_dir ~ '([^']+)'", lookup).group(1)
    assert (CONFIG / path.lstrip("/")).resolve() == (ROOT / "extensions/awx/webnic_api_credential_type.yml")
    task = by_module["awx.awx.credential_type"]["awx.awx.credential_type"]
    assert task["kind"] == load_credential_type()["kind"]


def test_credential_fills_the_required_fields_of_the_type_and_is_no_log():
    by_module, _play = tasks()
    task = by_module["awx.awx.credential"]
    assert task["no_log"] is True
    credential_type = load_credential_type()
    field_ids = {field["id"] for field in credential_type["inputs"]["fields"]}
    given = set(task["awx.awx.credential"]["inputs"])
    assert given <= field_ids
    assert set(credential_type["inputs"]["required"]) <= given


def test_job_templates_use_playbooks_that_exist_and_the_failure_notification():
    by_module, _play = tasks()
    play = yaml.safe_load((CONFIG / "configure.yml").read_text())[0]
    templates = [t["awx.awx.job_template"] for t in play["tasks"] if "awx.awx.job_template" in t]
    notification = by_module["awx.awx.notification_template"]["awx.awx.notification_template"]["name"]
    assert len(templates) == 2
    for template in templates:
        assert (ROOT / template["playbook"]).is_file(), template["playbook"]
        assert template["notification_templates_error"] == [notification]


def test_schedule_is_a_daily_rrule_of_the_nightly_template():
    by_module, _play = tasks()
    schedule = by_module["awx.awx.schedule"]["awx.awx.schedule"]
    assert re.fullmatch(r"DTSTART:\d{8}T\d{6}Z RRULE:FREQ=DAILY;INTERVAL=1", schedule["rrule"])
    assert schedule["unified_job_template"] == "webnic.ssl nightly"


def test_survey_follows_awx_survey_rules():
    spec = survey()
    assert spec["name"] and isinstance(spec["spec"], list) and spec["spec"]
    variables = [item["variable"] for item in spec["spec"]]
    assert len(set(variables)) == len(variables)
    for item in spec["spec"]:
        assert item["type"] in SURVEY_TYPES, item
        assert item["question_name"] and isinstance(item["required"], bool), item
        assert re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", item["variable"]), item
        if item["type"] in ("multiplechoice", "multiselect"):
            assert isinstance(item["choices"], list) and item["choices"], item
            assert item.get("default", "") in ("", *item["choices"]), item
        if item["type"] in ("text", "textarea", "password") and item.get("default"):
            assert item["min"] <= len(item["default"]) <= item["max"], item


def test_on_demand_playbook_reads_only_survey_variables():
    text = (CONFIG / "on_demand.yml").read_text()
    used = set(re.findall(r"\b(survey_[a-z_]+)\b", text)) - {"survey_inventory_group_not_set"}
    assert used == {item["variable"] for item in survey()["spec"]}


def test_survey_products_exist_in_the_simulator_catalogue():
    catalogue = json.loads((ROOT / "tests/simulator/webnic_sim/data/products.json").read_text())
    keys = set(re.findall(r'"productKey":\s*"([^"]+)"', json.dumps(catalogue)))
    product = next(item for item in survey()["spec"] if item["variable"] == "survey_product")
    assert set(product["choices"]) <= keys, set(product["choices"]) - keys
