"""boxer serve fuzzed from its own OpenAPI document by schemathesis: no request, valid or not,
gets a 5xx, and the answers match the document (status codes, content types, bodies, 405 for
methods a path does not take, 4xx for schema-violating requests).

Not checked: "schema-valid request rejected" (positive_data_acceptance). The document cannot say
which images, nodes and addresses exist on this host, so well-formed requests naming others are
rightly refused. A volume quota keeps the fuzzer's volumes small: the document allows 16 TiB."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from conftest import start_server

SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")


@pytest.fixture
def quota_server(tmp_path, monkeypatch):
    running = start_server(tmp_path, monkeypatch, extra_arguments=("--volume-quota", "256"))
    try:
        yield running
    finally:
        running.stop()


def test_no_server_errors(quota_server, tmp_path):
    request = urllib.request.Request(
        "http://127.0.0.1:{}/v1/openapi.json".format(quota_server.port),
        headers={"Authorization": "Bearer " + quota_server.token},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        document = json.load(answer)
    assert document["openapi"].startswith("3.")
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(document))
    run = subprocess.run(
        [
            SCHEMATHESIS, "run", str(schema),
            "--url", "http://127.0.0.1:{}".format(quota_server.port),
            "--header", "Authorization: Bearer " + quota_server.token,
            "--max-examples", "30", "--generation-deterministic", "--exclude-checks", "positive_data_acceptance",
            "--report-dir", str(tmp_path / "reports"),
        ],
        capture_output=True, text=True, timeout=900,
        cwd=str(tmp_path),  # schemathesis keeps its caches (.schemathesis/) in its working folder
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "generated" in run.stdout
    # Fuzzing booted nothing: no image it could name exists in this form.
    assert quota_server.qemu_pids() == []
