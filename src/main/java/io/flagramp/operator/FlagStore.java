package io.flagramp.operator;

import io.flagramp.core.ConfigMapPatch;
import io.flagramp.core.FlagFormat;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.ObservedFlag;
import java.util.List;
import java.util.Optional;

/** Reads and writes a flag's keys in its ConfigMap; nothing else of the ConfigMap is touched. */
public interface FlagStore {

  /** The flag's keys as they are now, and the version they were read at; empty if the ConfigMap is missing. */
  Optional<Snapshot> read(String namespace, String configMap, FlagFormat format);

  /** {@link #read(String, String, FlagFormat)} of plain keys: a percentage key and maybe an enabled key. */
  default Optional<Snapshot> read(String namespace, String configMap, List<String> keys) {
    return read(namespace, configMap, FlagFormat.keys(keys));
  }

  /**
   * Makes {@code write} as its {@linkplain FlagWrite#patches patches} on the ConfigMap as {@code read},
   * on the condition that it is still the one read (the decision was made on it): not changed since,
   * not deleted, not recreated. Each further patch is on the version the one before left.
   *
   * @throws FlagWriteFailed when a patch is refused or fails; the patches before it stay made, and the
   *     change is planned again from a fresh read
   */
  void write(String namespace, String configMap, FlagWrite write, Snapshot read);

  /** What was read: the flag's keys, and exactly which version of which ConfigMap they came from. */
  record Snapshot(ObservedFlag flag, ReadVersion version) {

    /** The patches {@code write} takes on what was read. */
    public List<ConfigMapPatch> patches(FlagWrite write) {
      return write.patches(flag);
    }
  }

  /** A ConfigMap's identity and resourceVersion: both are preconditions of a write. */
  record ReadVersion(String uid, String resourceVersion) {}
}
