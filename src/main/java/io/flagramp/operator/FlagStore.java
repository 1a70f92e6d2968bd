package io.flagramp.operator;

import io.flagramp.core.FlagWrite;
import io.flagramp.core.ObservedFlag;
import java.util.List;
import java.util.Optional;

/** Reads and writes a flag's keys in its ConfigMap; nothing else of the ConfigMap is touched. */
public interface FlagStore {

  /** The flag's keys as they are now, and the version they were read at; empty if the ConfigMap is missing. */
  Optional<Snapshot> read(String namespace, String configMap, List<String> keys);

  /**
   * Writes the flag's keys, on the condition that the ConfigMap is still the one read at
   * {@code readVersion} (the decision was made on it): not changed since, not deleted, not recreated.
   *
   * @throws FlagWriteFailed when the write is refused or fails; the change is retried with fresh state
   */
  void write(String namespace, String configMap, FlagWrite write, ReadVersion readVersion);

  /** What was read: the flag's keys, and exactly which version of which ConfigMap they came from. */
  record Snapshot(ObservedFlag flag, ReadVersion version) {}

  /** A ConfigMap's identity and resourceVersion: both are preconditions of a write. */
  record ReadVersion(String uid, String resourceVersion) {}
}
