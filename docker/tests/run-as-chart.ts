// `docker run` arguments that run an image as the kubelet runs the chart's pod: its user and
// groups, read-only root filesystem, no capabilities, no privilege escalation, its memory limit,
// its environment (Secrets resolved), writable emptyDirs as tmpfs and nothing else writable.
// On the host's network: the test hub and stand-ins are on loopback, and so is every listener.
import type { ChartPod, EnvVar } from './chart-pods';

/** What the cluster supplies around the pod: Secret values, injected env, mounted files. */
export interface PodSurroundings {
  /** Values of the Secrets the env reads, by `<secret>/<key>`. */
  secrets: Record<string, string>;
  /** Chart env values that name cluster addresses, replaced by their loopback counterparts. */
  replace: Record<string, string>;
  /** Env the platform adds (workload identity, test CA); must not shadow the chart's. */
  add: Record<string, string>;
  /** Read-only files or folders the platform mounts: container path -> host path. */
  mounts: Record<string, string>;
}

export interface RunSpec {
  /** `docker run` arguments; the env goes in through `--env-file envFile` (kept out of ps). */
  args: string[];
  /** Every env value the container gets, for leak checks and lookups. */
  env: Record<string, string>;
  /** Paths the container may write below (its emptyDirs). */
  writable: string[];
  /** Every mount point, which Docker creates in the container's layer. */
  mountPoints: string[];
}

/** Refuses, as the kubelet does, a pod that says runAsNonRoot and would run as root. */
export function effectiveUser(pod: ChartPod, imageUser: string): string {
  const context = { ...pod.securityContext, ...pod.container.securityContext };
  const [imageUid, imageGid] = imageUser.split(':');
  const uid = context.runAsUser ?? (imageUid === undefined ? undefined : Number(imageUid));
  const gid = context.runAsGroup ?? (imageGid === undefined ? uid : Number(imageGid));
  if (context.runAsNonRoot && !(uid !== undefined && Number.isInteger(uid) && uid > 0)) {
    throw new Error(
      `container has runAsNonRoot and image will run as root (image user "${imageUser}")`,
    );
  }
  return `${uid}:${gid}`;
}

export function runArgs(
  name: string,
  image: string,
  imageUser: string,
  pod: ChartPod,
  around: PodSurroundings,
  envFile: string,
): RunSpec {
  const { container } = pod;
  const security = container.securityContext;
  const env = podEnv(container.env, around);
  const args = ['--name', name, '--detach', '--network', 'host'];
  args.push('--user', effectiveUser(pod, imageUser));
  if (pod.securityContext.fsGroup !== undefined)
    args.push('--group-add', String(pod.securityContext.fsGroup));
  if (security.readOnlyRootFilesystem) args.push('--read-only');
  for (const capability of security.capabilities?.drop ?? []) args.push('--cap-drop', capability);
  for (const capability of security.capabilities?.add ?? []) args.push('--cap-add', capability);
  if (security.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  if (security.privileged) args.push('--privileged');
  const memory = container.resources.limits?.memory;
  if (memory) args.push('--memory', dockerQuantity(memory));
  const writable: string[] = [];
  const mountPoints: string[] = [];
  for (const mount of container.volumeMounts) {
    const volume = pod.volumes.find((candidate) => candidate.name === mount.name);
    mountPoints.push(mount.mountPath);
    if (volume?.emptyDir) {
      // An emptyDir is writable by the pod's users; sizeLimit caps it as tmpfs's size does.
      const size = volume.emptyDir.sizeLimit
        ? `,size=${dockerQuantity(volume.emptyDir.sizeLimit)}`
        : '';
      args.push('--tmpfs', `${mount.mountPath}:rw,mode=1777${size}`);
      writable.push(mount.mountPath);
    } else {
      const source = around.mounts[mount.mountPath];
      if (!source) throw new Error(`${name}: nothing to mount for volume ${mount.name}`);
      if (!mount.readOnly && !volume?.csi?.readOnly)
        throw new Error(`${name}: volume ${mount.name} is writable`);
      args.push('--volume', `${source}:${mount.mountPath}:ro`);
    }
  }
  for (const [path, source] of Object.entries(around.mounts)) {
    if (mountPoints.includes(path)) continue;
    args.push('--volume', `${source}:${path}:ro`);
    mountPoints.push(path);
  }
  args.push('--env-file', envFile, image);
  return { args, env, writable, mountPoints };
}

// The chart's env with Secrets resolved, cluster addresses replaced and the platform's added.
function podEnv(chartEnv: EnvVar[], around: PodSurroundings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of chartEnv) {
    const ref = variable.valueFrom?.secretKeyRef;
    const secret = ref ? around.secrets[`${ref.name}/${ref.key}`] : undefined;
    if (ref && secret === undefined) throw new Error(`no value for Secret ${ref.name}/${ref.key}`);
    env[variable.name] = secret ?? variable.value ?? '';
  }
  for (const [key, value] of Object.entries(around.replace)) {
    if (!(key in env)) throw new Error(`${key} is not in the chart's env: nothing to replace`);
    env[key] = value;
  }
  for (const [key, value] of Object.entries(around.add)) {
    if (key in env) throw new Error(`${key} is in the chart's env: added env may not shadow it`);
    env[key] = value;
  }
  return env;
}

// Kubernetes binary quantities (Ki, Mi, Gi) as Docker sizes (k, m, g).
function dockerQuantity(quantity: string): string {
  const match = /^(\d+)([KMG])i$/.exec(quantity);
  if (!match) throw new Error(`unsupported quantity ${quantity}`);
  return `${match[1]}${match[2]?.toLowerCase()}`;
}
