package io.flagramp.api.v1alpha1;

/** What a failed analysis does to the flag. */
public enum OnFailure {
  Revert,
  Hold
}
