#!/usr/bin/env python3
"""A typical MLflow 2.x training script, unmodified except that it checks what it logged. Point it at a Repro server:

    MLFLOW_TRACKING_URI=http://127.0.0.1:5005 python3 tests/mlflow_compat/train_with_mlflow.py

(MLFLOW_TRACKING_TOKEN=... when the server was started with --token.) Needs `pip install "mlflow>=2,<3"`; numpy and
pandas come with it. Exits 0 when everything it logged reads back as logged.
"""

import os
import sys
import tempfile

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient


def main():
    if not os.environ.get("MLFLOW_TRACKING_URI", "").startswith("http"):
        print("Set MLFLOW_TRACKING_URI to the Repro server, e.g. http://127.0.0.1:5005", file=sys.stderr)
        return 2

    experiment = mlflow.set_experiment("mlflow-compat")
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(64, 3)), columns=["a", "b", "c"])
    dataset = mlflow.data.from_pandas(features, source="data/features.csv", name="features")

    with mlflow.start_run(run_name="compat-train") as run:
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"epochs": 5, "batch_size": 32, "optimizer": "adam"})
        loss = 1.0
        for step in range(5):
            loss *= 0.7
            mlflow.log_metric("loss", loss, step=step)
            mlflow.log_metrics({"acc": 1 - loss, "lr_now": 0.01 * 0.9**step}, step=step)
        mlflow.set_tag("team", "vision")
        mlflow.set_tags({"stage": "compat", "note": "logged through the MLflow client"})
        mlflow.log_input(dataset, context="training")
        with tempfile.TemporaryDirectory() as scratch:
            model = os.path.join(scratch, "model.txt")
            with open(model, "w") as f:
                f.write("weights\n")
            mlflow.log_artifact(model)
            plots = os.path.join(scratch, "plots")
            os.makedirs(os.path.join(plots, "deep"))
            for name in ["curve.csv", "deep/confusion.json"]:
                with open(os.path.join(plots, name), "w") as f:
                    f.write("x,y\n0,1\n" if name.endswith(".csv") else '{"tp": 3}')
            mlflow.log_artifacts(plots, artifact_path="plots")
        mlflow.log_dict({"threshold": 0.5}, "config/eval.json")
        mlflow.log_text("done", "notes/status.txt")

    client = MlflowClient()
    failures = []

    def expect(condition, what):
        if not condition:
            failures.append(what)

    found = mlflow.search_runs(experiment_ids=[experiment.experiment_id],
                               filter_string="params.lr = '0.01' and metrics.acc > 0.5", order_by=["metrics.acc DESC"])
    expect(list(found["run_id"]) == [run.info.run_id], "search_runs with a filter finds the run: %s" % list(found["run_id"]))
    listed = client.search_runs([experiment.experiment_id], filter_string="tags.team = 'vision'")
    expect([r.info.run_id for r in listed] == [run.info.run_id], "MlflowClient.search_runs by tag")

    history = client.get_metric_history(run.info.run_id, "loss")
    expect([m.step for m in history] == list(range(5)), "loss history steps: %s" % [m.step for m in history])
    expect(abs(history[-1].value - 0.7**5) < 1e-12, "last loss value")

    fetched = client.get_run(run.info.run_id)
    expect(fetched.info.status == "FINISHED" and fetched.info.end_time, "the run ended FINISHED")
    expect(fetched.data.params == {"lr": "0.01", "epochs": "5", "batch_size": "32", "optimizer": "adam"}, "params")
    expect(fetched.data.tags.get("team") == "vision" and fetched.info.run_name == "compat-train", "tags and name")
    expect(len(fetched.inputs.dataset_inputs) == 1, "one dataset input")

    top = {a.path for a in client.list_artifacts(run.info.run_id)}
    expect(top == {"model.txt", "plots", "config", "notes"}, "artifacts at the root: %s" % top)
    with tempfile.TemporaryDirectory() as out:
        local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="plots", dst_path=out)
        with open(os.path.join(local, "deep", "confusion.json")) as f:
            expect(f.read() == '{"tp": 3}', "downloaded artifact content")
    expect(mlflow.artifacts.load_dict(run.info.artifact_uri + "/config/eval.json") == {"threshold": 0.5}, "load_dict")

    if failures:
        for failure in failures:
            print("FAILED: " + failure, file=sys.stderr)
        return 1
    print("mlflow compat: run %s logged and read back through the Repro server" % run.info.run_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
