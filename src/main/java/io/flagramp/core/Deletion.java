package io.flagramp.core;

/**
 * What deleting a ScalingChange does next, before its finalizer goes ({@link Planner#planDeletion}).
 *
 * @param plan the writes to make now, in the write-ahead order of any plan
 * @param done once {@code plan} is carried out, nothing of the change is left to settle on the
 *     ConfigMap: the finalizer may go
 */
public record Deletion(Plan plan, boolean done) {}
