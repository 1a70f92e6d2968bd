package io.flagramp.core;

import java.util.HashMap;
import java.util.Map;

/**
 * How much of a bounded resource each namespace holds: at most {@code perNamespace} units each and
 * {@code total} in all. A namespace at its limit is refused more while the others still find room, so
 * one tenant cannot take what the rest need; only when all together reach the total is anyone refused
 * for someone else's use. Thread-safe; what one namespace holds is kept only while it holds some.
 */
public final class Quota {

  private final int total;
  private final int perNamespace;
  private final Map<String, Integer> held = new HashMap<>();
  private int all;

  public Quota(int total, int perNamespace) {
    if (total < 1 || perNamespace < 1) {
      throw new IllegalArgumentException("a quota needs room: total " + total + ", per namespace " + perNamespace);
    }
    this.total = total;
    this.perNamespace = perNamespace;
  }

  /** Takes one unit for {@code namespace} if both its share and the total have room; false otherwise. */
  public synchronized boolean take(String namespace) {
    int mine = held.getOrDefault(namespace, 0);
    if (mine >= perNamespace || all >= total) {
      return false;
    }
    held.put(namespace, mine + 1);
    all++;
    return true;
  }

  /** Gives back one unit {@code namespace} took. */
  public synchronized void give(String namespace) {
    int mine = held.getOrDefault(namespace, 0);
    if (mine == 0) {
      throw new IllegalStateException("namespace " + namespace + " holds nothing to give back");
    }
    if (mine == 1) {
      held.remove(namespace);
    } else {
      held.put(namespace, mine - 1);
    }
    all--;
  }

  /** {@code namespace} may take one more: neither its share nor the total is used up. */
  public synchronized boolean hasRoom(String namespace) {
    return held.getOrDefault(namespace, 0) < perNamespace && all < total;
  }

  public synchronized int held(String namespace) {
    return held.getOrDefault(namespace, 0);
  }

  public synchronized int held() {
    return all;
  }

  public int perNamespace() {
    return perNamespace;
  }

  public int total() {
    return total;
  }
}
