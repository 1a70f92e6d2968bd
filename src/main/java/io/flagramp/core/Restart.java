package io.flagramp.core;

import io.flagramp.api.v1alpha1.RestartTarget;

/** Restart one workload as kubectl rollout restart does: its pod template's restartedAt annotation set to {@code value}. */
public record Restart(RestartTarget target, String value) {}
