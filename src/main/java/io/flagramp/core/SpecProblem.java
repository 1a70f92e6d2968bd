package io.flagramp.core;

/** Why a spec cannot work, naming the field: {@code spec.steps[2].pause: "9999…h" is out of range}. */
public record SpecProblem(String field, String message) {

  @Override
  public String toString() {
    return field + ": " + message;
  }
}
