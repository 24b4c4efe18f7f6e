import { hostname } from 'node:os';

// Which Lango process holds a claim. Several nodes may share one PostgreSQL database; a claim
// (a running job, a payment being asked about) names its node so that a restarted process can
// tell its own dead predecessor's claims, which it may take back at once, from a live peer's,
// which it leaves until their lease runs out.

/**
 * This process: the node's name and process id, e.g. 'radius-1:4242'. The name is LANGO_NODE
 * when set (two nodes on one host, or containers that share a host name and all run as pid 1),
 * else the host name.
 */
export function thisNode(): string {
  return `${nodeName()}:${process.pid}`;
}

/** The node's name alone (its run marker's key): LANGO_NODE, else the host name. */
export function nodeName(configured: string | undefined = process.env.LANGO_NODE): string {
  return configured || hostname();
}

/**
 * Whether a claim by `owner` can no longer be in progress, as far as this node can tell: it was
 * made by this very process (now giving it back), or by a process on this host that has exited
 * (a crash or kill -9 before this start). A claim by another host is never judged here: only its
 * lease running out frees it.
 */
export function claimAbandoned(owner: string, self = thisNode()): boolean {
  if (owner === self) return true;
  const split = owner.lastIndexOf(':');
  const host = owner.slice(0, split);
  const pid = Number(owner.slice(split + 1));
  if (split <= 0 || host !== self.slice(0, self.lastIndexOf(':')) || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: the pid is alive but belongs to another user, so it is someone else's process now.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
