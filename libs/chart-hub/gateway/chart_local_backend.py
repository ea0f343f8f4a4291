"""ChartLocalBackend: Dask Gateway's local-process backend under the chart's Kubernetes settings.

A stand-in for what cannot exist here (Kubernetes pods for schedulers and workers), used by
@pchub/chart-hub. The dask-gateway chart configures ``KubeClusterConfig`` (the forwarded
``gateway.backend`` values, our ``10-limits``) and the chart's cluster-options handler returns
``KubeClusterConfig`` settings (fractional cores, limits, pod config). ``ChartLocalClusterConfig``
is that class, so all of it applies unchanged, limits and their refusals included; the backend
runs each scheduler and worker as a local process (dask-gateway-server's UnsafeLocalBackend,
on loopback) and logs, per cluster, which settings it takes and which it cannot honour.
"""

from dask_gateway_server.backends.kubernetes.backend import KubeClusterConfig
from dask_gateway_server.backends.local import UnsafeLocalBackend
from traitlets import default

# What a pod spec holds that a local process cannot honour; a local process has no image,
# namespace, cgroup limits or scheduling.
NOT_APPLIED = (
    "image",
    "image_pull_policy",
    "image_pull_secrets",
    "namespace",
    "scheduler_cores_limit",
    "scheduler_memory_limit",
    "worker_cores_limit",
    "worker_memory_limit",
    "scheduler_extra_container_config",
    "scheduler_extra_pod_config",
    "scheduler_extra_pod_annotations",
    "scheduler_extra_pod_labels",
    "worker_extra_container_config",
    "worker_extra_pod_config",
    "worker_extra_pod_annotations",
    "worker_extra_pod_labels",
)


class ChartLocalClusterConfig(KubeClusterConfig):
    """KubeClusterConfig as the chart configures it, for clusters of local processes."""


class ChartLocalBackend(UnsafeLocalBackend):
    """Local processes for the pods of the chart's clusters, on loopback."""

    # Schedulers and workers listen on loopback, as pods listen on their own IP.
    default_host = "127.0.0.1"

    @default("cluster_config_class")
    def _default_cluster_config_class(self):
        return ChartLocalClusterConfig

    # A pod's scratch space is its own filesystem: here the cluster's working directory, removed
    # with it (distributed would otherwise share one under the machine's /tmp).
    def get_env(self, cluster):
        env = super().get_env(cluster)
        if cluster.state.get("workdir"):
            env["DASK_TEMPORARY_DIRECTORY"] = cluster.state["workdir"]
        return env

    async def do_start_cluster(self, cluster):
        config = cluster.config
        self.log.info(
            "chart-local: cluster %s takes worker_cores=%s (%s threads), worker_memory=%s,"
            " scheduler_cores=%s, environment %s; not applied: %s",
            cluster.name,
            config.worker_cores,
            config.worker_threads,
            config.worker_memory,
            config.scheduler_cores,
            sorted(config.environment),
            "; ".join(f"{name}={getattr(config, name)!r}" for name in NOT_APPLIED),
        )
        async for state in super().do_start_cluster(cluster):
            yield state
