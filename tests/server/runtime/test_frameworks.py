import json

from pfctl.server.runtime.frameworks import (
    JobFacts,
    job_mode,
    mpi_hostfile,
    plan_replicas,
    primary_roles,
    replica_env,
)


def facts(framework: str, mode: str) -> JobFacts:
    return JobFacts(
        job_id="job-1",
        job_type="distributed",
        framework=framework,
        queue="default-queue",
        namespace="default",
        user_name="root",
        mode=mode,
        priority="NORMAL",
    )


def env_of(framework: str, members: list[tuple[str, int]]) -> dict[str, dict[str, str]]:
    ports = list(range(7000, 7000 + sum(count for _, count in members)))
    replicas = plan_replicas(members, ports)
    mode = job_mode(framework, members)
    return {
        replica.name: replica_env(
            facts(framework, mode),
            replicas,
            replica,
            user_env={"MINE": "1", "PF_JOB_ID": "forged"},
            work_dir="/w",
            flavour_name="flavour1",
            mpi_hostfile_path="/w/hostfile",
        )
        for replica in replicas
    }


def test_every_replica_gets_the_paddleflow_variables_and_its_own_env() -> None:
    env = env_of("paddle", [("worker", 2)])["worker-1"]
    assert env["MINE"] == "1"
    assert env["PF_JOB_ID"] == "job-1"
    assert env["PF_JOB_TYPE"] == "distributed"
    assert env["PF_JOB_QUEUE_NAME"] == "default-queue"
    assert env["PF_JOB_NAMESPACE"] == "default"
    assert env["PF_USER_NAME"] == "root"
    assert env["PF_JOB_MODE"] == "Collective"
    assert env["PF_JOB_FRAMEWORK"] == "paddle"
    assert env["PF_WORK_DIR"] == "/w"
    assert env["PF_JOB_FLAVOUR"] == "flavour1"


def test_paddle_collective_endpoints() -> None:
    envs = env_of("paddle", [("worker", 2)])
    assert envs["worker-0"]["PADDLE_TRAINER_ENDPOINTS"] == "127.0.0.1:7000,127.0.0.1:7001"
    assert envs["worker-1"]["PADDLE_CURRENT_ENDPOINT"] == "127.0.0.1:7001"
    assert envs["worker-1"]["PADDLE_TRAINER_ID"] == "1"
    assert envs["worker-0"]["PADDLE_TRAINERS_NUM"] == "2"


def test_paddle_parameter_server_roles() -> None:
    envs = env_of("paddle", [("pserver", 2), ("worker", 2)])
    assert envs["pserver-1"]["TRAINING_ROLE"] == "PSERVER"
    assert envs["worker-0"]["TRAINING_ROLE"] == "TRAINER"
    assert envs["worker-0"]["PADDLE_PSERVERS_IP_PORT_LIST"] == "127.0.0.1:7000,127.0.0.1:7001"
    assert envs["worker-1"]["PADDLE_TRAINER_ENDPOINTS"] == "127.0.0.1:7002,127.0.0.1:7003"
    assert envs["worker-1"]["PADDLE_TRAINER_ID"] == "1"
    assert envs["pserver-1"]["PADDLE_PORT"] == "7001"
    assert envs["pserver-0"]["POD_IP"] == "127.0.0.1"
    assert envs["worker-0"]["PF_JOB_MODE"] == "PS"


def test_pytorch_ranks_start_at_the_master() -> None:
    envs = env_of("pytorch", [("master", 1), ("worker", 2)])
    assert {name: env["RANK"] for name, env in envs.items()} == {
        "master-0": "0",
        "worker-0": "1",
        "worker-1": "2",
    }
    assert all(env["MASTER_PORT"] == "7000" for env in envs.values())
    assert all(env["WORLD_SIZE"] == "3" for env in envs.values())
    assert envs["worker-1"]["MASTER_ADDR"] == "127.0.0.1"


def test_tensorflow_config_names_the_cluster_and_the_task() -> None:
    envs = env_of("tensorflow", [("pserver", 1), ("worker", 2)])
    config = json.loads(envs["worker-1"]["TF_CONFIG"])
    assert config["cluster"] == {
        "ps": ["127.0.0.1:7000"],
        "worker": ["127.0.0.1:7001", "127.0.0.1:7002"],
    }
    assert config["task"] == {"type": "worker", "index": 1}


def test_mpi_ray_spark_mxnet_equivalents() -> None:
    mpi = env_of("mpi", [("master", 1), ("worker", 2)])
    assert mpi["master-0"]["K_MPI_JOB_ROLE"] == "launcher"
    assert mpi["worker-0"]["OMPI_MCA_orte_default_hostfile"] == "/w/hostfile"
    ray = env_of("ray", [("master", 1), ("worker", 1)])
    assert ray["worker-0"]["RAY_ADDRESS"] == "127.0.0.1:7000"
    spark = env_of("spark", [("driver", 1), ("executor", 2)])
    assert spark["executor-1"]["SPARK_EXECUTOR_ID"] == "2"
    assert spark["executor-0"]["SPARK_DRIVER_URL"].endswith("@127.0.0.1:7000")
    mxnet = env_of("mxnet", [("master", 1), ("pserver", 1), ("worker", 2)])
    assert mxnet["pserver-0"]["DMLC_ROLE"] == "server"
    assert mxnet["worker-1"]["DMLC_NUM_WORKER"] == "2"


def test_hostfile_and_primary_roles() -> None:
    replicas = plan_replicas([("master", 1), ("worker", 3)], [1, 2, 3, 4])
    assert mpi_hostfile(replicas) == "127.0.0.1 slots=3\n"
    assert primary_roles("paddle") == {"worker"}
    assert primary_roles("mpi") == {"master"}
    assert primary_roles("spark") == {"driver"}
