package io.flagramp.core;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks what the CRD schema checks again, plus what it cannot say (a duration too large to
 * represent). The schema rejects almost every bad spec at the API server; this is the second line,
 * so that an object that got past it (an older CRD, a schema change) is marked Invalid instead of
 * breaking the operator.
 */
public final class SpecValidator {

  private static final Pattern NAME = Pattern.compile(FlagTarget.NAME_PATTERN);
  private static final Pattern KEY = Pattern.compile(FlagTarget.KEY_PATTERN);

  private SpecValidator() {}

  /** The first problem found, in field order. */
  public static Optional<SpecProblem> validate(ScalingChangeSpec spec) {
    if (spec == null) {
      return problem("spec", "is required");
    }
    FlagTarget flag = spec.getFlag();
    if (flag == null) {
      return problem("spec.flag", "is required");
    }
    if (flag.getConfigMapName() == null || !NAME.matcher(flag.getConfigMapName()).matches()
        || flag.getConfigMapName().length() > 253) {
      return problem("spec.flag.configMapName", quote(flag.getConfigMapName()) + " is not a valid ConfigMap name");
    }
    if (flag.getPercentageKey() == null || !KEY.matcher(flag.getPercentageKey()).matches()) {
      return problem("spec.flag.percentageKey", quote(flag.getPercentageKey()) + " is not a valid ConfigMap key");
    }
    if (flag.getEnabledKey() != null) {
      if (!KEY.matcher(flag.getEnabledKey()).matches()) {
        return problem("spec.flag.enabledKey", quote(flag.getEnabledKey()) + " is not a valid ConfigMap key");
      }
      if (flag.getEnabledKey().equals(flag.getPercentageKey())) {
        return problem("spec.flag.enabledKey", "must differ from spec.flag.percentageKey");
      }
    }
    List<Step> steps = spec.getSteps();
    if (steps == null || steps.isEmpty()) {
      return problem("spec.steps", "needs at least one step");
    }
    if (steps.size() > ScalingChangeSpec.MAX_STEPS) {
      return problem("spec.steps", "has " + steps.size() + " steps; at most " + ScalingChangeSpec.MAX_STEPS);
    }
    int previous = 0;
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      String field = "spec.steps[" + i + "]";
      if (step == null || step.getWeight() == null) {
        return problem(field + ".weight", "is required");
      }
      int weight = step.getWeight();
      if (weight < 1 || weight > 100) {
        return problem(field + ".weight", weight + " is outside 1..100");
      }
      if (weight <= previous) {
        return problem(field + ".weight", weight + " must be greater than the previous step's " + previous);
      }
      previous = weight;
      if (step.getPause() != null) {
        try {
          Durations.parse(step.getPause());
        } catch (IllegalArgumentException e) {
          return problem(field + ".pause", e.getMessage());
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> problem(String field, String message) {
    return Optional.of(new SpecProblem(field, message));
  }

  private static String quote(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }
}
