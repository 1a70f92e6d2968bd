package io.flagramp.demo;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.ClaimAnnotations;
import io.flagramp.core.ConfigMapPatch;
import io.flagramp.core.FlagClaim;
import io.flagramp.core.FlagFormat;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.ObservedFlag;
import io.flagramp.core.OptIn;
import io.flagramp.operator.FlagStore;
import io.flagramp.operator.FlagWriteFailed;
import io.flagramp.operator.Reconciliation;
import io.flagramp.operator.StatusWriteFailed;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A stand-in for the API server where a real one cannot run (the demo, the planner's tests, and the
 * fault tests that need thousands of histories): ConfigMaps and ScalingChanges with resourceVersions,
 * uids and preconditions, field ownership with the semantics of an Update (a manager that changes a
 * key's value owns it), optimistic locking on status, and a hook that injects a fault into any write.
 * It answers the same interfaces the operator uses against the real server, with the same meaning.
 */
public final class InMemoryApi {

  /** Restart targets, shared by every simulated operator process on this API. */
  public final Map<io.flagramp.api.v1alpha1.RestartTarget, InMemoryWorkloads.Workload> workloads =
      InMemoryWorkloads.store();

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** What a write meets. */
  public enum Fault {
    /** It goes through. */
    NONE,
    /** It never reaches the server: not applied, an error. */
    LOST,
    /** Someone else wrote the object just before it: not applied, a 409. */
    CONFLICT,
    /** It is applied, but the answer is lost (a timeout, or the process dies right after). */
    APPLIED_ANSWER_LOST
  }

  /** Which write is about to happen, for a {@link Faults} hook. */
  public enum WriteKind {
    STATUS,
    CONFIGMAP
  }

  /**
   * Sees every ConfigMap patch that is applied, with the data as it was just before it: one per patch of
   * a write ({@link FlagWrite#patches}), so a restore is seen as the several patches it is.
   */
  @FunctionalInterface
  public interface WriteObserver {
    void applied(String configMap, Map<String, String> before, FlagWrite write, ConfigMapPatch patch);
  }

  /** Decides the fault for each write. */
  @FunctionalInterface
  public interface Faults {
    Fault next(WriteKind kind);
  }

  /** One ConfigMap. */
  public static final class ConfigMap {
    public final String uid;
    long resourceVersion;
    public final Map<String, String> data = new LinkedHashMap<>();
    public final Map<String, String> annotations = new LinkedHashMap<>();
    public final Map<String, String> labels = new LinkedHashMap<>(Map.of(OptIn.FLAGS, OptIn.VALUE));
    public boolean immutable;
    /** The manager that owns each data key. */
    public final Map<String, String> owners = new LinkedHashMap<>();

    private ConfigMap(String uid) {
      this.uid = uid;
    }

    ConfigMap() {
      this(UUID.randomUUID().toString());
    }

    /** This version as it is now, kept for reads that lag behind. */
    ConfigMap copy() {
      ConfigMap c = new ConfigMap(uid);
      c.resourceVersion = resourceVersion;
      c.data.putAll(data);
      c.annotations.putAll(annotations);
      c.labels.clear();
      c.labels.putAll(labels);
      c.immutable = immutable;
      c.owners.putAll(owners);
      return c;
    }

    public long resourceVersion() {
      return resourceVersion;
    }
  }

  private final Map<String, ConfigMap> configMaps = new LinkedHashMap<>();
  /** Earlier versions of each ConfigMap (newest last, a few), for reads that lag behind. */
  private final Map<String, List<ConfigMap>> configMapVersions = new LinkedHashMap<>();
  /** Earlier versions of each ScalingChange (newest last, a few), for reads that lag behind. */
  private final Map<String, List<String>> changeVersions = new LinkedHashMap<>();
  private static final int VERSIONS_KEPT = 8;
  /**
   * How many versions behind the next ConfigMap read is (0: the current one), as an informer that has
   * not caught up hands out; a version that no longer exists reads as missing, one before a
   * ConfigMap's creation too.
   */
  public java.util.function.IntSupplier configMapLag = () -> 0;
  private final Map<String, ScalingChange> changes = new LinkedHashMap<>();
  private long resourceVersions;
  public Faults faults = kind -> Fault.NONE;
  /** The write whose patch is about to be made, while {@link #faults} decides its fault. */
  public FlagWrite writing;
  public WriteObserver observer = (configMap, before, write, patch) -> { };
  public int configMapWrites;
  public int statusWrites;
  public int conflicts;
  /** Status writes that changed nothing, made only to prove the reconcile's copy current. */
  public int verifications;

  // ---- ConfigMaps ----

  public ConfigMap createConfigMap(String name, Map<String, String> data, String manager) {
    ConfigMap cm = new ConfigMap();
    cm.data.putAll(data);
    data.keySet().forEach(k -> cm.owners.put(k, manager));
    cm.resourceVersion = ++resourceVersions;
    configMaps.put(name, cm);
    kept(name);
    return cm;
  }

  public Optional<ConfigMap> configMap(String name) {
    return Optional.ofNullable(configMaps.get(name));
  }

  public void deleteConfigMap(String name) {
    configMaps.remove(name);
    configMapVersions.computeIfAbsent(name, n -> new ArrayList<>()).add(null);
  }

  /** Keeps the ConfigMap's version as it is now (after every change to it). */
  private void kept(String name) {
    ConfigMap cm = configMaps.get(name);
    List<ConfigMap> versions = configMapVersions.computeIfAbsent(name, n -> new ArrayList<>());
    versions.add(cm == null ? null : cm.copy());
    while (versions.size() > VERSIONS_KEPT) {
      versions.remove(0);
    }
  }

  /** The ConfigMap as a read {@code behind} versions late sees it: null when missing then. */
  private ConfigMap readable(String name, int behind) {
    List<ConfigMap> versions = configMapVersions.getOrDefault(name, List.of());
    if (behind <= 0 || versions.isEmpty()) {
      return configMaps.get(name);
    }
    return versions.get(Math.max(0, versions.size() - 1 - behind));
  }

  /** Someone else (kubectl, a GitOps tool) sets a key; null removes it. */
  public void externalWrite(String configMap, String key, String value, String manager) {
    ConfigMap cm = configMaps.get(configMap);
    if (value == null) {
      cm.data.remove(key);
      cm.owners.remove(key);
    } else if (!value.equals(cm.data.get(key))) {
      cm.data.put(key, value);
      cm.owners.put(key, manager);
    }
    cm.resourceVersion = ++resourceVersions;
    kept(configMap);
  }

  /** Another change's claim on the ConfigMap, as its own write would have left it. */
  public void putClaim(String configMap, FlagClaim claim) {
    ConfigMap cm = configMaps.get(configMap);
    cm.annotations.put(ClaimAnnotations.key(claim.uid()), ClaimAnnotations.value(claim));
    cm.resourceVersion = ++resourceVersions;
    kept(configMap);
  }

  /** Someone deletes the ConfigMap and creates it again from a copy of it (a backup, {@code kubectl replace --force}). */
  public ConfigMap recreateConfigMap(String name) {
    ConfigMap old = configMaps.get(name);
    deleteConfigMap(name);
    ConfigMap cm = new ConfigMap();
    cm.data.putAll(old.data);
    cm.annotations.putAll(old.annotations);
    cm.labels.clear();
    cm.labels.putAll(old.labels);
    old.data.keySet().forEach(k -> cm.owners.put(k, "velero"));
    cm.resourceVersion = ++resourceVersions;
    configMaps.put(name, cm);
    kept(name);
    return cm;
  }

  // ---- ScalingChanges ----

  public ScalingChange create(ScalingChange change) {
    if (change.getMetadata().getUid() == null) {
      change.getMetadata().setUid(UUID.randomUUID().toString());
    }
    if (change.getMetadata().getGeneration() == null) {
      change.getMetadata().setGeneration(1L);
    }
    change.getMetadata().setResourceVersion(Long.toString(++resourceVersions));
    changes.put(change.getMetadata().getName(), change);
    keptChange(change.getMetadata().getName());
    return change;
  }

  /** The stored object itself: a test may edit it in place, as if nobody were watching. */
  public ScalingChange stored(String name) {
    return changes.get(name);
  }

  /** What a reconcile gets: a copy, as an informer hands out. */
  public ScalingChange read(String name) {
    ScalingChange stored = changes.get(name);
    return stored == null ? null : JSON.unmarshal(JSON.asJson(stored), ScalingChange.class);
  }

  /**
   * The object as a read {@code behind} versions late hands it out (a lagging informer, a replica
   * that has not caught up); the current one when there is no such version. Null once deleted.
   */
  public ScalingChange readBehind(String name, int behind) {
    List<String> versions = changeVersions.getOrDefault(name, List.of());
    if (behind <= 0 || versions.isEmpty() || !changes.containsKey(name)) {
      return read(name);
    }
    return JSON.unmarshal(versions.get(Math.max(0, versions.size() - 1 - behind)), ScalingChange.class);
  }

  /** Another client touches the object (a label, an annotation): a new resourceVersion. */
  public void touch(String name) {
    changes.get(name).getMetadata().setResourceVersion(Long.toString(++resourceVersions));
    keptChange(name);
  }

  private void keptChange(String name) {
    List<String> versions = changeVersions.computeIfAbsent(name, n -> new ArrayList<>());
    versions.add(JSON.asJson(changes.get(name)));
    while (versions.size() > VERSIONS_KEPT) {
      versions.remove(0);
    }
  }

  /** The object is gone for good (its finalizer removed). */
  public void remove(String name) {
    changes.remove(name);
    changeVersions.remove(name);
  }

  /** A spec edit: a new generation. */
  public void specEdited(String name) {
    ScalingChange c = changes.get(name);
    c.getMetadata().setGeneration(c.getMetadata().getGeneration() + 1);
    touch(name);
  }

  // ---- what the operator uses ----

  public FlagStore flagStore(String namespace) {
    return new FlagStore() {
      @Override
      public Optional<Snapshot> read(String ns, String configMap, FlagFormat format) {
        ConfigMap cm = readable(configMap, configMapLag.getAsInt());
        if (cm == null) {
          return Optional.empty();
        }
        Map<String, List<String>> owners = new LinkedHashMap<>();
        for (String key : format.dataKeys()) {
          String owner = cm.owners.get(key);
          if (cm.data.containsKey(key) && owner != null) {
            owners.put(key, List.of(owner));
          }
        }
        List<ObservedFlag.ObservedClaim> claims = ClaimAnnotations.read(cm.annotations).stream()
            .map(c -> new ObservedFlag.ObservedClaim(c, false)).toList();
        return Optional.of(new Snapshot(ObservedFlag.of(format, cm.uid, cm.data, owners, claims,
            OptIn.VALUE.equals(cm.labels.get(OptIn.FLAGS)), cm.immutable),
            new ReadVersion(cm.uid, Long.toString(cm.resourceVersion))));
      }

      @Override
      public void write(String ns, String configMap, FlagWrite write, Snapshot read) {
        String at = read.version().resourceVersion();
        for (ConfigMapPatch patch : read.patches(write)) {
          at = InMemoryApi.this.patch(configMap, read.version().uid(), patch.conditional() ? at : null, write, patch);
        }
      }
    };
  }

  /** One patch, as the API server takes it; returns the resourceVersion it left. */
  private String patch(String configMap, String uid, String resourceVersion, FlagWrite write, ConfigMapPatch patch) {
    writing = write;
    Fault fault = faults.next(WriteKind.CONFIGMAP);
    writing = null;
    ConfigMap cm = configMaps.get(configMap);
    if (fault == Fault.LOST) {
      throw new FlagWriteFailed(configMap, new KubernetesClientException("connection reset"));
    }
    if (fault == Fault.CONFLICT && cm != null) {
      cm.resourceVersion = ++resourceVersions;  // a concurrent writer got there first
      kept(configMap);
    }
    if (cm == null || !cm.uid.equals(uid)) {
      throw new FlagWriteFailed(configMap, new KubernetesClientException("not found", 404, null));
    }
    if (cm.immutable) {
      throw new FlagWriteFailed(configMap, new KubernetesClientException("field is immutable", 422, null));
    }
    if (resourceVersion != null && !Long.toString(cm.resourceVersion).equals(resourceVersion)) {
      conflicts++;
      throw new FlagWriteFailed(configMap, new KubernetesClientException("the object has been modified", 409, null));
    }
    Map<String, String> before = new LinkedHashMap<>(cm.data);
    patch.data().forEach((k, v) -> {
      if (v == null) {
        cm.data.remove(k);
        cm.owners.remove(k);
      } else {
        set(cm, k, v, patch.manager());
      }
    });
    patch.annotations().forEach((k, v) -> {
      if (v == null) {
        cm.annotations.remove(k);
      } else {
        cm.annotations.put(k, v);
      }
    });
    observer.applied(configMap, before, write, patch);
    configMapWrites++;
    cm.resourceVersion = ++resourceVersions;
    kept(configMap);
    if (fault == Fault.APPLIED_ANSWER_LOST) {
      throw new FlagWriteFailed(configMap, new KubernetesClientException("timeout waiting for the answer"));
    }
    return Long.toString(cm.resourceVersion);
  }

  /** An Update: a manager that changes a key's value becomes its owner; the same value changes nothing. */
  private static void set(ConfigMap cm, String key, String value, String manager) {
    if (!value.equals(cm.data.get(key))) {
      cm.data.put(key, value);
      cm.owners.put(key, manager);
    }
  }

  /** The claims on a ConfigMap as they are now. */
  public List<FlagClaim> claims(String configMap) {
    ConfigMap cm = configMaps.get(configMap);
    return cm == null ? List.of() : ClaimAnnotations.read(cm.annotations);
  }

  public Reconciliation.StatusStore statusStore() {
    return new Reconciliation.StatusStore() {
      @Override
      public void write(ScalingChange observed, ScalingChangeStatus next) {
        ScalingChange stored = current(observed);
        ScalingChangeStatus copy = JSON.unmarshal(JSON.asJson(next), ScalingChangeStatus.class);
        stored.setStatus(copy);
        statusWrites++;
        touch(stored.getMetadata().getName());
        if (lastFault == Fault.APPLIED_ANSWER_LOST) {
          throw new StatusWriteFailed(new KubernetesClientException("timeout waiting for the answer"));
        }
      }

      @Override
      public void verify(ScalingChange observed) {
        current(observed);
        verifications++;
        if (lastFault == Fault.APPLIED_ANSWER_LOST) {
          throw new StatusWriteFailed(new KubernetesClientException("timeout waiting for the answer"));
        }
      }

      private Fault lastFault = Fault.NONE;

      /** The stored object, if {@code observed} is still its current version; otherwise a 409, as the server says. */
      private ScalingChange current(ScalingChange observed) {
        Fault fault = faults.next(WriteKind.STATUS);
        lastFault = fault;
        ScalingChange stored = changes.get(observed.getMetadata().getName());
        if (fault == Fault.LOST) {
          throw new StatusWriteFailed(new KubernetesClientException("connection reset"));
        }
        if (fault == Fault.CONFLICT && stored != null) {
          touch(stored.getMetadata().getName());
        }
        if (stored == null || !Objects.equals(stored.getMetadata().getUid(), observed.getMetadata().getUid())
            || !Objects.equals(stored.getMetadata().getResourceVersion(), observed.getMetadata().getResourceVersion())) {
          conflicts++;
          throw new StatusWriteFailed(new KubernetesClientException("the object has been modified", 409, null));
        }
        return stored;
      }
    };
  }

  public Reconciliation.Changes changes() {
    return (namespace, name) -> Optional.ofNullable(read(name));
  }
}
