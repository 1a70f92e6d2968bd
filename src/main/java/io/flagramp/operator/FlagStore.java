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
   * Writes the flag's keys, on the condition that the ConfigMap is still at {@code readVersion}
   * (the version the decision was made on).
   *
   * @throws FlagWriteFailed when the write is refused or fails; the change is retried with fresh state
   */
  void write(String namespace, String configMap, FlagWrite write, String readVersion);

  record Snapshot(ObservedFlag flag, String resourceVersion) {}
}
