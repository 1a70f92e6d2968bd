package io.flagramp.api.v1alpha1;

/** What an empty result, NaN or Inf does. */
public enum OnNoData {
  Hold,
  Fail
}
