package io.flagramp.core;

import java.util.List;
import java.util.Map;

/**
 * The flag's keys as read from the ConfigMap just now.
 *
 * @param values the flag's keys that exist, with their values (keys not present are absent here)
 * @param otherWriters for each flag key, the field managers other than flagramp that own it
 */
public record ObservedFlag(Map<String, String> values, Map<String, List<String>> otherWriters) {}
