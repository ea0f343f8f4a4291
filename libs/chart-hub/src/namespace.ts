// Processes of the chart hub run in private mount namespaces that show them the rendered hub
// files at /usr/local/etc and the cluster's names in /etc/hosts (hub/enter-namespace.sh).
import { enterNamespaceScript } from './paths';

export interface NamespacedCommand {
  command: string;
  args: string[];
}

/** `command args` inside a private mount namespace laid out from `root`. */
export function inNamespace(root: string, command: string, args: string[]): NamespacedCommand {
  return {
    command: 'unshare',
    args: ['-m', '--propagation', 'private', 'bash', enterNamespaceScript, root, command, ...args],
  };
}

/** Mount namespaces and binding the Services' ports (80) need root. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the chart hub needs root: it mounts the hub files in a private mount namespace (unshare -m) ' +
        'and binds the Services on their own ports (proxy-public on 80)',
    );
  }
}
