package io.flagramp.core;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.FlagdFlag;
import io.flagramp.core.flagd.FlagdDocument;
import io.flagramp.core.flagd.FlagdRamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a flag's values live in its ConfigMap's data. Everything above this (claims, intents, original
 * values, drift, restores) works on the flag's keys ({@link FlagTarget#keys}) and their string values;
 * a format says which data keys those are read from and how a value is written back into the data.
 *
 * <ul>
 *   <li>{@link PercentageKeys}: each key is a data key, and its value is the data value.
 *   <li>{@link Flagd}: the one key {@code <data key>#<flag>} is a flag of the flagd document in that data
 *       key, and its value is the flag's definition as written in the document. Writing it puts the new
 *       definition in place of the old in the document as read, every other character kept: a
 *       read-modify-write that the write's resourceVersion precondition makes safe against any other
 *       writer of the document, another change ramping another flag of it included.
 * </ul>
 */
public sealed interface FlagFormat {

  static FlagFormat of(FlagTarget flag) {
    return flag.getFlagd() != null ? new Flagd(flag.getFlagd())
        : new PercentageKeys(flag.getPercentageKey(), flag.getEnabledKey());
  }

  /** Plain keys, read as they are: a percentage key and, when there are two, an enabled key. */
  static FlagFormat keys(List<String> keys) {
    if (keys.isEmpty() || keys.size() > 2) {
      throw new IllegalArgumentException("a percentage key and at most an enabled key, not " + keys);
    }
    return new PercentageKeys(keys.get(0), keys.size() > 1 ? keys.get(1) : null);
  }

  /** The flag's keys. */
  List<String> keys();

  /** The data keys the flag is read from and written to. */
  List<String> dataKeys();

  /** The data key a flag key lives in. */
  String dataKeyOf(String key);

  /** What the data holds for the flag: its keys' values, and why no step may be written on it, if none may. */
  Reading read(Map<String, String> data);

  /**
   * The keys' values at {@code weight}, for an attempt whose original values are {@code originals}
   * (null before they are recorded).
   */
  Map<String, String> valuesAt(int weight, Map<String, String> originals);

  /**
   * The data patch that sets these keys' values (null: removes the key) on {@code data} as read: a data
   * key to its new value, or null to remove it.
   */
  Map<String, String> dataPatch(Map<String, String> values, Map<String, String> data);

  /** The share of users who have the flag as its values say now; empty when they do not say. */
  OptionalInt exposure(Map<String, String> values);

  /**
   * @param values the keys that exist, with their values
   * @param stepProblem why no step may be written on this data (a document flagd would reject, a flag that
   *     cannot be ramped), if none may
   * @param writeProblem why nothing may be written at all (not even the original definition put back),
   *     if nothing may: the document does not parse
   */
  record Reading(Map<String, String> values, Optional<String> stepProblem, Optional<String> writeProblem) {}

  /** Percentage keys: the weight as a decimal string, and "true" in the enabled key. */
  record PercentageKeys(String percentageKey, String enabledKey) implements FlagFormat {

    private FlagTarget flag() {
      return new FlagTarget(null, percentageKey, enabledKey);
    }

    @Override
    public List<String> keys() {
      return flag().keys();
    }

    @Override
    public List<String> dataKeys() {
      return keys();
    }

    @Override
    public String dataKeyOf(String key) {
      return key;
    }

    @Override
    public Reading read(Map<String, String> data) {
      Map<String, String> values = new LinkedHashMap<>();
      for (String key : keys()) {
        if (data.containsKey(key)) {
          values.put(key, data.get(key));
        }
      }
      return new Reading(values, Optional.empty(), Optional.empty());
    }

    @Override
    public Map<String, String> valuesAt(int weight, Map<String, String> originals) {
      Map<String, String> values = new LinkedHashMap<>();
      values.put(percentageKey, Integer.toString(weight));
      if (enabledKey != null) {
        values.put(enabledKey, "true");
      }
      return values;
    }

    @Override
    public Map<String, String> dataPatch(Map<String, String> values, Map<String, String> data) {
      return values;
    }

    @Override
    public OptionalInt exposure(Map<String, String> values) {
      return Lowering.exposure(flag(), values);
    }
  }

  /** A flag of a flagd document. */
  record Flagd(FlagdFlag flag) implements FlagFormat {

    private String where() {
      return "data key " + flag.getKey();
    }

    @Override
    public List<String> keys() {
      return List.of(flag.claimKey());
    }

    @Override
    public List<String> dataKeys() {
      return List.of(flag.getKey());
    }

    @Override
    public String dataKeyOf(String key) {
      return flag.getKey();
    }

    @Override
    public Reading read(Map<String, String> data) {
      FlagdDocument.Parsed parsed = FlagdDocument.parse(data.get(flag.getKey()), where());
      if (parsed instanceof FlagdDocument.Parsed.Invalid invalid) {
        return new Reading(Map.of(), Optional.of(invalid.problem()), Optional.of(invalid.problem()));
      }
      FlagdDocument doc = ((FlagdDocument.Parsed.Ok) parsed).document();
      Optional<String> text = doc.flagText(flag.getFlag());
      if (text.isEmpty()) {
        return new Reading(Map.of(), Optional.of(where() + " has no flag " + FlagdRamp.quote(flag.getFlag())),
            Optional.empty());
      }
      Optional<String> problem = FlagdRamp.problem(doc.flag(flag.getFlag()).orElseThrow(), flag.getFlag(),
          flag.on(), flag.off()).map(p -> where() + ": " + p);
      return new Reading(Map.of(flag.claimKey(), text.get()), problem, Optional.empty());
    }

    @Override
    public Map<String, String> valuesAt(int weight, Map<String, String> originals) {
      String original = originals == null ? null : originals.get(flag.claimKey());
      if (original == null) {
        return Map.of();  // nothing recorded: no definition to ramp (a flag that was missing is never written)
      }
      return Map.of(flag.claimKey(), FlagdRamp.definitionAt(original, flag.getFlag(), flag.on(), flag.off(), weight));
    }

    @Override
    public Map<String, String> dataPatch(Map<String, String> values, Map<String, String> data) {
      if (!values.containsKey(flag.claimKey())) {
        return Map.of();
      }
      FlagdDocument.Parsed parsed = FlagdDocument.parse(data.get(flag.getKey()), where());
      if (parsed instanceof FlagdDocument.Parsed.Invalid invalid) {
        throw new IllegalStateException("no write on a document that does not parse: " + invalid.problem());
      }
      FlagdDocument doc = ((FlagdDocument.Parsed.Ok) parsed).document();
      String definition = values.get(flag.claimKey());
      Map<String, String> patch = new LinkedHashMap<>();
      patch.put(flag.getKey(), definition == null ? doc.withoutFlag(flag.getFlag())
          : doc.withFlag(flag.getFlag(), definition));
      return patch;
    }

    @Override
    public OptionalInt exposure(Map<String, String> values) {
      String definition = values.get(flag.claimKey());
      return definition == null ? OptionalInt.empty() : FlagdRamp.exposure(definition, flag.on(), flag.off());
    }
  }
}
