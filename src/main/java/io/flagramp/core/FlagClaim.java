package io.flagramp.core;

import java.util.Collection;
import java.util.List;

/**
 * What a ScalingChange keeps on its ConfigMap while it writes it: which keys it owns, for which
 * attempt, on which ConfigMap object, and which of its writes was the last to land. Written with every
 * write under the ConfigMap's resourceVersion, so the API server, not a cache, decides which change
 * owns a key; and the claim, not a missing one, says what the change has done there.
 *
 * @param uid the ScalingChange's uid (the annotation's name)
 * @param name the ScalingChange's name, for messages and to look its owner up
 * @param keys the flag keys it writes
 * @param applied the id of the last write made with it: {@code "<attempt>.<weight>"} for a step,
 *     {@link #RESTORING} while a restore is under way, {@link #RESTORED} once it is done
 * @param attempt the attempt that wrote it; a claim never speaks for another attempt
 * @param configMapUid the uid of the ConfigMap it was written to. On an object with another uid (a
 *     ConfigMap deleted and created again from a copy that carried it) it is a copy: its attempt never
 *     ramps that object, but while the attempt is live the copy still holds the keys, whose values it
 *     stands for, and its restore may be made there. Absent on claims written before it was recorded:
 *     those belong to the object they are on
 */
public record FlagClaim(String uid, String name, List<String> keys, String applied, int attempt,
    String configMapUid) {

  /** The suffix of {@link #applied} while a restore is under way: the keys are still held. */
  public static final String RESTORING = "restore";
  /** The suffix of {@link #applied} once a restore is done: a record that holds nothing. */
  public static final String RESTORED = "restored";

  /** A claim as read from an annotation written before the attempt and the object were recorded. */
  public FlagClaim(String uid, String name, List<String> keys, String applied) {
    this(uid, name, keys, applied, attemptOf(applied), null);
  }

  public boolean overlaps(Collection<String> otherKeys) {
    return otherKeys.stream().anyMatch(this::holds);
  }

  /**
   * This claim holds {@code key}: it names it, or they live in one data key and one of them is that whole
   * data key. Two flags of one flagd document ({@code flags.json#a}, {@code flags.json#b}) are separate
   * keys; a percentage key {@code flags.json} would overwrite the document, so it meets every flag in it.
   */
  public boolean holds(String key) {
    return keys.stream().anyMatch(k -> k.equals(key) || (dataKey(k).equals(dataKey(key))
        && (!k.contains(io.flagramp.api.v1alpha1.FlagdFlag.SEPARATOR)
            || !key.contains(io.flagramp.api.v1alpha1.FlagdFlag.SEPARATOR))));
  }

  private static String dataKey(String key) {
    int at = key.indexOf(io.flagramp.api.v1alpha1.FlagdFlag.SEPARATOR);
    return at < 0 ? key : key.substring(0, at);
  }

  /** Written to the ConfigMap object with this uid (or recorded before objects were). */
  public boolean on(String objectUid) {
    return configMapUid == null || configMapUid.equals(objectUid);
  }

  /** The restore of its attempt is done: the claim is a record, it holds no key. */
  public boolean restored() {
    return applied != null && applied.endsWith("." + RESTORED);
  }

  /** The same claim, with {@code id} as the last write made with it. */
  public FlagClaim applying(String id) {
    return new FlagClaim(uid, name, keys, id, attempt, configMapUid);
  }

  /**
   * Where a write id stands in the order a change makes its writes: by attempt, then by weight (a
   * weight only rises within an attempt), then the restore, then its end.
   */
  public static long order(String id) {
    if (id == null) {
      return -1;
    }
    int dot = id.indexOf('.');
    long attempt = attemptOf(id);
    String rest = dot < 0 ? "" : id.substring(dot + 1);
    long within = switch (rest) {
      case RESTORING -> 1_000;
      case RESTORED -> 1_001;
      default -> {
        try {
          yield Integer.parseInt(rest);
        } catch (NumberFormatException e) {
          yield 0;
        }
      }
    };
    return attempt * 10_000 + within;
  }

  /** The attempt a write id belongs to: {@code "2.25"} is attempt 2. */
  public static int attemptOf(String id) {
    if (id == null) {
      return 0;
    }
    int dot = id.indexOf('.');
    try {
      return Integer.parseInt(dot < 0 ? id : id.substring(0, dot));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The id of an attempt's restore, while under way ({@code done} false) or done. */
  public static String restoreId(int attempt, boolean done) {
    return attempt + "." + (done ? RESTORED : RESTORING);
  }
}
