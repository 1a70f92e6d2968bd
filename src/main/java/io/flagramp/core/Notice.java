package io.flagramp.core;

/** A Kubernetes Event the planner asks for: a transition, with its one-line decision. */
public record Notice(Kind kind, String reason, String message) {

  public enum Kind {
    Normal,
    Warning
  }

  public static Notice normal(String reason, String message) {
    return new Notice(Kind.Normal, reason, message);
  }

  public static Notice warning(String reason, String message) {
    return new Notice(Kind.Warning, reason, message);
  }
}
