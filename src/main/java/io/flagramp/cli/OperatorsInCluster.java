package io.flagramp.cli;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.OptIn;
import io.flagramp.operator.OperatorSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The flagramp operators a cluster runs, each with the settings its Deployment gives it (the
 * {@code FLAGRAMP_*} environment the chart renders), so that {@code lint} judges a change by the
 * allowlist and opt-in rule of the operator that will run it. When they cannot be read, the settings of
 * a default Helm install stand in for them, and {@link Choice#said()} says so.
 */
final class OperatorsInCluster {

  /** The chart's labels on the operator's Deployment (helm/flagramp/templates/_helpers.tpl). */
  static final Map<String, String> LABELS = Map.of("app.kubernetes.io/part-of", "flagramp",
      "app.kubernetes.io/component", "operator");

  /**
   * The settings a default {@code helm install} gives the operator (helm/flagramp/values.yaml), as far as
   * lint judges by them; {@code OperatorsInClusterTest} holds them to the chart.
   */
  static final Map<String, String> DEFAULT_INSTALL = Map.of(
      "FLAGRAMP_PROMETHEUS_ADDRESS", "http://prometheus-operated.monitoring.svc:9090",
      "FLAGRAMP_PROMETHEUS_ALLOWLIST", "http://prometheus-operated.monitoring.svc:9090",
      "FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN", "true");

  private static final Set<String> KNOWN = Arrays.stream(OperatorSettings.Setting.values()).map(s -> s.key)
      .collect(Collectors.toSet());

  /** An operator's Deployment and what it was started with. */
  record Found(String deployment, OperatorSettings settings, List<String> unread) {}

  /** The settings a change is judged by, and one line on where they come from. */
  record Choice(OperatorSettings settings, String said) {}

  private final List<Found> found;
  /** Why the cluster's operators could not be read; empty when they were. */
  private final Optional<String> unreadable;

  private OperatorsInCluster(List<Found> found, Optional<String> unreadable) {
    this.found = found;
    this.unreadable = unreadable;
  }

  /** Without a cluster (lint --local). */
  static OperatorsInCluster notAsked() {
    return new OperatorsInCluster(List.of(), Optional.of("the cluster was not asked (--local)"));
  }

  /** Lists the operators' Deployments in every namespace the user may list. */
  static OperatorsInCluster read(Kube kube) {
    List<Deployment> deployments;
    try {
      deployments = kube.client.apps().deployments().inAnyNamespace().withLabels(LABELS).list().getItems();
    } catch (KubernetesClientException e) {
      return new OperatorsInCluster(List.of(), Optional.of("the operator's settings cannot be read: " + (e.getCode() == 403
          ? "you may not list Deployments in every namespace" : Kube.firstLine(e.getMessage()))));
    }
    List<Found> found = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    for (Deployment d : deployments) {
      String name = d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
      List<String> unread = new ArrayList<>();
      Map<String, String> env = environment(d, unread);
      try {
        found.add(new Found(name, OperatorSettings.from(env), unread));
      } catch (IllegalArgumentException e) {
        broken.add(name + ": " + e.getMessage());
      }
    }
    if (found.isEmpty()) {
      return new OperatorsInCluster(List.of(), Optional.of(broken.isEmpty()
          ? "no flagramp operator in the cluster (a Deployment labelled app.kubernetes.io/part-of=flagramp,"
              + " app.kubernetes.io/component=operator)"
          : "the operator's settings do not parse (" + String.join("; ", broken) + ")"));
    }
    return new OperatorsInCluster(found, Optional.empty());
  }

  /**
   * The operator that will run {@code change}: the one watching its namespace whose shard owns it.
   * None, or no operators read: a default install's settings, said as assumed.
   */
  Choice forChange(ScalingChange change) {
    String ns = change.getMetadata().getNamespace();
    if (unreadable.isPresent()) {
      return assumed(unreadable.get());
    }
    for (Found f : found) {
      OperatorSettings s = f.settings();
      if ((s.namespaces().isEmpty() || s.namespaces().contains(ns)) && s.shard().owns(change)) {
        return new Choice(s, "Deployment " + f.deployment() + ": " + summary(s)
            + (f.unread().isEmpty() ? "" : "; not read: " + String.join(", ", f.unread())));
      }
    }
    return assumed("none of the flagramp operators (" + String.join(", ", found.stream().map(Found::deployment)
        .toList()) + ") runs changes in namespace " + ns + " with these labels");
  }

  private static Choice assumed(String why) {
    OperatorSettings s = OperatorSettings.from(DEFAULT_INSTALL);
    return new Choice(s, why + "; assumed a default Helm install's settings: " + summary(s));
  }

  /** What lint judges by, in words. */
  static String summary(OperatorSettings s) {
    return "Prometheus allowlist " + (s.prometheusAllowlist().isEmpty() ? "empty" : s.prometheusAllowlist().toString())
        + s.prometheusAddress().map(a -> " (default " + a + ")").orElse("")
        + (s.requireConfigMapOptIn() ? "; ConfigMaps opt in with " + OptIn.FLAGS + "=" + OptIn.VALUE
        : "; any ConfigMap");
  }

  /**
   * The container's {@code FLAGRAMP_*} environment as the pod sees it: literal values, and the
   * downward API's namespace and name; values from ConfigMaps or Secrets are not read (they are named in
   * {@code unread}), so the operator's default stands in for them.
   */
  private static Map<String, String> environment(Deployment d, List<String> unread) {
    Map<String, String> env = new LinkedHashMap<>();
    List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
    for (Container c : containers) {
      for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
        if (!e.getName().startsWith("FLAGRAMP_") || !KNOWN.contains(e.getName())) {
          continue;  // a setting of a newer operator than this plugin is not one lint judges by
        }
        if (e.getValueFrom() == null) {
          env.put(e.getName(), e.getValue() == null ? "" : e.getValue());
        } else if (e.getValueFrom().getFieldRef() != null) {
          String path = e.getValueFrom().getFieldRef().getFieldPath();
          if (path.equals("metadata.namespace")) {
            env.put(e.getName(), d.getMetadata().getNamespace());
          } else if (path.equals("metadata.name")) {
            env.put(e.getName(), d.getMetadata().getName());
          }
        } else {
          unread.add(e.getName());
        }
      }
    }
    return env;
  }
}
