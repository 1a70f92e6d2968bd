package io.flagramp.core;

import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * spec.steps read by weight. Where a rollout stands is the weight it wrote, not a position in a list
 * the user can edit: the next step is the first one whose weight is above it, and the soak at a weight
 * is the pause of the step that weight belongs to. So editing the list never moves the flag by itself.
 * The kubectl plugin reads a change's steps through it too, so it shows what the planner does.
 */
public final class Schedule {

  private final List<Step> steps;

  public Schedule(List<Step> steps) {
    this.steps = steps == null ? List.of() : steps;
  }

  public static Schedule of(ScalingChangeSpec spec) {
    return new Schedule(spec == null ? null : spec.getSteps());
  }

  public int size() {
    return steps.size();
  }

  public int weight(int index) {
    return steps.get(index).getWeight();
  }

  Duration pause(int index) {
    String pause = steps.get(index).getPause();
    return pause == null ? Duration.ZERO : Durations.parse(pause);
  }

  /** The first step above {@code weight}; the first step when nothing was written yet. */
  public OptionalInt next(Integer weight) {
    for (int i = 0; i < steps.size(); i++) {
      if (weight == null || steps.get(i).getWeight() > weight) {
        return OptionalInt.of(i);
      }
    }
    return OptionalInt.empty();
  }

  /** The step {@code weight} belongs to: the last one at or below it; -1 for none (or nothing written). */
  public int indexOf(Integer weight) {
    int index = -1;
    for (int i = 0; weight != null && i < steps.size(); i++) {
      if (steps.get(i).getWeight() <= weight) {
        index = i;
      }
    }
    return index;
  }

  /**
   * How long the flag soaks at {@code weight}: the pause of the step it belongs to, or of the first
   * step when an edit put every step above it (a longer soak is never the unsafe choice).
   */
  Duration pauseAt(int weight) {
    int index = indexOf(weight);
    return pause(Math.max(index, 0));
  }

  /** The schedule now ends below a weight already written: only a revert may lower the flag. */
  boolean endsBelow(int weight) {
    return !steps.isEmpty() && steps.get(steps.size() - 1).getWeight() < weight;
  }

  /** The schedule in one line, as on-call reads it: "1 (1h), 5 (24h), 50 (24h, Manual), 100". */
  String describe() {
    return steps.stream().map(s -> {
      List<String> extras = new java.util.ArrayList<>();
      if (s.getPause() != null) {
        extras.add(s.getPause());
      }
      if (s.manual()) {
        extras.add("Manual");
      }
      return s.getWeight() + (extras.isEmpty() ? "" : " (" + String.join(", ", extras) + ")");
    }).collect(java.util.stream.Collectors.joining(", "));
  }

  /** "3/6": steps at or below the weight, out of all steps. */
  String progress(Integer weight) {
    return (indexOf(weight) + 1) + "/" + steps.size();
  }
}
