#!/usr/bin/env python3
"""Replays, with the standard library only, the HTTP requests an MLflow 2.x client sends for a typical training script,
and checks each answer the way the client reads it.

    python3 tests/mlflow_compat/replay.py http://127.0.0.1:5005 [--token TOKEN]

The requests follow mlflow/store/tracking/rest_store.py and mlflow/store/artifact/http_artifact_repo.py (MLflow 2.x):
JSON bodies as message_to_json writes them (int64 as numbers, run_uuid beside run_id), GETs with query strings, and
artifacts through the mlflow-artifacts proxy. Exits 0 when every check passes, 1 otherwise.
"""

import json
import math
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = ""
TOKEN = None
CHECKS = {"passed": 0, "failed": 0}


def call(method, path, body=None, query=None, data=None, content_type=None):
    """Returns (status, parsed JSON or raw bytes)."""
    url = BASE + path
    if query:
        url += "?" + urllib.parse.urlencode(query, doseq=True)
    headers = {"User-Agent": "mlflow-python-client/2.x (replay)"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    elif data is not None:
        payload = data
        headers["Content-Type"] = content_type or "application/octet-stream"
    if TOKEN:
        headers["Authorization"] = "Bearer " + TOKEN
    request = urllib.request.Request(url, data=payload, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw, kind = response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers.get("Content-Type", "")
    if "json" in kind:
        return status, json.loads(raw.decode("utf-8"))
    return status, raw


def check(condition, what):
    if condition:
        CHECKS["passed"] += 1
    else:
        CHECKS["failed"] += 1
        print("FAILED: " + what, file=sys.stderr)
    return condition


def now_ms():
    return int(time.time() * 1000)


def pairs(items):
    return {item["key"]: item["value"] for item in items or []}


def main():
    global BASE, TOKEN
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    BASE = args[0].rstrip("/")
    if "--token" in args:
        TOKEN = args[args.index("--token") + 1]
    name = "replay-%d" % now_ms()

    # mlflow.set_experiment(name): get-by-name answers 404, then create and get.
    status, body = call("GET", "/api/2.0/mlflow/experiments/get-by-name", query={"experiment_name": name})
    check(status == 404 and body.get("error_code") == "RESOURCE_DOES_NOT_EXIST", "get-by-name of a new experiment is 404")
    status, body = call("POST", "/api/2.0/mlflow/experiments/create", {"name": name})
    check(status == 200 and "experiment_id" in body, "experiments/create answers the id: %s" % body)
    experiment_id = body["experiment_id"]
    status, body = call("GET", "/api/2.0/mlflow/experiments/get", query={"experiment_id": experiment_id})
    check(status == 200 and body["experiment"]["name"] == name, "experiments/get")
    check(body["experiment"]["lifecycle_stage"] == "active", "the new experiment is active")

    # mlflow.start_run(run_name="train")
    tags = [
        {"key": "mlflow.user", "value": "replay"},
        {"key": "mlflow.source.name", "value": "train.py"},
        {"key": "mlflow.source.type", "value": "LOCAL"},
        {"key": "mlflow.runName", "value": "train"},
    ]
    status, body = call("POST", "/api/2.0/mlflow/runs/create", {
        "experiment_id": experiment_id, "user_id": "replay", "start_time": now_ms(), "tags": tags, "run_name": "train"})
    check(status == 200, "runs/create: %s" % body)
    info = body["run"]["info"]
    run_id = info["run_id"]
    check(info["run_uuid"] == run_id and info["status"] == "RUNNING", "the new run is RUNNING")
    check(info["artifact_uri"] == "mlflow-artifacts:/%s/%s/artifacts" % (experiment_id, run_id),
          "artifact_uri is proxied: %s" % info["artifact_uri"])

    # mlflow.log_param / log_params / log_metric / log_metrics / set_tag
    ok = lambda r: r[0] == 200 and r[1] == {}
    check(ok(call("POST", "/api/2.0/mlflow/runs/log-parameter",
                  {"run_id": run_id, "run_uuid": run_id, "key": "lr", "value": "0.01"})), "log-parameter")
    check(ok(call("POST", "/api/2.0/mlflow/runs/log-batch",
                  {"run_id": run_id, "params": [{"key": "epochs", "value": "3"}, {"key": "batch", "value": "32"}]})), "log-batch params")
    for step in range(3):
        check(ok(call("POST", "/api/2.0/mlflow/runs/log-metric", {
            "run_id": run_id, "run_uuid": run_id, "key": "loss", "value": 1.0 / (step + 1), "timestamp": now_ms(), "step": step})),
            "log-metric step %d" % step)
    check(ok(call("POST", "/api/2.0/mlflow/runs/log-batch", {"run_id": run_id, "metrics": [
        {"key": "acc", "value": 0.9, "timestamp": now_ms(), "step": 3},
        {"key": "f1", "value": "NaN", "timestamp": now_ms(), "step": 3}]})), "log-batch metrics")
    check(ok(call("POST", "/api/2.0/mlflow/runs/set-tag",
                  {"run_id": run_id, "run_uuid": run_id, "key": "team", "value": "vision"})), "set-tag")
    status, body = call("POST", "/api/2.0/mlflow/runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.02"})
    check(status == 400 and body.get("error_code") == "INVALID_PARAMETER_VALUE", "changing a param is refused")

    # mlflow.log_artifact / log_artifacts: the client reads the run's artifact_uri, then PUTs through the proxy.
    status, body = call("GET", "/api/2.0/mlflow/runs/get", query={"run_id": run_id, "run_uuid": run_id})
    root = body["run"]["info"]["artifact_uri"][len("mlflow-artifacts:"):].lstrip("/")
    for path, content, kind in [("model.txt", b"weights", "text/plain"), ("plots/a.csv", b"x,y\n1,2\n", "text/csv"),
                                ("plots/deep/b.json", b'{"b": 1}', "application/json")]:
        status, body = call("PUT", "/api/2.0/mlflow-artifacts/artifacts/%s/%s" % (root, path), data=content, content_type=kind)
        check(status == 200 and body == {}, "upload %s: %s %s" % (path, status, body))

    # mlflow.log_input(dataset, context="training")
    dataset = {"name": "digits", "digest": "f0f3e026", "source_type": "local", "source": json.dumps({"uri": "/data/digits.csv"}),
               "schema": json.dumps({"mlflow_colspec": [{"name": "a", "type": "long", "required": True}]}),
               "profile": json.dumps({"num_rows": 2, "num_elements": 6})}
    check(ok(call("POST", "/api/2.0/mlflow/runs/log-inputs", {"run_id": run_id, "datasets": [
        {"tags": [{"key": "mlflow.data.context", "value": "training"}], "dataset": dataset}]})), "log-inputs")

    # mlflow.end_run()
    status, body = call("POST", "/api/2.0/mlflow/runs/update",
                        {"run_id": run_id, "run_uuid": run_id, "status": "FINISHED", "end_time": now_ms()})
    check(status == 200 and body["run_info"]["status"] == "FINISHED", "runs/update to FINISHED")

    # What the client reads back.
    status, body = call("GET", "/api/2.0/mlflow/runs/get", query={"run_id": run_id, "run_uuid": run_id})
    run = body["run"]
    params, metrics, run_tags = pairs(run["data"].get("params")), pairs(run["data"].get("metrics")), pairs(run["data"].get("tags"))
    check(params == {"lr": "0.01", "epochs": "3", "batch": "32"}, "params read back: %s" % params)
    check(metrics.get("loss") == 1.0 / 3 and metrics.get("acc") == 0.9, "latest metrics: %s" % metrics)
    check(metrics.get("f1") == "NaN" and math.isnan(float(metrics["f1"])), "NaN travels as \"NaN\"")
    check(run_tags.get("team") == "vision" and run_tags.get("mlflow.runName") == "train", "tags read back")
    check(run["info"]["run_name"] == "train" and "end_time" in run["info"], "run name and end time")
    inputs = run["inputs"].get("dataset_inputs", [])
    check(len(inputs) == 1 and inputs[0]["dataset"]["digest"] == "f0f3e026", "dataset input read back")

    # mlflow.search_runs(filter_string=...)
    status, body = call("POST", "/api/2.0/mlflow/runs/search", {
        "experiment_ids": [experiment_id], "filter": "params.lr = '0.01' and metrics.acc > 0.5",
        "run_view_type": "ACTIVE_ONLY", "max_results": 1000, "order_by": ["attributes.start_time DESC"]})
    found = [r["info"]["run_id"] for r in body.get("runs", [])]
    check(status == 200 and found == [run_id], "runs/search with a filter: %s" % body)
    status, body = call("POST", "/api/2.0/mlflow/runs/search", {"experiment_ids": [experiment_id], "filter": "metrics.acc > 0.95"})
    check(status == 200 and body == {}, "a search matching nothing answers {}")

    # MlflowClient().get_metric_history(run_id, "loss"), paged as 2.x clients page it.
    history, token = [], None
    while True:
        query = {"run_id": run_id, "run_uuid": run_id, "metric_key": "loss", "max_results": 2}
        if token:
            query["page_token"] = token
        status, body = call("GET", "/api/2.0/mlflow/metrics/get-history", query=query)
        history += body.get("metrics", [])
        token = body.get("next_page_token")
        if not token:
            break
    check([m["step"] for m in history] == [0, 1, 2] and history[0]["value"] == 1.0, "metric history: %s" % history)

    # Listing and downloading artifacts, as download_artifacts() walks them.
    status, body = call("GET", "/api/2.0/mlflow/artifacts/list", query={"run_id": run_id, "run_uuid": run_id})
    listed = {f["path"]: f for f in body.get("files", [])}
    check(set(listed) == {"model.txt", "plots"} and listed["plots"]["is_dir"] and listed["model.txt"]["file_size"] == 7,
          "artifacts/list: %s" % body)
    status, body = call("GET", "/api/2.0/mlflow-artifacts/artifacts", query={"path": root + "/plots"})
    check({f["path"] for f in body.get("files", [])} == {"a.csv", "deep"}, "mlflow-artifacts list: %s" % body)
    status, body = call("GET", "/api/2.0/mlflow-artifacts/artifacts/%s/plots/deep/b.json" % root)
    check(status == 200 and body == {"b": 1}, "download: %s" % body)
    status, body = call("GET", "/api/2.0/mlflow-artifacts/artifacts", query={"path": root + "/../../x"})
    check(status == 400 and body == {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path"}, "traversal refused")

    print("replay: %d passed, %d failed" % (CHECKS["passed"], CHECKS["failed"]))
    return 0 if CHECKS["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
