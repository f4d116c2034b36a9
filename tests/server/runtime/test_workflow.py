import threading
from pathlib import Path
from typing import Any

from pfctl.server.runtime.processes import LaunchSpec, ReplicaProcess
from pfctl.server.runtime.workflow import NodeLaunch, WorkflowRun
from pfctl.spec.argo_subset import validate_workflow


def echo(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "container": {"image": "alpine", "command": ["sh", "-c"], "args": [text]}}


def workflow(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "spec": spec}


def run(tmp_path: Path, template: dict[str, Any]) -> tuple[bool, str, WorkflowRun]:
    assert validate_workflow(template) == []

    def launcher(launch: NodeLaunch) -> ReplicaProcess:
        return ReplicaProcess(
            LaunchSpec(
                argv=launch.argv,
                cwd=tmp_path,
                env=launch.env,
                log_path=tmp_path / "logs" / f"{launch.node_name}.log",
            )
        )

    engine = WorkflowRun(
        template,
        "wf",
        launcher,
        scripts_dir=tmp_path / "scripts",
        stop_event=threading.Event(),
        grace_seconds=1.0,
    )
    succeeded, message = engine.run()
    return succeeded, message, engine


def test_steps_run_groups_in_sequence_and_steps_in_parallel(tmp_path: Path) -> None:
    template = workflow(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [{"name": "first", "template": "a"}],
                        [{"name": "p1", "template": "b"}, {"name": "p2", "template": "b"}],
                    ],
                },
                echo("a", "echo a >> order.txt"),
                echo("b", "sleep 0.2; echo b >> order.txt"),
            ],
        }
    )
    succeeded, message, engine = run(tmp_path, template)
    assert succeeded, message
    assert (tmp_path / "order.txt").read_text().split() == ["a", "b", "b"]
    names = {node.name: node.phase for node in engine.nodes}
    assert names["wf"] == "Succeeded"
    assert names["wf[0].first"] == "Succeeded"
    assert names["wf[1].p2"] == "Succeeded"


def test_dag_follows_dependencies_and_parameters_are_substituted(tmp_path: Path) -> None:
    template = workflow(
        {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "who", "value": "world"}]},
            "templates": [
                {
                    "name": "main",
                    "dag": {
                        "tasks": [
                            {
                                "name": "second",
                                "template": "say",
                                "dependencies": ["first"],
                                "arguments": {"parameters": [{"name": "word", "value": "two"}]},
                            },
                            {
                                "name": "first",
                                "template": "say",
                                "arguments": {"parameters": [{"name": "word", "value": "one"}]},
                            },
                        ]
                    },
                },
                {
                    "name": "say",
                    "inputs": {"parameters": [{"name": "word"}]},
                    "script": {
                        "image": "python",
                        "command": ["sh"],
                        "source": "echo {{inputs.parameters.word}}-{{workflow.parameters.who}} "
                        ">> said.txt",
                    },
                },
            ],
        }
    )
    succeeded, message, _ = run(tmp_path, template)
    assert succeeded, message
    assert (tmp_path / "said.txt").read_text().split() == ["one-world", "two-world"]


def test_a_failing_node_fails_the_workflow_and_skips_dependents(tmp_path: Path) -> None:
    template = workflow(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "dag": {
                        "tasks": [
                            {"name": "bad", "template": "fail"},
                            {"name": "after", "template": "ok", "dependencies": ["bad"]},
                        ]
                    },
                },
                echo("fail", "exit 7"),
                echo("ok", "touch ran"),
            ],
        }
    )
    succeeded, message, engine = run(tmp_path, template)
    assert not succeeded
    assert "wf.bad" in message and "exit code 7" in message
    phases = {node.name: node.phase for node in engine.nodes}
    assert phases == {"wf": "Failed", "wf.bad": "Failed", "wf.after": "Omitted"}
    assert not (tmp_path / "ran").exists()


def test_stop_ends_running_nodes(tmp_path: Path) -> None:
    template = workflow({"entrypoint": "slow", "templates": [echo("slow", "sleep 300")]})
    stop = threading.Event()

    def launcher(launch: NodeLaunch) -> ReplicaProcess:
        process = ReplicaProcess(
            LaunchSpec(launch.argv, tmp_path, launch.env, tmp_path / "slow.log")
        )
        stop.set()
        return process

    engine = WorkflowRun(
        template, "wf", launcher, scripts_dir=tmp_path, stop_event=stop, grace_seconds=1.0
    )
    succeeded, message = engine.run()
    assert not succeeded and "stopped" in message


def test_validation_names_unsupported_fields() -> None:
    template = workflow(
        {
            "entrypoint": "main",
            "onExit": "cleanup",
            "templates": [
                {"name": "main", "retryStrategy": {"limit": 2}, "container": {"command": ["x"]}},
                {"name": "other", "resource": {"action": "create"}},
                {"name": "loop", "steps": [[{"name": "s", "template": "main", "withItems": [1]}]]},
            ],
        }
    )
    problems = validate_workflow(template)
    assert "unsupported field spec.onExit" in problems
    assert "unsupported field spec.templates[0].retryStrategy" in problems
    assert "unsupported field spec.templates[1].resource" in problems
    assert "unsupported field spec.templates[2].steps[0][0].withItems" in problems


def test_validation_catches_bad_references() -> None:
    template = workflow(
        {
            "entrypoint": "nope",
            "templates": [
                {
                    "name": "main",
                    "dag": {
                        "tasks": [
                            {"name": "a", "template": "main", "dependencies": ["b"]},
                            {"name": "b", "template": "ghost", "dependencies": ["a"]},
                        ]
                    },
                },
                echo("e", "echo {{workflow.parameters.missing}} {{steps.x.outputs.result}}"),
            ],
        }
    )
    problems = "\n".join(validate_workflow(template))
    assert "spec.entrypoint 'nope' is not a template" in problems
    assert "'ghost' is not a template" in problems
    assert "cycle" in problems
    assert "undefined workflow parameter 'missing'" in problems
    assert "unsupported expression {{steps.x.outputs.result}}" in problems
    assert validate_workflow({}) == ["spec is required"]
    assert validate_workflow([]) == ["extensionTemplate must be an object"]
