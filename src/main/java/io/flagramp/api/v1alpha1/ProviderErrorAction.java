package io.flagramp.api.v1alpha1;

/** What the circuit breaker does once it trips. */
public enum ProviderErrorAction {
  Hold,
  Fail
}
