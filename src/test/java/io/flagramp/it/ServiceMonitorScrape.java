package io.flagramp.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Prometheus scrape job the Prometheus Operator generates for a ServiceMonitor's first endpoint
 * (its {@code generateServiceMonitorConfig}: job {@code serviceMonitor/<namespace>/<name>/0}), with one
 * difference: the target is static instead of discovered, and carries the {@code __meta_kubernetes_*}
 * labels endpoints discovery would give the operator's pod behind the Service. The relabelling that turns
 * them into the target's {@code namespace}, {@code service}, {@code pod}, {@code container}, {@code job}
 * and {@code endpoint} labels is the operator's, as are {@code honor_labels} and the endpoint's
 * relabelings and metricRelabelings, translated from the ServiceMonitor's camelCase.
 */
final class ServiceMonitorScrape {

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

  private ServiceMonitorScrape() {}

  /**
   * A whole Prometheus configuration that scrapes {@code address} ("host:port") as the pod {@code pod}
   * behind {@code service}, every second, the way {@code monitor} says.
   */
  static String config(GenericKubernetesResource monitor, Service service, String pod, String address) {
    Map<String, Object> endpoint = monitor.get("spec", "endpoints", 0);
    String portName = (String) endpoint.get("port");
    List<String> namespaces = monitor.get("spec", "namespaceSelector", "matchNames");
    if (!namespaces.contains(service.getMetadata().getNamespace())) {
      throw new IllegalArgumentException("the ServiceMonitor does not select the namespace " + namespaces);
    }
    Map<String, String> selector = monitor.get("spec", "selector", "matchLabels");

    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("__meta_kubernetes_namespace", service.getMetadata().getNamespace());
    meta.put("__meta_kubernetes_service_name", service.getMetadata().getName());
    service.getMetadata().getLabels().forEach((k, v) -> {
      meta.put("__meta_kubernetes_service_label_" + sanitize(k), v);
      meta.put("__meta_kubernetes_service_labelpresent_" + sanitize(k), "true");
    });
    meta.put("__meta_kubernetes_endpoint_port_name", portName);
    meta.put("__meta_kubernetes_endpoint_address_target_kind", "Pod");
    meta.put("__meta_kubernetes_endpoint_address_target_name", pod);
    meta.put("__meta_kubernetes_pod_name", pod);
    meta.put("__meta_kubernetes_pod_container_name", "operator");

    List<Map<String, Object>> relabel = new ArrayList<>();
    relabel.add(rule("source_labels", List.of("job"), "target_label", "__tmp_prometheus_job_name"));
    selector.forEach((k, v) -> relabel.add(rule("action", "keep",
        "source_labels", List.of("__meta_kubernetes_service_label_" + sanitize(k),
            "__meta_kubernetes_service_labelpresent_" + sanitize(k)),
        "regex", "(" + v + ");true")));
    relabel.add(rule("action", "keep", "source_labels", List.of("__meta_kubernetes_endpoint_port_name"),
        "regex", portName));
    for (String kind : List.of("Node", "Pod")) {
      relabel.add(rule("source_labels", List.of("__meta_kubernetes_endpoint_address_target_kind",
              "__meta_kubernetes_endpoint_address_target_name"), "separator", ";",
          "regex", kind + ";(.*)", "replacement", "${1}", "target_label", kind.toLowerCase()));
    }
    relabel.add(rule("source_labels", List.of("__meta_kubernetes_namespace"), "target_label", "namespace"));
    relabel.add(rule("source_labels", List.of("__meta_kubernetes_service_name"), "target_label", "service"));
    relabel.add(rule("source_labels", List.of("__meta_kubernetes_pod_name"), "target_label", "pod"));
    relabel.add(rule("source_labels", List.of("__meta_kubernetes_pod_container_name"), "target_label", "container"));
    relabel.add(rule("source_labels", List.of("__meta_kubernetes_service_name"), "target_label", "job",
        "replacement", "${1}"));
    relabel.add(rule("target_label", "endpoint", "replacement", portName));
    relabel.addAll(translate(endpoint.get("relabelings")));

    Map<String, Object> job = new LinkedHashMap<>();
    job.put("job_name", "serviceMonitor/" + monitor.getMetadata().getNamespace() + "/"
        + monitor.getMetadata().getName() + "/0");
    job.put("honor_labels", Boolean.TRUE.equals(endpoint.get("honorLabels")));
    job.put("honor_timestamps", true);
    // The endpoint's interval and timeout (30s, 10s) made short for a test; what else it says is kept.
    job.put("scrape_interval", "1s");
    job.put("scrape_timeout", "1s");
    job.put("metrics_path", endpoint.get("path"));
    job.put("static_configs", List.of(Map.of("targets", List.of(address), "labels", meta)));
    job.put("relabel_configs", relabel);
    job.put("metric_relabel_configs", translate(endpoint.get("metricRelabelings")));

    Map<String, Object> config = new LinkedHashMap<>();
    config.put("global", Map.of("scrape_interval", "1s", "evaluation_interval", "1s"));
    config.put("scrape_configs", List.of(job));
    try {
      return YAML.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ServiceMonitor's RelabelConfigs (camelCase) as Prometheus' relabel_configs (snake_case). */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> translate(Object relabelings) {
    List<Map<String, Object>> rules = new ArrayList<>();
    if (relabelings == null) {
      return rules;
    }
    for (Map<String, Object> r : (List<Map<String, Object>>) relabelings) {
      Map<String, Object> rule = new LinkedHashMap<>();
      r.forEach((k, v) -> rule.put(k.replaceAll("([A-Z])", "_$1").toLowerCase(),
          k.equals("action") ? v.toString().toLowerCase() : v));
      rules.add(rule);
    }
    return rules;
  }

  private static Map<String, Object> rule(Object... keysAndValues) {
    Map<String, Object> rule = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      rule.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return rule;
  }

  /** A Kubernetes label name as Prometheus' discovery spells it in a meta label. */
  private static String sanitize(String label) {
    return label.replaceAll("[^a-zA-Z0-9_]", "_");
  }
}
